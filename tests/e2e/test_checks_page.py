"""The ``page`` check kind against a real Daphne server and real Chromium.

A minimal shop (two products on sale, a logo, a theme colour, one customer) is built with ORM rows;
each test grades a page with a small stand-in for the engine's grading context. One browser for
the module (the session's ``browser`` fixture, adopted by a ``BrowserPool``); a fresh
``BrowserSession`` (browser contexts) per test, as per attempt in a grading worker.
"""

import io
import shutil
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from PIL import Image

from autograder.browser import BrowserPool, BrowserSession
from autograder.checks import page as page_check
from autograder.checks.page import PageCheck, PageParams, PageUnavailable
from shop_sim.templatetags.shop_sim_theme import theme_ink

THEME = "#1a73e8"


def png(width: int, height: int, color=(230, 80, 40)) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue())


class Ctx:
    """What the engine's grading context offers a page check, over one BrowserSession."""

    def __init__(self, session: BrowserSession, *, points="10", evidence_dir: Path | None = None,
                 criterion_id: str = "crit"):
        self.session = session
        self.sandbox = session.sandbox
        self.params = {}
        self.points = Decimal(points)
        self.evidence_dir = evidence_dir
        self.criterion_id = criterion_id

    def browser_page(self, *, as_role, buyer_nickname=None):
        return self.session.check_page(as_role, buyer_nickname=buyer_nickname)

    def storefront_url(self, path=""):
        return self.session.storefront_url(path)

    def console_url(self, path=""):
        return self.session.console_url(path)

    def uploaded_file(self, name):
        return None

    def evidence_path(self, name):
        return self.evidence_dir / name if self.evidence_dir else None


def grade(ctx, **params):
    return PageCheck().run(ctx, PageParams.model_validate(params))


@pytest.fixture(scope="module")
def pool(browser):
    return BrowserPool(browser=browser)


@pytest.fixture
def shop(make_user, make_sandbox):
    from shop_sim.models import Customer, Product, ProductImage, ShopDecoration

    owner = make_user("cand_page")
    sandbox = make_sandbox(owner=owner, name="小鹿男装旗舰店")
    decoration = ShopDecoration.objects.get(sandbox=sandbox)
    decoration.theme_color = THEME
    decoration.slogan = "舒适 百搭"
    decoration.logo.save("logo.png", png(200, 100), save=False)
    decoration.save()
    good = Product.objects.create(sandbox=sandbox, title="纯棉短袖T恤 男款", price=Decimal("99.00"), stock=10,
                                  status=Product.Status.ON_SALE)
    ProductImage.objects.create(sandbox=sandbox, product=good, image=ContentFile(png(800, 800).read(), name="main.png"))
    for n in range(3):  # detail images far below the fold, loading="lazy"
        ProductImage.objects.create(sandbox=sandbox, product=good, kind=ProductImage.Kind.DETAIL, position=n,
                                    image=ContentFile(png(750, 1200, (40, 120 + n * 40, 90)).read(), name=f"detail{n}.png"))
    small = Product.objects.create(sandbox=sandbox, title="亚麻休闲裤", price=Decimal("0"), stock=5,
                                   status=Product.Status.ON_SALE)
    ProductImage.objects.create(sandbox=sandbox, product=small, image=ContentFile(png(400, 300).read(), name="small.png"))
    Customer.objects.create(sandbox=sandbox, nickname="买家小明")
    yield {"sandbox": sandbox, "good": good, "small": small}
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "shops" / sandbox.storefront_key, ignore_errors=True)


@pytest.fixture
def session(pool, live_server_url, shop):
    with BrowserSession(pool, base_url=live_server_url, sandbox=shop["sandbox"]) as s:
        yield s


def test_tolerant_text_roles_attributes_and_theme_colour_earn_full_marks(session, shop, tmp_path):
    ctx = Ctx(session, evidence_dir=tmp_path, criterion_id="detail_page")
    result = grade(ctx, path=f"/item/{shop['good'].pk}/", screenshot=True, asserts=[
        {"text": "纯棉短袖Ｔ恤男款"},                     # full-width Ｔ, no space: still found
        {"text": "￥99"},                                # full-width yen, no decimals vs "¥99.00"
        {"text": "99 元"},
        {"text": "已下架", "present": False},
        {"role": "link", "name": "所有宝贝", "count_min": 1},
        {"role": "button", "name": "立即购买", "exact": True},
        {"role": "heading", "level": 1, "name": "纯棉短袖T恤"},
        {"selector": "#sf-main-img", "attribute": "alt", "contains": "短袖T恤"},
        {"selector": "#sf-main-img", "attribute": "src", "matches": r"^/media/shops/.+\.png$"},
        {"selector": ".sf-sign", "style": "background-color", "equals": "RGB(26, 115, 232)"},
        # white text on the theme colour: the buy button wears its legible shade (theme_ink, WCAG AA)
        {"selector": ".sf-btn-buy", "style": "background-color", "equals": theme_ink(THEME).upper()},
        {"image": "#sf-main-img", "min_width": 800, "min_height": 800, "aspect": "1:1", "distortion": "halve"},
    ])
    assert result.score == Decimal("10.00"), result.message
    assert result.message.startswith("店铺前台页面")
    assert "12/12 项通过" in result.message
    shot = tmp_path / "detail_page-1.jpg"
    assert result.evidence == [{"kind": "screenshot", "path": str(shot), "url": f"/s/{shop['sandbox'].storefront_key}/item/{shop['good'].pk}/"}]
    assert shot.read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG
    assert Image.open(shot).size == (1366, 900)  # the viewport, not the whole page
    # A second check of the same criterion does not overwrite the first screenshot.
    again = grade(ctx, path=f"/item/{shop['good'].pk}/", screenshot="full_page", asserts=[{"text": "小鹿男装旗舰店"}])
    assert again.evidence[0]["path"] == str(tmp_path / "detail_page-2.jpg")
    assert Image.open(tmp_path / "detail_page-2.jpg").size[1] > 900  # the whole page


def test_screenshots_by_default_only_where_points_were_lost(session, shop, tmp_path, settings):
    ctx = Ctx(session, evidence_dir=tmp_path, criterion_id="home")
    passed = grade(ctx, path="/", asserts=[{"text": "小鹿男装旗舰店"}])
    assert passed.score == Decimal("10.00") and passed.evidence == []
    assert list(tmp_path.iterdir()) == []
    failed = grade(ctx, path="/", asserts=[{"text": "小鹿男装旗舰店"}, {"text": "没有这句话"}])
    assert failed.score == Decimal("5.00")
    assert [e["path"] for e in failed.evidence] == [str(tmp_path / "home-1.jpg")]
    assert Image.open(tmp_path / "home-1.jpg").size == (1366, 900)
    never = grade(ctx, path="/", screenshot=False, asserts=[{"text": "没有这句话"}])
    assert never.evidence == []
    settings.GRADER_SCREENSHOTS = "full_page"  # an operator's audit mode: every check keeps the whole page
    audited = grade(ctx, path=f"/item/{shop['good'].pk}/", asserts=[{"text": "小鹿男装旗舰店"}])
    assert Image.open(audited.evidence[0]["path"]).size[1] > 900


def test_failed_asserts_cost_their_weight_and_say_expected_and_actual(session, shop):
    ctx = Ctx(session, points="8")
    result = grade(ctx, path=f"/item/{shop['good'].pk}/", asserts=[
        {"text": "纯棉短袖T恤", "weight": 3},
        {"text": "¥89"},                                                   # the price is 99
        {"selector": ".sf-sign", "style": "background-color", "equals": "#ff5000"},
        {"selector": "#sf-main-img", "attribute": "alt", "equals": "亚麻休闲裤"},
        {"selector": ".no-such-thing", "attribute": "alt"},
        {"role": "link", "name": "不存在的链接"},
        {"text": "纯棉", "present": False, "weight": 2},
    ])
    # earned 3 of 3+1+1+1+1+1+2 = 10 weight -> 8 x 3/10
    assert result.score == Decimal("2.40")
    assert result.max == Decimal("8.00")
    message = result.message
    assert "1/7 项通过" in message
    assert "✗ 页面未显示“¥89”" in message
    assert "期望 #ff5000，实际 「#1a73e8」" in message
    assert "期望等于“亚麻休闲裤”，实际 「纯棉短袖T恤 男款」" in message
    assert "元素 .no-such-thing 的属性 alt：未找到元素" in message
    assert "✗ 元素 链接“不存在的链接”：期望 至少 1 个，实际 0 个" in message
    assert "页面不应显示“纯棉”，但显示了" in message
    assert [a["passed"] for a in result.actual] == [True, False, False, False, False, False, False]
    assert result.expected[0] == {"text": "纯棉短袖T恤", "weight": "3"}


def test_an_image_of_the_wrong_size_fails_with_both_sizes(session, shop):
    ctx = Ctx(session)
    result = grade(ctx, path=f"/item/{shop['small'].pk}/", asserts=[
        {"image": "#sf-main-img", "min_width": 800, "min_height": 800},
        {"image": "#sf-main-img", "aspect": "1:1"},
        {"image": "#sf-main-img", "max_width": 300},
        {"image": ".sf-thumbs img", "count_min": 3},
    ])
    assert result.score == Decimal("0.00")
    assert "尺寸不足：要求至少 800×800，实际 400×300" in result.message
    assert "比例不符：要求 1:1，实际 400×300" in result.message
    assert "尺寸过大：要求宽至多 300，实际 400×300" in result.message
    assert "图片 .sf-thumbs img：未找到图片" in result.message
    assert result.actual[0]["images"][0]["nw"] == 400
    # Fewer good images than required: the item earns nothing and each bad image is named.
    cards = grade(ctx, path="/all/?sort=price_asc", asserts=[{"image": ".sf-card-img img", "min_width": 800, "count_min": 2}])
    assert cards.score == Decimal("0.00")
    assert "需要至少 2 张符合要求，实际 1 张；第 1 张尺寸不足：要求宽至少 800，实际 400×300" in cards.message


@pytest.fixture
def own_pool(browser):
    """A pool of its own for tests that add init scripts to the grading tab (they would outlive the test)."""
    with BrowserPool(browser=browser) as pool:
        yield pool


def test_lazy_images_below_the_fold_are_loaded_before_they_are_judged(own_pool, live_server_url, shop):
    with BrowserSession(own_pool, base_url=live_server_url, sandbox=shop["sandbox"]) as session:
        page = session.check_page("buyer").page
        # Push the description far down, so its loading="lazy" images surely have not loaded yet.
        page.add_init_script("const sheet = new CSSStyleSheet(); sheet.replaceSync('.sf-item-body { margin-top: 30000px; }');"
                             " document.adoptedStyleSheets = [sheet];")
        page.goto(session.storefront_url(f"/item/{shop['good'].pk}/"))
        assert page.eval_on_selector_all(".sf-detail-img", "els => els.filter(e => e.complete).length") == 0

        result = grade(Ctx(session), path=f"/item/{shop['good'].pk}/", viewport="mobile", asserts=[
            {"image": ".sf-detail-img", "min_width": 750, "max_width": 750, "count_min": 3, "distortion": "halve"},
            {"selector": ".sf-detail-img", "attribute": "loading", "equals": "lazy", "every": True},  # put back
        ])
        assert result.score == Decimal("10.00"), result.message
        assert "3 张符合要求（原图 750×1200）" in result.message
        assert page.viewport_size == {"width": 375, "height": 812}


def test_a_distorted_image_halves_its_item_and_object_fit_is_not_distortion(own_pool, live_server_url, shop):
    logo = {"image": ".sf-logo", "max_width": 200, "distortion": "halve"}
    with BrowserSession(own_pool, base_url=live_server_url, sandbox=shop["sandbox"]) as session:
        ctx = Ctx(session)
        # As the shop renders it: the 200×100 logo keeps its proportions.
        assert grade(ctx, path="/", asserts=[logo]).score == Decimal("10.00")
        # Product cards are square boxes with object-fit: cover, so a 400×300 image is cropped, not stretched.
        cards = grade(ctx, path="/", asserts=[{"image": ".sf-card-img img", "count_min": 2, "distortion": "fail"}])
        assert cards.score == Decimal("10.00"), cards.message
        # A decoration that squeezes the logo into a square slot distorts it.
        session.check_page("buyer").page.add_init_script(
            "const sheet = new CSSStyleSheet(); sheet.replaceSync('.sf-logo { width: 100px !important;"
            " height: 100px !important; }'); document.adoptedStyleSheets = [sheet];")
        halved = grade(ctx, path="/", asserts=[logo, {"text": "小鹿男装旗舰店"}])
        assert halved.score == Decimal("7.50")  # (0.5 + 1) / 2 × 10
        assert "½ 图片 .sf-logo" in halved.message
        assert "原图 200×100，显示为 100×100（该项得分减半）" in halved.message
        failed = grade(ctx, path="/", asserts=[{**logo, "distortion": "fail"}])
        assert failed.score == Decimal("0.00")
        ignored = grade(ctx, path="/", asserts=[{**logo, "distortion": "ignore"}])
        assert ignored.score == Decimal("10.00")


def test_a_missing_page_is_not_evaluated_never_a_silent_zero(session, shop, tmp_path):
    ctx = Ctx(session, evidence_dir=tmp_path)
    with pytest.raises(PageUnavailable) as info:  # the engine makes it 未评定 for the examiner
        grade(ctx, path="/item/999999/", asserts=[{"text": "纯棉短袖T恤"}])
    assert "HTTP 404" in str(info.value)
    assert "/item/999999/" in str(info.value)


def test_a_slow_or_absent_wait_for_is_noted_and_grading_goes_on(session, shop, monkeypatch):
    monkeypatch.setattr(page_check, "WAIT_FOR_TIMEOUT_MS", 1000)  # 5 s in grading; the test need not wait
    ctx = Ctx(session)
    result = grade(ctx, path=f"/item/{shop['good'].pk}/", wait_for="永远不会出现的文字",
                   asserts=[{"text": "纯棉短袖T恤"}])
    assert result.score == Decimal("10.00")
    assert "等待“永远不会出现的文字”超时（1 秒）" in result.message
    found = grade(ctx, path=f"/item/{shop['good'].pk}/", wait_for="#sf-main-img", asserts=[{"text": "¥99.00"}])
    assert "超时" not in found.message


def test_the_console_opens_as_the_candidate_without_the_login_form(session, shop):
    before = Session.objects.count()
    ctx = Ctx(session)
    result = grade(ctx, area="console", path="/products/", asserts=[
        {"text": "纯棉短袖T恤 男款"}, {"text": "亚麻休闲裤"}, {"role": "link", "name": "退出", "count_min": 0},
    ])
    assert result.score == Decimal("10.00"), result.message
    assert result.message.startswith("商家后台页面 /products/（考生）")
    assert Session.objects.count() == before + 1  # the grader's own session, for this attempt only
    # The buyer in the same attempt is still anonymous: the candidate's cookie lives in another context.
    buyer = grade(ctx, path="/", asserts=[{"text": "你好，请"}])
    assert buyer.score == Decimal("10.00")
    session.close()
    assert Session.objects.count() == before


def test_a_named_buyer_sees_their_orders_and_an_unknown_one_is_not_evaluated(session, shop):
    ctx = Ctx(session)
    result = grade(ctx, path="/orders/", buyer="买家小明", asserts=[{"text": "你好，买家小明"}, {"text": "我的订单"}])
    assert result.score == Decimal("10.00"), result.message
    with pytest.raises(PageUnavailable, match="店铺中没有会员名为“陌生人”的买家"):
        grade(ctx, path="/orders/", buyer="陌生人", asserts=[{"text": "我的订单"}])


def test_the_graders_named_buyer_works_in_an_exam_shop_where_a_stranger_cannot_log_in(session, shop, make_user):
    from tests.unit.exam_helpers import exam_shop_mark

    exam_shop_mark(shop["sandbox"], examiner=make_user("kaoping_page", role="examiner"))
    stranger = session.page("buyer")
    stranger.goto(session.storefront_url("/login/"))
    assert "只允许店主本人以模拟买家身份操作" in stranger.content()
    result = grade(Ctx(session), path="/orders/", buyer="买家小明",
                   asserts=[{"text": "你好，买家小明"}, {"text": "我的订单"}])
    assert result.score == Decimal("10.00"), result.message


def test_a_console_page_of_a_sandbox_without_owner_is_not_evaluated(pool, live_server_url, make_sandbox):
    orphan = make_sandbox(owner=None, name="无主店铺")
    with BrowserSession(pool, base_url=live_server_url, sandbox=orphan) as session:
        with pytest.raises(PageUnavailable, match="沙箱没有所有者"):
            grade(Ctx(session), area="console", path="/", asserts=[{"text": "工作台"}])


def test_an_engine_without_a_browser_raises_so_the_criterion_is_not_evaluated(shop):
    class Broken:
        points = Decimal("5")

        def browser_page(self, *, as_role):
            raise RuntimeError("no browser here")

    with pytest.raises(PageUnavailable) as info:
        grade(Broken(), path="/", asserts=[{"text": "x"}])
    assert "浏览器不可用" in str(info.value) and "no browser here" in str(info.value)


def test_the_pool_launches_lazily_once_and_is_bound_to_its_thread(live_server_url, shop):
    """Run in a thread of its own: the session's Playwright already owns the main thread's loop."""
    outcome = {}

    def worker():
        pool = BrowserPool()
        try:
            outcome["before"] = pool.started
            for _ in range(2):  # two attempts, one Chromium
                with BrowserSession(pool, base_url=live_server_url, sandbox=shop["sandbox"]) as s:
                    s.page("buyer").goto(s.storefront_url("/"))
                    outcome.setdefault("titles", []).append(s.page("buyer").title())
                    outcome["same_page"] = s.page("buyer") is s.page("buyer")
            outcome["launches"] = pool.launches
            outcome["pool"] = pool
            done.set()
            may_close.wait(30)
        finally:
            pool.close()

    done, may_close = threading.Event(), threading.Event()
    thread = threading.Thread(target=worker)
    thread.start()
    assert done.wait(60)
    try:
        with pytest.raises(RuntimeError, match="thread"):
            outcome["pool"].browser()
    finally:
        may_close.set()
        thread.join(30)
    assert outcome["before"] is False
    assert outcome["launches"] == 1
    assert outcome["same_page"] is True
    assert outcome["titles"] == ["小鹿男装旗舰店"] * 2


def test_navigation_is_keyed_by_where_a_buyer_lands_not_by_how_the_link_was_stored(session, shop):
    from autograder.checks.navigation import NavigationCheck, NavigationParams
    from shop_sim.models import Category, NavItem

    sandbox = shop["sandbox"]
    tops, pants, coats = (Category.objects.create(sandbox=sandbox, name=n) for n in ("上衣", "裤装", "外套"))
    shop["good"].category = tops
    shop["good"].save()
    shop["small"].category = pants
    shop["small"].save()
    # 上衣 by 链接到分类; 裤装 as the category page's address pasted from the address bar (with ?sort=)
    NavItem.objects.create(sandbox=sandbox, label="上衣", category=tops, position=0)
    NavItem.objects.create(sandbox=sandbox, label="裤装", position=1,
                           link=session.storefront_url(f"/category/{pants.pk}/?sort=sales"))
    params = NavigationParams.model_validate({"expect": ["上衣", "裤装"], "forbidden": ["外套"], "ordered": True,
                                              "forbidden_cost": 2})
    ctx = Ctx(session, points="3")
    result = NavigationCheck().run(ctx, params)
    assert result.score == Decimal("3.00"), result.message
    assert "✓ “裤装”：打开分类“裤装”的页面" in result.message
    # an entry for the excluded category, a link to another site and a dead entry: costs, never a crash
    NavItem.objects.create(sandbox=sandbox, label="外套", category=coats, position=2)
    NavItem.objects.create(sandbox=sandbox, label="官网", link="https://example.com/", position=3)
    worse = NavigationCheck().run(ctx, params)
    assert worse.score == Decimal("0.00"), worse.message  # 2 shares − 2 (forbidden) − ½ (extra) → 0
    assert "不应添加的导航“外套”" in worse.message and "多余的导航“官网”" in worse.message
