"""Back-office views: 店铺装修, one page with a section per part of the storefront and a live preview.

Each section posts to its own URL. With htmx the section alone is re-rendered and the response
carries ``HX-Trigger: shopPreviewRefresh`` so the preview iframe reloads; without JavaScript the
same URLs redirect back to the page (or re-render it with the form errors).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shop_sim.console.forms.decoration import (
    BannerForm, DecorationBasicForm, EditorOptions, HomeModuleForm, LogoForm, MoveForm, NavItemForm, SignForm,
)
from shop_sim.models import Banner, HomeModule, NavItem
from shop_sim.selectors.decoration import banner_list, decoration_get, homemodule_list, navitem_list
from shop_sim.services import decoration as services
from shop_sim.services.base import ShopError
from shop_sim.console.helpers import merchant_actor
from shop_sim.tenancy import console_view

PREVIEW_EVENT = "shopPreviewRefresh"


def _nav_form(sandbox, item: NavItem, data=None, options: EditorOptions | None = None) -> NavItemForm:
    initial = {"label": item.label, "category": item.category_id, "link": item.link}
    return NavItemForm(data, sandbox=sandbox, initial=initial, prefix=f"nav{item.pk}", options=options)


def _module_form(sandbox, module: HomeModule, data=None, options: EditorOptions | None = None) -> HomeModuleForm:
    initial = {"kind": module.kind, "title": module.title, "body": module.body,
               "products": [item.product_id for item in module.items.all()]}
    return HomeModuleForm(data, sandbox=sandbox, initial=initial, prefix=f"module{module.pk}", options=options)


def _context(request, *, bound: dict | None = None) -> dict:
    """Everything the page shows; ``bound`` replaces one form by its bound, invalid version."""
    sandbox = request.sandbox
    bound = bound or {}
    decoration = decoration_get(sandbox=sandbox)
    navitems = list(navitem_list(sandbox=sandbox))
    modules = list(homemodule_list(sandbox=sandbox))
    nav_edit = bound.get("nav_edit", {})
    module_edit = bound.get("module_edit", {})
    options = EditorOptions.of(sandbox)  # a submitted form shown again with its errors reads its own
    return {
        "decoration": decoration,
        "basic_form": bound.get("basic") or DecorationBasicForm(initial={
            "shop_name": decoration.shop_name, "slogan": decoration.slogan,
            "announcement": decoration.announcement, "theme_color": decoration.theme_color,
        }),
        "logo_form": bound.get("logo") or LogoForm(prefix="logo"),
        "sign_form": bound.get("sign") or SignForm(prefix="sign"),
        "banners": banner_list(sandbox=sandbox),
        "banner_form": bound.get("banner") or BannerForm(prefix="banner"),
        "navitems": [(item, nav_edit.get(item.pk) or _nav_form(sandbox, item, options=options)) for item in navitems],
        "nav_form": bound.get("nav") or NavItemForm(sandbox=sandbox, prefix="nav", options=options),
        "modules": [(m, module_edit.get(m.pk) or _module_form(sandbox, m, options=options)) for m in modules],
        "module_form": bound.get("module") or HomeModuleForm(sandbox=sandbox, prefix="module", options=options,
                                                              initial={"kind": HomeModule.Kind.PRODUCTS}),
        "open_nav": set(nav_edit), "open_module": set(module_edit),
        "preview_url": reverse("storefront:home", kwargs={"storefront_key": sandbox.storefront_key}),
    }


def _done(request, section: str, message: str) -> HttpResponse:
    """A successful save: the fresh section for htmx (and a preview reload), else back to the page."""
    if request.htmx:
        context = _context(request)
        context["notice"] = message
        response = render(request, f"console/decoration/_{section}.html", context)
        response["HX-Trigger"] = PREVIEW_EVENT
        return response
    messages.success(request, message)
    return redirect(reverse("console:decoration") + f"#deco-{section}")


def _failed(request, section: str, *, bound: dict | None = None, error: str = "") -> HttpResponse:
    """A refused save: the section (htmx) or the whole page again, with the errors; nothing saved."""
    context = _context(request, bound=bound)
    if request.htmx:
        context["error"] = error
        return render(request, f"console/decoration/_{section}.html", context)
    if error:
        messages.error(request, error)
    return render(request, "console/decoration/page.html", context)




def _scoped(request, model, pk: int):
    """The row of this sandbox or 404, looked up before the method check so another sandbox's id
    is a 404 whatever the method."""
    return get_object_or_404(model.objects.for_sandbox(request.sandbox), pk=pk)


@console_view
@require_http_methods(["GET", "POST"])
def decoration(request):
    """The editor page; a POST saves 基本信息."""
    if request.method == "GET":
        return render(request, "console/decoration/page.html", _context(request))
    form = DecorationBasicForm(request.POST)
    if not form.is_valid():
        return _failed(request, "basic", bound={"basic": form})
    try:
        services.decoration_update(sandbox=request.sandbox, actor=merchant_actor(request), **form.cleaned_data)
    except ShopError as exc:
        form.add_error(None, exc.message)
        return _failed(request, "basic", bound={"basic": form})
    return _done(request, "basic", _("基本信息已保存"))


def _image_view(form_class, setter, section: str, key: str, message: str):
    @console_view
    @require_POST
    def view(request):
        form = form_class(request.POST, request.FILES, prefix=key)
        if not form.is_valid():
            return _failed(request, section, bound={key: form})
        try:
            setter(sandbox=request.sandbox, actor=merchant_actor(request), image=form.cleaned_data["image"],
                   image_format=form.image_format)
        except ShopError as exc:
            form.add_error(None, exc.message)
            return _failed(request, section, bound={key: form})
        return _done(request, section, message)

    return view


decoration_logo = _image_view(LogoForm, services.decoration_logo_set, "logo", "logo", gettext_lazy("店标已更新"))
decoration_sign = _image_view(SignForm, services.decoration_sign_set, "sign", "sign", gettext_lazy("店招已更新"))


@console_view
@require_POST
def decoration_logo_clear(request):
    services.decoration_logo_clear(sandbox=request.sandbox, actor=merchant_actor(request))
    return _done(request, "logo", _("店标已移除"))


@console_view
@require_POST
def decoration_sign_clear(request):
    services.decoration_sign_clear(sandbox=request.sandbox, actor=merchant_actor(request))
    return _done(request, "sign", _("店招图片已移除"))


@console_view
@require_POST
def banner_add(request):
    form = BannerForm(request.POST, request.FILES, prefix="banner")
    if not form.is_valid():
        return _failed(request, "banners", bound={"banner": form})
    try:
        services.banner_add(sandbox=request.sandbox, actor=merchant_actor(request), image=form.cleaned_data["image"],
                            image_format=form.image_format, link=form.cleaned_data["link"],
                            alt=form.cleaned_data["alt"])
    except ShopError as exc:
        form.add_error(None, exc.message)
        return _failed(request, "banners", bound={"banner": form})
    return _done(request, "banners", _("海报已添加"))


@console_view
def banner_delete(request, banner_id: int):
    banner = _scoped(request, Banner, banner_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.banner_delete(sandbox=request.sandbox, actor=merchant_actor(request), banner=banner)
    return _done(request, "banners", _("海报已删除"))


def _move_view(model, mover, kwarg: str, section: str):
    @console_view
    def view(request, **kwargs):
        obj = _scoped(request, model, kwargs[kwarg])
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        form = MoveForm(request.POST)
        if not form.is_valid():
            return _failed(request, section, error=_("无效的移动方向"))
        try:
            mover(sandbox=request.sandbox, actor=merchant_actor(request), direction=form.cleaned_data["direction"],
                  **{model._meta.model_name: obj})
        except ShopError as exc:
            return _failed(request, section, error=exc.message)
        return _done(request, section, _("顺序已调整"))

    return view


banner_move = _move_view(Banner, services.banner_move, "banner_id", "banners")
navitem_move = _move_view(NavItem, services.navitem_move, "navitem_id", "nav")
homemodule_move = _move_view(HomeModule, services.homemodule_move, "homemodule_id", "modules")


@console_view
@require_POST
def navitem_add(request):
    form = NavItemForm(request.POST, sandbox=request.sandbox, prefix="nav")
    if not form.is_valid():
        return _failed(request, "nav", bound={"nav": form})
    try:
        services.navitem_add(sandbox=request.sandbox, actor=merchant_actor(request), **form.cleaned_data)
    except ShopError as exc:
        form.add_error(None, exc.message)
        return _failed(request, "nav", bound={"nav": form})
    return _done(request, "nav", _("导航已添加"))


@console_view
def navitem_edit(request, navitem_id: int):
    item = _scoped(request, NavItem, navitem_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = _nav_form(request.sandbox, item, request.POST)
    if not form.is_valid():
        return _failed(request, "nav", bound={"nav_edit": {item.pk: form}})
    try:
        services.navitem_update(sandbox=request.sandbox, actor=merchant_actor(request), navitem=item, **form.cleaned_data)
    except ShopError as exc:
        form.add_error(None, exc.message)
        return _failed(request, "nav", bound={"nav_edit": {item.pk: form}})
    return _done(request, "nav", _("导航已保存"))


@console_view
def navitem_delete(request, navitem_id: int):
    item = _scoped(request, NavItem, navitem_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.navitem_delete(sandbox=request.sandbox, actor=merchant_actor(request), navitem=item)
    return _done(request, "nav", _("导航已删除"))


def _module_args(form: HomeModuleForm) -> dict:
    data = form.cleaned_data
    return {"kind": data["kind"], "title": data["title"], "body": data.get("body", ""),
            "products": list(data.get("products") or [])}


@console_view
@require_POST
def homemodule_add(request):
    form = HomeModuleForm(request.POST, sandbox=request.sandbox, prefix="module")
    if not form.is_valid():
        return _failed(request, "modules", bound={"module": form})
    try:
        services.homemodule_add(sandbox=request.sandbox, actor=merchant_actor(request), **_module_args(form))
    except ShopError as exc:
        form.add_error(None, exc.message)
        return _failed(request, "modules", bound={"module": form})
    return _done(request, "modules", _("模块已添加"))


@console_view
def homemodule_edit(request, homemodule_id: int):
    module = _scoped(request, HomeModule, homemodule_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = _module_form(request.sandbox, module, request.POST)
    if not form.is_valid():
        return _failed(request, "modules", bound={"module_edit": {module.pk: form}})
    try:
        services.homemodule_update(sandbox=request.sandbox, actor=merchant_actor(request), homemodule=module,
                                   **_module_args(form))
    except ShopError as exc:
        form.add_error(None, exc.message)
        return _failed(request, "modules", bound={"module_edit": {module.pk: form}})
    return _done(request, "modules", _("模块已保存"))


@console_view
def homemodule_delete(request, homemodule_id: int):
    module = _scoped(request, HomeModule, homemodule_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.homemodule_delete(sandbox=request.sandbox, actor=merchant_actor(request), homemodule=module)
    return _done(request, "modules", _("模块已删除"))


urlpatterns = [
    path("decoration/", decoration, name="decoration"),
    path("decoration/logo/", decoration_logo, name="decoration_logo"),
    path("decoration/logo/clear/", decoration_logo_clear, name="decoration_logo_clear"),
    path("decoration/sign/", decoration_sign, name="decoration_sign"),
    path("decoration/sign/clear/", decoration_sign_clear, name="decoration_sign_clear"),
    path("decoration/banners/add/", banner_add, name="banner_add"),
    path("decoration/banners/<int:banner_id>/delete/", banner_delete, name="banner_delete"),
    path("decoration/banners/<int:banner_id>/move/", banner_move, name="banner_move"),
    path("decoration/nav/add/", navitem_add, name="navitem_add"),
    path("decoration/nav/<int:navitem_id>/edit/", navitem_edit, name="navitem_edit"),
    path("decoration/nav/<int:navitem_id>/delete/", navitem_delete, name="navitem_delete"),
    path("decoration/nav/<int:navitem_id>/move/", navitem_move, name="navitem_move"),
    path("decoration/modules/add/", homemodule_add, name="homemodule_add"),
    path("decoration/modules/<int:homemodule_id>/edit/", homemodule_edit, name="homemodule_edit"),
    path("decoration/modules/<int:homemodule_id>/delete/", homemodule_delete, name="homemodule_delete"),
    path("decoration/modules/<int:homemodule_id>/move/", homemodule_move, name="homemodule_move"),
]
