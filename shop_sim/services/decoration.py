"""Shop decoration (店铺装修): identity, sign, logo, banners, navigation and homepage modules.

Images arrive already checked by the console form (type, bytes, pixel size); the services store
them through the model's ``upload_to`` (under the sandbox's unguessable key) and remove the file
again if the database write fails, so a refused or failed save never leaves a file behind.
Replaced or deleted images are *not* removed from storage: provisioning may copy a file name from
the template shop, and the journal's before-snapshot keeps naming the old file for replay.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Model
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from shop_sim.models import Banner, Category, HomeModule, HomeModuleItem, NavItem, Product, Sandbox, ShopDecoration

from .base import Actor, ShopError, event_record, sandbox_write_check
from .base import snapshot as _base_snapshot

HEX_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_THEME_COLOR = "#ff5000"
_IMAGE_EXT = {"JPEG": "jpg", "PNG": "png", "GIF": "gif"}
DECORATION_FIELDS = ["shop_name", "slogan", "announcement", "theme_color"]
BANNER_FIELDS = ["image", "link", "alt", "position"]
NAVITEM_FIELDS = ["label", "category", "link", "position"]
HOMEMODULE_FIELDS = ["kind", "title", "body", "position"]


def snapshot(obj: Model, fields: list[str]) -> dict:
    """``base.snapshot`` with image fields as their stored file name (JSON-ready for the journal)."""
    return {k: (v.name or "") if isinstance(v, FieldFile) else v for k, v in _base_snapshot(obj, fields).items()}


def link_is_safe(link: str) -> bool:
    """Only http(s) and relative links may become an ``href``: a ``javascript:`` or ``data:`` link
    in a banner or the navigation would run script in every buyer's browser.

    Browsers drop tabs and newlines inside a URL (``java\\tscript:`` still runs), so any control
    character or whitespace makes a link unsafe rather than being "cleaned".
    """
    if not link:
        return False
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in link):
        return False
    if "\\" in link:
        return False
    try:
        scheme = urlsplit(link).scheme.lower()
    except ValueError:
        return False
    if scheme == "":
        # "foo:bar" with an unusual scheme is parsed by urlsplit as scheme-less only if the colon
        # comes after a slash, query or fragment; a colon before them is a scheme to a browser.
        head = re.split(r"[/?#]", link, maxsplit=1)[0]
        return ":" not in head
    return scheme in ("http", "https")


def theme_color_safe(value: str) -> str:
    """The colour as stored if it is #RRGGBB, else the default: it goes into a style attribute."""
    return value if value and HEX_COLOR_RE.match(value) else DEFAULT_THEME_COLOR


def _decoration(sandbox: Sandbox) -> ShopDecoration:
    """The decoration row of the sandbox, locked; created on first use (the provisioner usually
    copies one from the template shop, but an empty sandbox must still be decoratable)."""
    decoration = ShopDecoration.objects.select_for_update().filter(sandbox=sandbox).first()
    if decoration is None:
        decoration = ShopDecoration.objects.create(sandbox=sandbox, shop_name=sandbox.name[:30])
    return decoration


def _store_image(instance: Model, field_name: str, upload: UploadedFile, *, stem: str, image_format: str) -> str:
    """Save ``upload`` to the field's storage under a fresh, unguessable name with the extension of
    its real format (a PNG uploaded as .jpg is stored as .png). Returns the stored name."""
    field = instance._meta.get_field(field_name)
    ext = _IMAGE_EXT.get(image_format.upper())
    if ext is None:
        raise ShopError(_("图片格式只能是 JPG、PNG 或 GIF"))
    upload.seek(0)
    getattr(instance, field_name).save(f"{stem}_{secrets.token_hex(8)}.{ext}", upload, save=False)
    return getattr(instance, field.attname).name


def _discard_file(instance: Model, field_name: str, name: str | None) -> None:
    """Delete a file this call stored (never one that was there before)."""
    if name:
        getattr(instance, field_name).storage.delete(name)


def decoration_update(*, sandbox: Sandbox, actor: Actor, shop_name: str, slogan: str, announcement: str,
                      theme_color: str) -> ShopDecoration:
    """基本信息: the name in the shop sign, its slogan, the announcement and the theme colour."""
    shop_name = shop_name.strip()
    if not shop_name:
        raise ShopError(_("店铺名称不能为空"))
    if not HEX_COLOR_RE.match(theme_color or ""):
        raise ShopError(_("主题色须为 #RRGGBB 格式的十六进制颜色"))
    with transaction.atomic():
        sandbox_write_check(sandbox)
        decoration = _decoration(sandbox)
        before = snapshot(decoration, DECORATION_FIELDS)
        decoration.shop_name = shop_name
        decoration.slogan = slogan
        decoration.announcement = announcement
        decoration.theme_color = theme_color.lower()
        decoration.save()
        event_record(sandbox=sandbox, actor=actor, action="decoration.update", obj=decoration,
                     before=before, after=snapshot(decoration, DECORATION_FIELDS))
    return decoration


def _decoration_image_set(*, sandbox: Sandbox, actor: Actor, field_name: str, image: UploadedFile | None,
                          image_format: str, action: str) -> ShopDecoration:
    stored = None
    decoration = None
    try:
        with transaction.atomic():
            sandbox_write_check(sandbox)
            decoration = _decoration(sandbox)
            before = snapshot(decoration, [field_name])
            if image is None:
                setattr(decoration, field_name, "")
            else:
                stored = _store_image(decoration, field_name, image, stem=field_name.split("_")[0],
                                      image_format=image_format)
            decoration.save(update_fields=[field_name, "updated_at"])
            event_record(sandbox=sandbox, actor=actor, action=action, obj=decoration,
                         before=before, after=snapshot(decoration, [field_name]))
    except Exception:
        if decoration is not None:
            _discard_file(decoration, field_name, stored)
        raise
    return decoration


def decoration_logo_set(*, sandbox: Sandbox, actor: Actor, image: UploadedFile, image_format: str) -> ShopDecoration:
    """店标: replace the logo with a checked upload (≤ 100 × 100, jpg/png/gif)."""
    return _decoration_image_set(sandbox=sandbox, actor=actor, field_name="logo", image=image,
                                 image_format=image_format, action="decoration.logo_set")


def decoration_logo_clear(*, sandbox: Sandbox, actor: Actor) -> ShopDecoration:
    """Take the logo off the shop sign (the file stays for the journal)."""
    return _decoration_image_set(sandbox=sandbox, actor=actor, field_name="logo", image=None,
                                 image_format="", action="decoration.logo_clear")


def decoration_sign_set(*, sandbox: Sandbox, actor: Actor, image: UploadedFile, image_format: str) -> ShopDecoration:
    """店招: replace the sign image with a checked upload (950 wide, 120–150 high)."""
    return _decoration_image_set(sandbox=sandbox, actor=actor, field_name="sign_image", image=image,
                                 image_format=image_format, action="decoration.sign_set")


def decoration_sign_clear(*, sandbox: Sandbox, actor: Actor) -> ShopDecoration:
    """Back to the plain theme-coloured sign."""
    return _decoration_image_set(sandbox=sandbox, actor=actor, field_name="sign_image", image=None,
                                 image_format="", action="decoration.sign_clear")


def _next_position(model, sandbox: Sandbox) -> int:
    top = model.objects.for_sandbox(sandbox).aggregate(m=Max("position"))["m"]
    return 0 if top is None else top + 1


def _move(*, model, sandbox: Sandbox, actor: Actor, obj: Model, direction: str, action: str) -> Model:
    """Swap ``obj`` with its neighbour. Positions are renumbered 0..n-1 first, so rows created with
    equal positions (seeded shops) still move predictably."""
    if direction not in ("up", "down"):
        raise ShopError(_("无效的移动方向"))
    with transaction.atomic():
        sandbox_write_check(sandbox)
        rows = list(model.objects.for_sandbox(sandbox).select_for_update().order_by("position", "id"))
        ids = [row.pk for row in rows]
        if obj.pk not in ids:
            raise ShopError(_("对象不存在"))
        index = ids.index(obj.pk)
        target = index - 1 if direction == "up" else index + 1
        if target < 0 or target >= len(rows):
            raise ShopError(_("已经在最前面了") if direction == "up" else _("已经在最后面了"))
        rows[index], rows[target] = rows[target], rows[index]
        for position, row in enumerate(rows):
            if row.position != position:
                row.position = position
                row.save(update_fields=["position"])
        moved = rows[target]
        event_record(sandbox=sandbox, actor=actor, action=action, obj=moved,
                     before={"order": ids},
                     after={"order": [row.pk for row in rows], "direction": direction})
    return moved


# --- banners -------------------------------------------------------------------------------------

def banner_add(*, sandbox: Sandbox, actor: Actor, image: UploadedFile, image_format: str, link: str = "",
               alt: str = "") -> Banner:
    """全屏海报: a new carousel slide at the end (image already checked: 1920 × 400–800)."""
    if link and not link_is_safe(link):
        raise ShopError(_("链接只能是 http(s):// 开头的网址或站内相对地址"))
    banner = Banner(sandbox=sandbox, link=link, alt=alt)
    stored = None
    try:
        with transaction.atomic():
            sandbox_write_check(sandbox)
            banner.position = _next_position(Banner, sandbox)
            stored = _store_image(banner, "image", image, stem="banner", image_format=image_format)
            banner.save()
            event_record(sandbox=sandbox, actor=actor, action="banner.add", obj=banner,
                         after=snapshot(banner, BANNER_FIELDS))
    except Exception:
        _discard_file(banner, "image", stored)
        raise
    return banner


def banner_delete(*, sandbox: Sandbox, actor: Actor, banner: Banner) -> None:
    """Remove a slide; the image file stays (see the module docstring)."""
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = Banner.objects.for_sandbox(sandbox).select_for_update().get(pk=banner.pk)
        before = snapshot(locked, BANNER_FIELDS)
        event_record(sandbox=sandbox, actor=actor, action="banner.delete", obj=locked, before=before)
        locked.delete()


def banner_move(*, sandbox: Sandbox, actor: Actor, banner: Banner, direction: str) -> Banner:
    """Move a slide one place up (earlier) or down (later) in the carousel."""
    return _move(model=Banner, sandbox=sandbox, actor=actor, obj=banner, direction=direction, action="banner.move")


# --- navigation ----------------------------------------------------------------------------------

def _navitem_check(*, sandbox: Sandbox, category: Category | None, link: str) -> None:
    if category is not None and category.sandbox_id != sandbox.pk:
        raise ShopError(_("分类不存在"))
    if (category is None) == (not link):
        raise ShopError(_("请选择一个分类或填写一个链接（二选一）"))
    if link and not link_is_safe(link):
        raise ShopError(_("链接只能是 http(s):// 开头的网址或站内相对地址"))


def navitem_add(*, sandbox: Sandbox, actor: Actor, label: str, category: Category | None = None,
                link: str = "") -> NavItem:
    """A navigation entry under the shop sign: a shop category or a free link (exactly one)."""
    _navitem_check(sandbox=sandbox, category=category, link=link)
    with transaction.atomic():
        sandbox_write_check(sandbox)
        item = NavItem.objects.create(sandbox=sandbox, label=label, category=category, link=link,
                                      position=_next_position(NavItem, sandbox))
        event_record(sandbox=sandbox, actor=actor, action="navitem.add", obj=item,
                     after=snapshot(item, NAVITEM_FIELDS))
    return item


def navitem_update(*, sandbox: Sandbox, actor: Actor, navitem: NavItem, label: str,
                   category: Category | None = None, link: str = "") -> NavItem:
    """Rename or re-point a navigation entry."""
    _navitem_check(sandbox=sandbox, category=category, link=link)
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = NavItem.objects.for_sandbox(sandbox).select_for_update().get(pk=navitem.pk)
        before = snapshot(locked, NAVITEM_FIELDS)
        locked.label, locked.category, locked.link = label, category, link
        locked.save()
        event_record(sandbox=sandbox, actor=actor, action="navitem.update", obj=locked,
                     before=before, after=snapshot(locked, NAVITEM_FIELDS))
    return locked


def navitem_delete(*, sandbox: Sandbox, actor: Actor, navitem: NavItem) -> None:
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = NavItem.objects.for_sandbox(sandbox).select_for_update().get(pk=navitem.pk)
        event_record(sandbox=sandbox, actor=actor, action="navitem.delete", obj=locked,
                     before=snapshot(locked, NAVITEM_FIELDS))
        locked.delete()


def navitem_move(*, sandbox: Sandbox, actor: Actor, navitem: NavItem, direction: str) -> NavItem:
    return _move(model=NavItem, sandbox=sandbox, actor=actor, obj=navitem, direction=direction,
                 action="navitem.move")


# --- homepage modules ----------------------------------------------------------------------------

def _homemodule_state(module: HomeModule) -> dict:
    state = snapshot(module, HOMEMODULE_FIELDS)
    state["products"] = list(module.items.order_by("position", "id").values_list("product_id", flat=True))
    return state


def _homemodule_write(*, sandbox: Sandbox, module: HomeModule, kind: str, title: str, body: str,
                      products: list[Product]) -> None:
    if kind not in HomeModule.Kind.values:
        raise ShopError(_("无效的模块类型"))
    if any(p.sandbox_id != sandbox.pk for p in products):
        raise ShopError(_("商品不存在"))
    if kind == HomeModule.Kind.PRODUCTS and not products:
        raise ShopError(_("宝贝推荐模块至少选择一个宝贝"))
    if kind == HomeModule.Kind.TEXT and not body.strip():
        raise ShopError(_("自定义文字模块的内容不能为空"))
    module.kind, module.title = kind, title
    module.body = body if kind == HomeModule.Kind.TEXT else ""
    module.save()
    module.items.all().delete()
    if kind == HomeModule.Kind.PRODUCTS:
        HomeModuleItem.objects.bulk_create(
            HomeModuleItem(sandbox=sandbox, module=module, product=p, position=i) for i, p in enumerate(products)
        )


def homemodule_add(*, sandbox: Sandbox, actor: Actor, kind: str, title: str, body: str = "",
                   products: list[Product] | None = None) -> HomeModule:
    """A homepage block at the end: 宝贝推荐 (chosen products) or 自定义文字 (plain text)."""
    with transaction.atomic():
        sandbox_write_check(sandbox)
        module = HomeModule(sandbox=sandbox, position=_next_position(HomeModule, sandbox))
        _homemodule_write(sandbox=sandbox, module=module, kind=kind, title=title, body=body,
                          products=list(products or []))
        event_record(sandbox=sandbox, actor=actor, action="homemodule.add", obj=module,
                     after=_homemodule_state(module))
    return module


def homemodule_update(*, sandbox: Sandbox, actor: Actor, homemodule: HomeModule, kind: str, title: str,
                      body: str = "", products: list[Product] | None = None) -> HomeModule:
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = HomeModule.objects.for_sandbox(sandbox).select_for_update().get(pk=homemodule.pk)
        before = _homemodule_state(locked)
        _homemodule_write(sandbox=sandbox, module=locked, kind=kind, title=title, body=body,
                          products=list(products or []))
        event_record(sandbox=sandbox, actor=actor, action="homemodule.update", obj=locked,
                     before=before, after=_homemodule_state(locked))
    return locked


def homemodule_delete(*, sandbox: Sandbox, actor: Actor, homemodule: HomeModule) -> None:
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = HomeModule.objects.for_sandbox(sandbox).select_for_update().get(pk=homemodule.pk)
        event_record(sandbox=sandbox, actor=actor, action="homemodule.delete", obj=locked,
                     before=_homemodule_state(locked))
        locked.delete()


def homemodule_move(*, sandbox: Sandbox, actor: Actor, homemodule: HomeModule, direction: str) -> HomeModule:
    return _move(model=HomeModule, sandbox=sandbox, actor=actor, obj=homemodule, direction=direction,
                 action="homemodule.move")
