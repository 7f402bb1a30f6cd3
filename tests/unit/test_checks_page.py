"""The ``page`` check kind without a browser: parameters and the tolerant comparisons.

The browser half (real Chromium against Daphne) is tests/e2e/test_checks_page.py.
"""

import pytest
from pydantic import ValidationError

from autograder.checks.page import (
    PageCheck, PageParams, canonical_money, color_hex, colors_equal, fold_text, parse_aspect, parse_color,
    text_contains,
)
from autograder.registry import get_kind


def params(**overrides):
    return PageParams.model_validate({"path": "/", "asserts": [{"text": "店铺"}], **overrides})


def errors(**overrides) -> str:
    with pytest.raises(ValidationError) as info:
        params(**overrides)
    return str(info.value)


def test_page_is_a_registered_browser_kind():
    kind = get_kind("page")
    assert kind is PageCheck
    assert kind.needs_browser is True and kind.machine_scored is True


def test_defaults_follow_the_area():
    assert params().as_role == "buyer"
    assert params(area="console").as_role == "candidate"
    assert params(**{"as": "candidate", "area": "console"}).as_role == "candidate"  # docs spell it "as"


def test_a_console_page_as_buyer_is_rejected():
    assert "商家后台页面只能以考生身份" in errors(area="console", as_role="buyer")
    assert "商家后台页面只能以考生身份" in errors(area="console", **{"as": "buyer"})


def test_a_named_buyer_only_on_the_storefront_as_buyer():
    assert params(buyer="买家小明").buyer == "买家小明"
    assert "buyer（会员名）只能用于" in errors(buyer="买家小明", as_role="candidate")
    assert "buyer（会员名）只能用于" in errors(buyer="买家小明", area="console")


@pytest.mark.parametrize("path", [
    "item/1/", "//evil.example/", "http://evil.example/", "/a\\b", "/../console/", "/item/./1", "/a\nb", "",
])
def test_paths_must_be_relative_to_the_area_root(path):
    with pytest.raises(ValidationError):
        params(path=path)


@pytest.mark.parametrize("path", ["/", "/item/12/", "/products/?status=on_sale&q=T恤", "/all/?page=2#top"])
def test_good_paths(path):
    assert params(path=path).path == path


@pytest.mark.parametrize("item, message", [
    ({"selector": ".a"}, "每项断言须含"),
    ({"text": "a", "role": "link"}, "Extra inputs are not permitted"),
    ({"text": ""}, "at least 1 character"),
    ({"text": "a", "weight": 0}, "greater than 0"),
    ({"role": "nonsense"}, "未知的 ARIA 角色"),
    ({"role": "link", "level": 2}, "level 只能与 role: heading"),
    ({"role": "link", "count_min": 3, "count_max": 1}, "count_max 不能小于 count_min"),
    ({"selector": "img", "attribute": "alt", "equals": "a", "contains": "b"}, "只能给出其中一个"),
    ({"selector": "img", "attribute": "alt", "matches": "("}, "不是有效的正则表达式"),
    ({"selector": "img", "attribute": "on click"}, "should match pattern"),
    ({"selector": ".a", "style": "color"}, "equals"),
    ({"selector": ".a", "style": "Color!", "equals": "red"}, "should match pattern"),
    ({"image": "img", "aspect": "square"}, "should match pattern"),
    ({"image": "img", "aspect": "1:0"}, "aspect 的宽和高都须大于 0"),
    ({"image": "img", "min_width": 800, "loaded": False}, "loaded 必须为 true"),
    ({"image": "img", "min_width": 800, "max_width": 100}, "max_width 不能小于 min_width"),
    ({"image": "img", "distortion": "quarter"}, "distortion"),
    ({"image": "img", "count_min": 0}, "greater than or equal to 1"),
])
def test_bad_asserts_are_refused_with_a_reason(item, message):
    assert message in errors(asserts=[item])


def test_unknown_keys_and_empty_assert_lists_are_refused():
    assert "Extra inputs are not permitted" in errors(screenshots=True)
    assert "at least 1 item" in errors(asserts=[])
    assert "viewport" in errors(viewport="tablet")


def test_each_assert_kind_is_parsed_with_its_defaults():
    parsed = params(asserts=[
        {"text": "包邮"}, {"role": "img", "name": "店标"}, {"selector": "a", "attribute": "href"},
        {"selector": ".sf-sign", "style": "background-color", "equals": "#ff5000"},
        {"image": ".sf-logo", "max_width": 100, "max_height": 100, "distortion": "halve", "weight": 2.5},
    ]).asserts
    assert [type(a).__name__ for a in parsed] == ["TextAssert", "RoleAssert", "AttributeAssert", "StyleAssert", "ImageAssert"]
    assert parsed[0].present is True and parsed[1].count_min == 1 and parsed[2].every is False
    assert str(parsed[4].weight) == "2.5" and parsed[4].distortion_tolerance == 0.05 and parsed[4].loaded is True


@pytest.mark.parametrize("text, expected", [
    ("¥99", "¥99.00"), ("￥ 99.0", "¥99.00"), ("99元", "¥99.00"), ("99.00 元", "¥99.00"),
    ("¥1,299", "¥1299.00"), ("运费 0 元", "运费 ¥0.00"), ("¥10–20", "¥10.00-20.00"), ("10-20元", "¥10.00-20.00"),
    ("¥99.00元", "¥99.00"), ("已售 3 件", "已售 3 件"), ("2024-05-01", "2024-05-01"),
])
def test_money_is_canonical(text, expected):
    import unicodedata

    assert canonical_money(unicodedata.normalize("NFKC", text).replace("–", "-")) == expected


@pytest.mark.parametrize("haystack, needle", [
    ("价格 ¥99.00", "￥99"), ("价格 ¥99.00", "99元"), ("运费：¥0.00", "运费:0元"), ("运费：¥0.00", "运费：￥0"),
    ("纯棉短袖T恤 男款", "纯棉短袖Ｔ恤男款"), ("NO.1 热卖", "no.1"), ("满 100 减 20", "满100减20"),
    ("第一行\n  第二行", "第一行 第二行"), ("¥10.00–¥20.00", "¥10-¥20"),
])
def test_text_matching_is_tolerant_where_people_are(haystack, needle):
    assert text_contains(haystack, needle)


@pytest.mark.parametrize("haystack, needle", [
    ("价格 ¥99.00", "¥9"), ("价格 ¥99.00", "¥99.50"), ("纯棉短袖T恤", "纯棉长袖T恤"), ("运费 ¥10.00", "运费 ¥1"),
])
def test_text_matching_is_strict_where_the_task_is(haystack, needle):
    assert not text_contains(haystack, needle)


def test_fold_text_removes_spaces_and_case():
    assert fold_text("  Ａ B\tc ") == "abc"


@pytest.mark.parametrize("value, rgba", [
    ("#ff5000", (255, 80, 0, 1.0)), ("#F50", (255, 85, 0, 1.0)), ("#ff500080", (255, 80, 0, 0.502)),
    ("rgb(255, 80, 0)", (255, 80, 0, 1.0)), ("RGB(255,80,0)", (255, 80, 0, 1.0)),
    ("rgba(255, 80, 0, 0.5)", (255, 80, 0, 0.5)), ("rgb(255 80 0 / 50%)", (255, 80, 0, 0.5)),
    ("rgb(100%, 0%, 0%)", (255, 0, 0, 1.0)), ("red", (255, 0, 0, 1.0)), ("hsl(0, 100%, 50%)", (255, 0, 0, 1.0)),
    ("transparent", (0, 0, 0, 0.0)),
])
def test_colours_parse_in_every_css_spelling(value, rgba):
    assert parse_color(value) == rgba


@pytest.mark.parametrize("value", ["", "bold", "#12", "#gggggg", "rgb(1, 2)", "16px"])
def test_non_colours_are_not_colours(value):
    assert parse_color(value) is None


def test_colour_comparison_and_display():
    assert colors_equal(parse_color("#FF5000"), parse_color("rgb(255, 80, 0)"))
    assert not colors_equal(parse_color("#ff5000"), parse_color("#ff5001"))
    assert colors_equal(parse_color("#ff5000"), parse_color("#ff5002"), tolerance=2)
    assert not colors_equal(parse_color("#ff5000"), parse_color("rgba(255, 80, 0, 0.5)"))
    assert color_hex(parse_color("rgb(26, 115, 232)")) == "#1a73e8"
    assert color_hex(parse_color("rgba(0, 0, 0, 0)")) == "#000000 / 0.00"


def test_aspect_ratios():
    assert parse_aspect("1:1") == 1
    assert parse_aspect("16:9") == pytest.approx(1.7778, abs=1e-4)
    assert parse_aspect("1920:540") == pytest.approx(3.5556, abs=1e-4)


def test_each_thread_has_its_own_shared_pool_and_nothing_launches_until_used():
    import threading

    from autograder.browser import shared_pool

    pool = shared_pool()
    assert shared_pool() is pool and pool.started is False
    other = {}
    thread = threading.Thread(target=lambda: other.setdefault("pool", shared_pool()))
    thread.start()
    thread.join()
    assert other["pool"] is not pool


def test_session_urls_and_refusals_before_any_browser_work():
    from types import SimpleNamespace

    from autograder.browser import BrowserPool, BrowserSession

    shop = SimpleNamespace(storefront_key="k3y", pk=1, owner_id=None)
    other = SimpleNamespace(storefront_key="0ther")
    pool = BrowserPool()
    session = BrowserSession(pool, base_url="http://grader:8000/", sandbox=shop)
    assert session.storefront_url() == "http://grader:8000/s/k3y/"
    assert session.storefront_url("/item/5/") == "http://grader:8000/s/k3y/item/5/"
    assert session.storefront_url(other, "/all/") == "http://grader:8000/s/0ther/all/"
    assert session.console_url("/products/") == "http://grader:8000/console/products/"
    with pytest.raises(ValueError):
        session.page("examiner")
    with pytest.raises(ValueError):
        session.page("candidate", buyer_nickname="买家小明")
    session.close()
    with pytest.raises(RuntimeError, match="closed"):
        session.page("buyer")
    assert pool.started is False


def test_selectors_are_playwright_selectors_both_adapters_understand():
    from autograder.pages import first_of, injected_script, role_selector, text_selector

    assert role_selector("link", name="所有宝贝") == 'internal:role=link[name="所有宝贝"i]'
    assert role_selector("heading", name="T恤", exact=True, level=1) == 'internal:role=heading[level=1][name="T恤"s]'
    assert first_of(".a", text_selector("你好")) == '.a >> internal:or="internal:text=\\"你好\\"i" >> nth=0'
    # The WebDriver adapter's copy of Playwright's selector engine is found in the pinned package.
    script = injected_script()
    assert "window.__graderSelectors" in script and "createRoleEngine" in script


def test_a_webdriver_url_makes_the_shared_pool_a_webdriver_one_that_connects_only_when_used(settings):
    import threading

    from autograder.browser import WebDriverPool, shared_pool

    settings.GRADER_WEBDRIVER_URL = "http://selenium-hub:4444"
    found = {}
    thread = threading.Thread(target=lambda: found.setdefault("pool", shared_pool()))
    thread.start()
    thread.join()
    assert isinstance(found["pool"], WebDriverPool) and found["pool"].url == "http://selenium-hub:4444"
    assert found["pool"].started is False and found["pool"].launches == 0
    with pytest.raises(RuntimeError, match="solution scripts need a BrowserPool"):
        found["pool"].new_context()


def test_screenshot_modes_of_the_page_params():
    assert PageParams.model_validate({"path": "/", "asserts": [{"text": "x"}]}).screenshot is None
    assert PageParams.model_validate({"path": "/", "screenshot": "full_page", "asserts": [{"text": "x"}]}).screenshot == "full_page"
    with pytest.raises(ValidationError):
        PageParams.model_validate({"path": "/", "screenshot": "everything", "asserts": [{"text": "x"}]})


def _png(size, draw) -> bytes:
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", size, (255, 255, 255, 0))
    draw(ImageDraw.Draw(img), *size)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _resized(data: bytes, size) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).resize(size).save(buf, "PNG")
    return buf.getvalue()


def test_a_handed_out_picture_squeezed_before_upload_is_found_and_a_faithful_copy_is_not():
    from autograder.checks.page import squeezed_source

    wordmark = _png((300, 120), lambda d, w, h: (d.ellipse((20, 10, 120, 110), fill="#1677ff"),
                                                  d.rectangle((140, 50, 290, 70), fill="#1677ff")))
    icon = _png((80, 80), lambda d, w, h: d.ellipse((5, 5, 75, 75), fill="#1677ff", outline="#ffffff"))
    sources = {"logo_300x120.png": wordmark, "logo_80x80.png": icon}
    # the wordmark squeezed into a square: distorted, and the message can name the source
    assert squeezed_source(_resized(wordmark, (100, 100)), sources, 0.05) == ("logo_300x120.png", 300, 120)
    # the right file, as is or scaled with its proportions: fine
    assert squeezed_source(icon, sources, 0.05) is None
    assert squeezed_source(_resized(icon, (60, 60)), sources, 0.05) is None
    assert squeezed_source(_resized(wordmark, (150, 60)), sources, 0.05) is None
    # a picture of its own (not from the 素材包) is never called distorted
    own = _png((100, 100), lambda d, w, h: d.rectangle((0, 60, 100, 100), fill="#e4393c"))
    assert squeezed_source(own, sources, 0.05) is None
    assert squeezed_source(b"not an image", sources, 0.05) is None
