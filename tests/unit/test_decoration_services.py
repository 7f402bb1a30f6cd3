"""Decoration services: validation that writes nothing, events, reordering, link safety."""

import pytest

from shop_sim.models import Banner, HomeModule, HomeModuleItem, NavItem, ShopDecoration, ShopEvent
from shop_sim.services import decoration as svc
from shop_sim.services.base import Actor, ShopError

from . import test_storefront_factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(candidate):
    return Actor.merchant(candidate)


@pytest.mark.parametrize("link, safe", [
    ("https://example.com/x?y=1", True), ("http://example.com", True), ("/s/abc/all/", True),
    ("category/3/", True), ("?sort=price", True), ("#top", True), ("HTTPS://EXAMPLE.COM", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), (" javascript:alert(1)", False),
    ("java\tscript:alert(1)", False), ("java\nscript:alert(1)", False), ("data:text/html,hi", False),
    ("vbscript:x", False), ("mailto:a@b.c", False), ("ftp://x", False), ("javascript&colon;x", True),
    ("/path with space", False), ("\\\\evil", False), ("", False),
])
def test_link_is_safe(link, safe):
    assert svc.link_is_safe(link) is safe


def test_decoration_update_and_event(sandbox, actor):
    svc.decoration_update(sandbox=sandbox, actor=actor, shop_name=" 新店名 ", slogan="好物", announcement="公告",
                          theme_color="#AABBCC")
    deco = ShopDecoration.objects.get(sandbox=sandbox)
    assert (deco.shop_name, deco.slogan, deco.announcement, deco.theme_color) == ("新店名", "好物", "公告", "#aabbcc")
    event = ShopEvent.objects.get(sandbox=sandbox)
    assert event.action == "decoration.update" and event.actor == f"merchant:{actor.ident}"
    assert event.before["shop_name"] == "A的店铺" and event.after["shop_name"] == "新店名"


@pytest.mark.parametrize("colour", ["red", "#fff", "#12345g", "123456", "#1234567", ""])
def test_decoration_update_refuses_bad_colour(sandbox, actor, colour):
    with pytest.raises(ShopError):
        svc.decoration_update(sandbox=sandbox, actor=actor, shop_name="x", slogan="", announcement="",
                              theme_color=colour)
    assert ShopDecoration.objects.get(sandbox=sandbox).theme_color == "#ff5000"
    assert not ShopEvent.objects.exists()


def test_decoration_row_created_when_missing(make_sandbox, actor):
    from shop_sim.models import Sandbox

    bare = Sandbox.objects.create(name="空店")
    svc.decoration_update(sandbox=bare, actor=actor, shop_name="空店新名", slogan="", announcement="",
                          theme_color="#000000")
    assert ShopDecoration.objects.get(sandbox=bare).shop_name == "空店新名"


def test_banner_add_move_delete_with_events(sandbox, actor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    banners = [svc.banner_add(sandbox=sandbox, actor=actor, image=f.image_file(1920, 540), image_format="PNG",
                              link=f"/s/x/{i}/", alt=f"海报{i}") for i in range(3)]
    assert [b.position for b in banners] == [0, 1, 2]
    assert banners[0].image.name.startswith(f"shops/{sandbox.storefront_key}/banner_")
    assert banners[0].image.name.endswith(".png")
    svc.banner_move(sandbox=sandbox, actor=actor, banner=banners[2], direction="up")
    assert list(Banner.objects.for_sandbox(sandbox).values_list("alt", flat=True)) == ["海报0", "海报2", "海报1"]
    with pytest.raises(ShopError, match="最前"):
        svc.banner_move(sandbox=sandbox, actor=actor, banner=banners[0], direction="up")
    with pytest.raises(ShopError):
        svc.banner_move(sandbox=sandbox, actor=actor, banner=banners[0], direction="sideways")
    svc.banner_delete(sandbox=sandbox, actor=actor, banner=banners[1])
    assert Banner.objects.for_sandbox(sandbox).count() == 2
    assert list(ShopEvent.objects.for_sandbox(sandbox).values_list("action", flat=True)) == [
        "banner.add", "banner.add", "banner.add", "banner.move", "banner.delete"]
    move = ShopEvent.objects.get(action="banner.move")
    assert move.before["order"] == [b.pk for b in banners]
    assert move.after["order"] == [banners[0].pk, banners[2].pk, banners[1].pk]


def test_banner_add_refuses_unsafe_link_and_stores_no_file(sandbox, actor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ShopError):
        svc.banner_add(sandbox=sandbox, actor=actor, image=f.image_file(1920, 540), image_format="PNG",
                       link="javascript:alert(1)")
    assert not Banner.objects.exists() and not ShopEvent.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_failed_write_removes_the_stored_file(sandbox, actor, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path

    def boom(**kwargs):
        raise RuntimeError("db down")

    monkeypatch.setattr(svc, "event_record", boom)
    with pytest.raises(RuntimeError):
        svc.banner_add(sandbox=sandbox, actor=actor, image=f.image_file(1920, 540), image_format="PNG")
    with pytest.raises(RuntimeError):
        svc.decoration_logo_set(sandbox=sandbox, actor=actor, image=f.image_file(80, 80), image_format="PNG")
    assert not Banner.objects.exists()
    assert not ShopDecoration.objects.get(sandbox=sandbox).logo
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_logo_replace_keeps_journal_of_old_name(sandbox, actor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = svc.decoration_logo_set(sandbox=sandbox, actor=actor, image=f.image_file(80, 80, fmt="JPEG"),
                                    image_format="JPEG").logo.name
    second = svc.decoration_logo_set(sandbox=sandbox, actor=actor, image=f.image_file(90, 90, fmt="GIF"),
                                     image_format="GIF").logo.name
    assert first.endswith(".jpg") and second.endswith(".gif") and first != second
    last = ShopEvent.objects.filter(action="decoration.logo_set").last()
    assert last.before == {"logo": first} and last.after == {"logo": second}
    svc.decoration_logo_clear(sandbox=sandbox, actor=actor)
    assert not ShopDecoration.objects.get(sandbox=sandbox).logo


def test_navitem_rules(sandbox, actor, make_sandbox):
    cat = f.category(sandbox)
    foreign = f.category(make_sandbox(name="B"))
    item = svc.navitem_add(sandbox=sandbox, actor=actor, label="上衣", category=cat)
    svc.navitem_add(sandbox=sandbox, actor=actor, label="活动", link="https://example.com")
    for kwargs in ({"category": foreign}, {"link": "javascript:alert(1)"}, {},
                   {"category": cat, "link": "https://example.com"}):
        with pytest.raises(ShopError):
            svc.navitem_add(sandbox=sandbox, actor=actor, label="坏", **kwargs)
        with pytest.raises(ShopError):
            svc.navitem_update(sandbox=sandbox, actor=actor, navitem=item, label="坏", **kwargs)
    item.refresh_from_db()
    assert (item.label, item.category_id, item.link) == ("上衣", cat.pk, "")
    assert NavItem.objects.for_sandbox(sandbox).count() == 2
    assert ShopEvent.objects.filter(action="navitem.add").count() == 2 and ShopEvent.objects.count() == 2
    svc.navitem_update(sandbox=sandbox, actor=actor, navitem=item, label="新品", link="/s/x/all/")
    item.refresh_from_db()
    assert (item.label, item.category_id, item.link) == ("新品", None, "/s/x/all/")
    svc.navitem_move(sandbox=sandbox, actor=actor, navitem=item, direction="down")
    assert list(NavItem.objects.for_sandbox(sandbox).values_list("label", flat=True)) == ["活动", "新品"]
    svc.navitem_delete(sandbox=sandbox, actor=actor, navitem=item)
    assert list(ShopEvent.objects.values_list("action", flat=True))[-3:] == [
        "navitem.update", "navitem.move", "navitem.delete"]


def test_homemodule_rules(sandbox, actor, make_sandbox):
    mine = [f.product(sandbox, title=f"宝贝{i}") for i in range(3)]
    foreign = f.product(make_sandbox(name="B"))
    module = svc.homemodule_add(sandbox=sandbox, actor=actor, kind="products", title="推荐", products=mine[:2])
    assert list(module.items.values_list("product_id", flat=True)) == [mine[0].pk, mine[1].pk]
    for kwargs in ({"kind": "products", "products": [foreign]}, {"kind": "products", "products": []},
                   {"kind": "text", "body": "  "}, {"kind": "banner", "products": mine}):
        with pytest.raises(ShopError):
            svc.homemodule_add(sandbox=sandbox, actor=actor, title="坏", **kwargs)
        with pytest.raises(ShopError):
            svc.homemodule_update(sandbox=sandbox, actor=actor, homemodule=module, title="坏", **kwargs)
    assert HomeModule.objects.count() == 1 and HomeModuleItem.objects.count() == 2
    assert ShopEvent.objects.count() == 1
    svc.homemodule_update(sandbox=sandbox, actor=actor, homemodule=module, kind="text", title="说明",
                          body="七天无理由", products=mine)
    module.refresh_from_db()
    assert (module.kind, module.title, module.body, module.items.count()) == ("text", "说明", "七天无理由", 0)
    event = ShopEvent.objects.get(action="homemodule.update")
    assert event.before["products"] == [mine[0].pk, mine[1].pk] and event.after["products"] == []
    text = svc.homemodule_add(sandbox=sandbox, actor=actor, kind="text", title="公告", body="x")
    svc.homemodule_move(sandbox=sandbox, actor=actor, homemodule=text, direction="up")
    assert list(HomeModule.objects.for_sandbox(sandbox).values_list("title", flat=True)) == ["公告", "说明"]
    svc.homemodule_delete(sandbox=sandbox, actor=actor, homemodule=module)
    assert list(HomeModule.objects.values_list("title", flat=True)) == ["公告"]
