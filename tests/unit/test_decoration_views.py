"""The 店铺装修 page: forms validate every input, nothing is written (or stored) on error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shop_sim.models import Banner, HomeModule, NavItem, ShopDecoration, ShopEvent

from . import test_storefront_factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_in(path) -> list:
    return [p for p in path.rglob("*") if p.is_file()]


def deco(sandbox) -> ShopDecoration:
    return ShopDecoration.objects.get(sandbox=sandbox)


def test_page_renders_sections_and_preview(console_client, sandbox):
    response = console_client.get(reverse("console:decoration"))
    body = response.content.decode()
    assert response.status_code == 200
    for heading in ("基本信息", "店标", "店招", "全屏轮播海报", "导航", "首页模块", "实时预览"):
        assert heading in body
    assert f'src="/s/{sandbox.storefront_key}/"' in body and "<iframe" in body
    for field_id in ("id_shop_name", "id_theme_color", "theme-color-picker", "id_logo-image", "id_sign-image",
                     "id_banner-image", "id_banner-link", "id_nav-label", "id_nav-category", "id_module-products"):
        assert f'for="{field_id}"' in body, field_id
    assert 'type="color"' in body


def test_page_needs_login(client):
    assert client.get(reverse("console:decoration")).status_code == 302


def _basic(**overrides):
    return {"shop_name": "好物小店", "slogan": "品质生活", "announcement": "全场包邮", "theme_color": "#3366ff",
            **overrides}


def test_basic_info_saved_with_event(console_client, sandbox):
    response = console_client.post(reverse("console:decoration"), _basic())
    assert response.status_code == 302
    d = deco(sandbox)
    assert (d.shop_name, d.slogan, d.announcement, d.theme_color) == ("好物小店", "品质生活", "全场包邮", "#3366ff")
    assert ShopEvent.objects.get(sandbox=sandbox).action == "decoration.update"


@pytest.mark.parametrize("overrides, field", [
    ({"theme_color": "red"}, "theme_color"),
    ({"theme_color": "#12345"}, "theme_color"),
    ({"theme_color": "#gggggg"}, "theme_color"),
    ({"theme_color": "#1234567"}, "theme_color"),
    ({"shop_name": ""}, "shop_name"),
    ({"shop_name": "   "}, "shop_name"),
    ({"shop_name": "店" * 31}, "shop_name"),
    ({"slogan": "语" * 61}, "slogan"),
    ({"announcement": "告" * 201}, "announcement"),
])
def test_basic_info_rejects_bad_input(console_client, sandbox, overrides, field):
    response = console_client.post(reverse("console:decoration"), _basic(**overrides))
    assert response.status_code == 200
    assert field in response.context["basic_form"].errors
    d = deco(sandbox)
    assert (d.shop_name, d.theme_color) == ("A的店铺", "#ff5000")
    assert not ShopEvent.objects.exists()


def test_bad_hex_message_is_clear(console_client):
    body = console_client.post(reverse("console:decoration"), _basic(theme_color="orange")).content.decode()
    assert "主题色须为 # 加 6 位十六进制数字" in body


def test_htmx_save_returns_section_and_preview_trigger(console_client, sandbox):
    response = console_client.post(reverse("console:decoration"), _basic(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "shopPreviewRefresh"
    body = response.content.decode()
    assert 'id="deco-basic"' in body and "基本信息已保存" in body and "<html" not in body
    bad = console_client.post(reverse("console:decoration"), _basic(theme_color="x"), HTTP_HX_REQUEST="true")
    assert "HX-Trigger" not in bad and 'id="deco-basic"' in bad.content.decode()


def test_html_in_shop_name_is_stored_as_typed_and_escaped_everywhere(console_client, sandbox, client):
    console_client.post(reverse("console:decoration"),
                        _basic(shop_name="<script>x()</script>", slogan='"><img src=x>'))
    assert deco(sandbox).shop_name == "<script>x()</script>"
    page = console_client.get(reverse("console:decoration")).content.decode()
    assert "<script>x()</script>" not in page
    store = console_client.get(f"/s/{sandbox.storefront_key}/").content.decode()
    assert "&lt;script&gt;x()&lt;/script&gt;" in store and "<script>x()" not in store
    assert "&quot;&gt;&lt;img src=x&gt;" in store


# --- images --------------------------------------------------------------------------------------

def test_logo_upload_ok(console_client, sandbox, media):
    response = console_client.post(reverse("console:decoration_logo"), {"logo-image": f.image_file(80, 80)})
    assert response.status_code == 302
    logo = deco(sandbox).logo
    assert logo.name.startswith(f"shops/{sandbox.storefront_key}/logo_") and logo.name.endswith(".png")
    assert len(files_in(media)) == 1
    event = ShopEvent.objects.get(sandbox=sandbox)
    assert event.action == "decoration.logo_set" and event.after == {"logo": logo.name}
    store = console_client.get(f"/s/{sandbox.storefront_key}/").content.decode()
    assert f'src="/media/{logo.name}"' in store and 'class="sf-logo"' in store


@pytest.mark.parametrize("upload, message", [
    (lambda: f.image_file(120, 120), "上传的图片为 120 × 120 像素"),
    (lambda: f.image_file(100, 101), "上传的图片为 100 × 101 像素"),
    (lambda: SimpleUploadedFile("logo.png", b"this is not an image at all", content_type="image/png"),
     "文件不是有效的图片"),
    (lambda: f.image_file(80, 80, fmt="BMP", name="logo.png"), "图片格式只能是 JPG、PNG 或 GIF"),
    (lambda: SimpleUploadedFile("logo.png", f.image_file(80, 80).read()[:60], content_type="image/png"),
     "文件不是有效的图片"),
])
def test_logo_upload_rejected_nothing_stored(console_client, sandbox, media, upload, message):
    response = console_client.post(reverse("console:decoration_logo"), {"logo-image": upload()})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not deco(sandbox).logo and files_in(media) == [] and not ShopEvent.objects.exists()


def test_logo_over_byte_limit_rejected(console_client, sandbox, media, settings):
    settings.SHOP_IMAGE_MAX_BYTES = 100
    response = console_client.post(reverse("console:decoration_logo"), {"logo-image": f.image_file(80, 80)})
    assert "店标图片不能超过 100\xa0字节（当前 " in response.content.decode()
    assert not deco(sandbox).logo and files_in(media) == []


def test_logo_missing_file(console_client, sandbox, media):
    response = console_client.post(reverse("console:decoration_logo"), {})
    assert response.status_code == 200 and "image" in response.context["logo_form"].errors
    assert not ShopEvent.objects.exists()


def test_sign_sizes(console_client, sandbox, media):
    for size in ((950, 119), (950, 151), (949, 130), (1920, 150)):
        response = console_client.post(reverse("console:decoration_sign"), {"sign-image": f.image_file(*size)})
        assert "店招尺寸应为宽 950 像素、高 120–150 像素" in response.content.decode()
    assert files_in(media) == [] and not ShopEvent.objects.exists()
    console_client.post(reverse("console:decoration_sign"), {"sign-image": f.image_file(950, 150, fmt="JPEG")})
    assert deco(sandbox).sign_image.name.endswith(".jpg")
    console_client.post(reverse("console:decoration_sign_clear"))
    assert not deco(sandbox).sign_image
    assert list(ShopEvent.objects.values_list("action", flat=True)) == ["decoration.sign_set", "decoration.sign_clear"]


def test_banner_add_and_rules(console_client, sandbox, media):
    add = reverse("console:banner_add")
    ok = console_client.post(add, {"banner-image": f.image_file(1920, 540, fmt="JPEG"),
                                   "banner-link": "https://example.com/sale", "banner-alt": "双十一"})
    assert ok.status_code == 302
    banner = Banner.objects.get(sandbox=sandbox)
    assert (banner.link, banner.alt) == ("https://example.com/sale", "双十一")
    for data, message in (
        ({"banner-image": f.image_file(1920, 300)}, "海报尺寸应为宽 1920 像素、高 400–800 像素"),
        ({"banner-image": f.image_file(1200, 540)}, "海报尺寸应为宽 1920 像素"),
        ({"banner-image": f.image_file(1920, 540), "banner-link": "javascript:alert(1)"}, "链接只能是"),
        ({"banner-image": f.image_file(1920, 540), "banner-link": "java\tscript:alert(1)"}, "链接只能是"),
        ({"banner-image": f.image_file(1920, 540), "banner-link": "data:text/html,x"}, "链接只能是"),
    ):
        response = console_client.post(add, data)
        assert response.status_code == 200 and message in response.content.decode()
    assert Banner.objects.count() == 1 and len(files_in(media)) == 1
    assert list(ShopEvent.objects.values_list("action", flat=True)) == ["banner.add"]


def test_banner_reorder_and_delete(console_client, sandbox, media):
    for alt in ("一", "二"):
        console_client.post(reverse("console:banner_add"),
                            {"banner-image": f.image_file(1920, 540), "banner-alt": alt})
    first, second = Banner.objects.order_by("position")
    console_client.post(reverse("console:banner_move", kwargs={"banner_id": second.pk}), {"direction": "up"})
    assert list(Banner.objects.order_by("position").values_list("alt", flat=True)) == ["二", "一"]
    response = console_client.post(reverse("console:banner_move", kwargs={"banner_id": second.pk}),
                                   {"direction": "up"}, follow=True)
    assert "已经在最前面了" in response.content.decode()
    bad = console_client.post(reverse("console:banner_move", kwargs={"banner_id": first.pk}), {"direction": "left"},
                              follow=True)
    assert "无效的移动方向" in bad.content.decode()
    console_client.post(reverse("console:banner_delete", kwargs={"banner_id": first.pk}))
    assert list(Banner.objects.values_list("alt", flat=True)) == ["二"]
    assert list(ShopEvent.objects.values_list("action", flat=True)) == [
        "banner.add", "banner.add", "banner.move", "banner.delete"]


# --- navigation and modules ----------------------------------------------------------------------

def test_navitem_add_edit_and_rejections(console_client, sandbox, make_sandbox):
    cat = f.category(sandbox, "T恤")
    foreign = f.category(make_sandbox(name="B"), "别人的分类")
    add = reverse("console:navitem_add")
    for data, field in (
        ({"nav-label": "坏", "nav-link": "javascript:alert(1)"}, "link"),
        ({"nav-label": "坏", "nav-link": "JAVASCRIPT:alert(1)"}, "link"),
        ({"nav-label": "坏", "nav-category": foreign.pk}, "category"),
        ({"nav-label": "坏"}, "__all__"),
        ({"nav-label": "坏", "nav-category": cat.pk, "nav-link": "https://example.com"}, "__all__"),
        ({"nav-label": "名" * 13, "nav-category": cat.pk}, "label"),
        ({"nav-label": "", "nav-category": cat.pk}, "label"),
    ):
        response = console_client.post(add, data)
        assert response.status_code == 200 and field in response.context["nav_form"].errors, data
    assert not NavItem.objects.exists() and not ShopEvent.objects.exists()
    console_client.post(add, {"nav-label": "T恤", "nav-category": cat.pk})
    item = NavItem.objects.get()
    edit = reverse("console:navitem_edit", kwargs={"navitem_id": item.pk})
    bad = console_client.post(edit, {f"nav{item.pk}-label": "x", f"nav{item.pk}-link": "javascript:void(0)"})
    assert bad.status_code == 200 and "链接只能是" in bad.content.decode()
    item.refresh_from_db()
    assert (item.label, item.category_id) == ("T恤", cat.pk)
    console_client.post(edit, {f"nav{item.pk}-label": "官网", f"nav{item.pk}-link": "https://example.com"})
    item.refresh_from_db()
    assert (item.label, item.category_id, item.link) == ("官网", None, "https://example.com")
    store = console_client.get(f"/s/{sandbox.storefront_key}/").content.decode()
    assert 'href="https://example.com">官网</a>' in store
    console_client.post(reverse("console:navitem_delete", kwargs={"navitem_id": item.pk}))
    assert not NavItem.objects.exists()
    assert list(ShopEvent.objects.values_list("action", flat=True)) == ["navitem.add", "navitem.update",
                                                                        "navitem.delete"]


def test_homemodule_add_edit_reject_foreign_products(console_client, sandbox, make_sandbox):
    mine = f.product(sandbox, title="本店宝贝")
    foreign = f.product(make_sandbox(name="B"), title="别家宝贝")
    add = reverse("console:homemodule_add")
    for data, field in (
        ({"module-kind": "products", "module-title": "推荐", "module-products": [foreign.pk]}, "products"),
        ({"module-kind": "products", "module-title": "推荐"}, "products"),
        ({"module-kind": "text", "module-title": "说明", "module-body": ""}, "body"),
        ({"module-kind": "slider", "module-title": "x", "module-body": "y"}, "kind"),
        ({"module-kind": "text", "module-title": "", "module-body": "y"}, "title"),
    ):
        response = console_client.post(add, data)
        assert response.status_code == 200 and field in response.context["module_form"].errors, data
    assert not HomeModule.objects.exists() and not ShopEvent.objects.exists()
    console_client.post(add, {"module-kind": "products", "module-title": "掌柜推荐", "module-products": [mine.pk]})
    console_client.post(add, {"module-kind": "text", "module-title": "<b>说明</b>",
                              "module-body": "<script>alert(1)</script>\n第二行"})
    products_module, text_module = HomeModule.objects.order_by("position")
    assert list(products_module.items.values_list("product_id", flat=True)) == [mine.pk]
    store = console_client.get(f"/s/{sandbox.storefront_key}/").content.decode()
    assert "掌柜推荐" in store and "本店宝贝" in store
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>第二行" in store and "<script>alert(1)" not in store
    assert "&lt;b&gt;说明&lt;/b&gt;" in store
    edit = reverse("console:homemodule_edit", kwargs={"homemodule_id": products_module.pk})
    p = f"module{products_module.pk}"
    bad = console_client.post(edit, {f"{p}-kind": "products", f"{p}-title": "x", f"{p}-products": [foreign.pk]})
    assert bad.status_code == 200
    console_client.post(edit, {f"{p}-kind": "products", f"{p}-title": "新品推荐", f"{p}-products": [mine.pk]})
    products_module.refresh_from_db()
    assert products_module.title == "新品推荐"
    console_client.post(reverse("console:homemodule_move", kwargs={"homemodule_id": text_module.pk}),
                        {"direction": "up"})
    assert list(HomeModule.objects.order_by("position").values_list("pk", flat=True)) == [
        text_module.pk, products_module.pk]
    console_client.post(reverse("console:homemodule_delete", kwargs={"homemodule_id": text_module.pk}))
    assert list(ShopEvent.objects.values_list("action", flat=True)) == [
        "homemodule.add", "homemodule.add", "homemodule.update", "homemodule.move", "homemodule.delete"]


def test_other_sandboxes_ids_are_404(console_client, sandbox, make_sandbox, media):
    from shop_sim.services import decoration as svc
    from shop_sim.services.base import Actor

    other = make_sandbox(name="B")
    actor = Actor.system("test")
    banner = svc.banner_add(sandbox=other, actor=actor, image=f.image_file(1920, 540), image_format="PNG")
    nav = svc.navitem_add(sandbox=other, actor=actor, label="x", link="/a/")
    module = svc.homemodule_add(sandbox=other, actor=actor, kind="text", title="t", body="b")
    events = ShopEvent.objects.count()
    for name, kwargs in (
        ("banner_delete", {"banner_id": banner.pk}), ("banner_move", {"banner_id": banner.pk}),
        ("navitem_edit", {"navitem_id": nav.pk}), ("navitem_delete", {"navitem_id": nav.pk}),
        ("navitem_move", {"navitem_id": nav.pk}), ("homemodule_edit", {"homemodule_id": module.pk}),
        ("homemodule_delete", {"homemodule_id": module.pk}), ("homemodule_move", {"homemodule_id": module.pk}),
    ):
        path = reverse(f"console:{name}", kwargs=kwargs)
        assert console_client.get(path).status_code == 404
        assert console_client.post(path, {"direction": "up"}).status_code == 404
    assert ShopEvent.objects.count() == events
    assert Banner.objects.filter(pk=banner.pk).exists() and NavItem.objects.filter(pk=nav.pk).exists()
