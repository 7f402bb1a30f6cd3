"""Back-office views of 宝贝管理: products (list, bulk 上架/下架, editor with SKU matrix), categories
and shipping templates. Views parse input and call ``shop_sim.services.catalog``; nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms.utils import ErrorDict
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shop_sim.console.forms import catalog as forms
from shop_sim.models import Category, Product, ShippingTemplate
from shop_sim.selectors import catalog as selectors
from shop_sim.services import catalog as services
from shop_sim.services.base import ShopError
from shop_sim.services.text import byte_length
from shop_sim.console.helpers import merchant_actor, safe_next
from shop_sim.tenancy import console_view

PER_PAGE = 20
TABS = [("on_sale", gettext_lazy("出售中的宝贝")), ("in_warehouse", gettext_lazy("仓库中的宝贝")),
        ("all", gettext_lazy("全部宝贝"))]






# --------------------------------------------------------------------------------------------
# Products

@console_view
def product_list(request):
    tab = request.GET.get("status") or "all"
    if tab not in selectors.PRODUCT_TABS:
        tab = "all"
    filters = forms.ProductFilterForm(request.GET, sandbox=request.sandbox)
    q, category_id = "", None
    if filters.is_valid():
        q, category_id = filters.cleaned_data["q"], filters.cleaned_data["category"]
    products = selectors.product_list(sandbox=request.sandbox, tab=tab, q=q, category_id=category_id)
    page = Paginator(products, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = request.GET.copy()
    for key in ("page", "status"):
        tab_query.pop(key, None)
    counts = selectors.product_tab_counts(sandbox=request.sandbox)
    return render(request, "console/catalog/product_list.html", {
        "page": page, "filters": filters, "tab": tab,
        "tabs": [(key, label, counts[key]) for key, label in TABS],
        "query": query.urlencode(), "tab_query": tab_query.urlencode(),
        "Status": Product.Status,
    })


@console_view
@require_POST
def product_bulk_status(request):
    default = reverse("console:product_list")
    back = safe_next(request, default)
    form = forms.BulkStatusForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    status = form.cleaned_data["action"]
    try:
        result = services.product_bulk_set_status(sandbox=request.sandbox, actor=merchant_actor(request),
                                                  product_ids=form.cleaned_data["ids"], status=status)
    except ShopError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    verb = _("上架") if status == Product.Status.ON_SALE else _("下架")
    if result.changed:
        messages.success(request, _("已%(verb)s %(n)s 个宝贝") % {"verb": verb, "n": len(result.changed)})
    if result.unchanged:
        messages.info(request, _("%(n)s 个宝贝本来就是该状态，未改动") % {"n": len(result.unchanged)})
    for product, reason in result.refused:
        messages.error(request, _("“%(title)s”不能上架：%(reason)s") % {"title": product.title, "reason": reason})
    return redirect(back)


@console_view
def product_status(request, product_id: int):
    product = get_object_or_404(Product.objects.for_sandbox(request.sandbox), pk=product_id)
    if request.method != "POST":  # the id is checked first, so another shop's id is a 404 either way
        return HttpResponseNotAllowed(["POST"])
    back = safe_next(request, reverse("console:product_list"))
    form = forms.ProductStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无效的操作"))
        return redirect(back)
    try:
        services.product_set_status(sandbox=request.sandbox, actor=merchant_actor(request), product=product,
                                    status=form.cleaned_data["status"])
    except ShopError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if form.cleaned_data["status"] == Product.Status.ON_SALE:
        messages.success(request, _("“%(title)s”已上架") % {"title": product.title})
    else:
        messages.success(request, _("“%(title)s”已下架，放入仓库") % {"title": product.title})
    return redirect(back)


def _editor_page(request, editor: forms.ProductEditor, *, status: int = 200):
    product = editor.product
    title_value = editor.form["title"].value() or ""
    code_value = editor.form["merchant_code"].value() or ""
    return render(request, "console/catalog/product_form.html", {
        "editor": editor, "form": editor.form, "product": product,
        "images": list(product.images.all()) if product is not None else [],
        "title_bytes": byte_length(str(title_value)), "code_bytes": byte_length(str(code_value)),
        "TITLE_MAX_BYTES": services.TITLE_MAX_BYTES, "CODE_MAX_BYTES": services.MERCHANT_CODE_MAX_BYTES,
    }, status=status)


def _editor_post(request, product: Product | None):
    editor = forms.ProductEditor(sandbox=request.sandbox, product=product, data=request.POST, files=request.FILES)
    if request.POST.get("_regenerate"):
        # Without JavaScript the 生成SKU表 button submits the whole form: rebuild the matrix, save nothing.
        editor.errors.extend(editor.regenerate_matrix(request.POST))
        editor.form._errors = ErrorDict()  # show the typed values, not "required" errors of a half-filled form
        return _editor_page(request, editor)
    if not editor.is_valid():
        return _editor_page(request, editor, status=200)
    try:
        if product is None:
            saved = services.product_create(
                sandbox=request.sandbox, actor=merchant_actor(request), data=editor.product_data(),
                main_images=editor.main_images, detail_images=editor.detail_images)
            messages.success(request, _("宝贝“%(title)s”发布成功") % {"title": saved.title})
        else:
            saved = services.product_update(
                sandbox=request.sandbox, actor=merchant_actor(request), product=product, data=editor.product_data(),
                main_images=editor.main_images, detail_images=editor.detail_images,
                remove_image_ids=editor.remove_image_ids)
            messages.success(request, _("宝贝“%(title)s”已保存") % {"title": saved.title})
    except ShopError as exc:
        editor.errors.append(exc.message)
        return _editor_page(request, editor)
    tab = "on_sale" if saved.status == Product.Status.ON_SALE else "in_warehouse"
    return redirect(f"{reverse('console:product_list')}?status={tab}")


@console_view
@require_http_methods(["GET", "POST"])
def product_create(request):
    if request.method == "POST":
        return _editor_post(request, None)
    return _editor_page(request, forms.ProductEditor(sandbox=request.sandbox))


@console_view
@require_http_methods(["GET", "POST"])
def product_edit(request, product_id: int):
    product = get_object_or_404(Product.objects.for_sandbox(request.sandbox), pk=product_id)
    if request.method == "POST":
        return _editor_post(request, product)
    return _editor_page(request, forms.ProductEditor(sandbox=request.sandbox, product=product))


@console_view
@require_POST
def product_sku_matrix(request):
    """htmx: 生成SKU表 — the matrix rows for the posted specs, keeping values already typed."""
    skus, spec_errors = forms.sku_formset_regenerated(request.POST)
    return render(request, "console/catalog/_sku_matrix.html", {"skus": skus, "matrix_errors": spec_errors})


# --------------------------------------------------------------------------------------------
# Categories

@console_view
def category_list(request):
    return render(request, "console/catalog/category_list.html", {
        "tree": selectors.category_tree(sandbox=request.sandbox),
        "form": forms.CategoryForm(sandbox=request.sandbox),
    })


@console_view
@require_POST
def category_create(request):
    form = forms.CategoryForm(request.POST, sandbox=request.sandbox)
    if form.is_valid():
        try:
            category = services.category_create(sandbox=request.sandbox, actor=merchant_actor(request),
                                                name=form.cleaned_data["name"], parent=form.cleaned_data["parent"])
        except ShopError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已添加分类“%(name)s”") % {"name": category.name})
            return redirect("console:category_list")
    return render(request, "console/catalog/category_list.html", {
        "tree": selectors.category_tree(sandbox=request.sandbox), "form": form,
    })


@console_view
@require_http_methods(["GET", "POST"])
def category_edit(request, category_id: int):
    category = get_object_or_404(Category.objects.for_sandbox(request.sandbox), pk=category_id)
    if request.method == "POST":
        form = forms.CategoryForm(request.POST, sandbox=request.sandbox, category=category)
        if form.is_valid():
            try:
                services.category_update(sandbox=request.sandbox, actor=merchant_actor(request), category=category,
                                         name=form.cleaned_data["name"], parent=form.cleaned_data["parent"],
                                         position=form.cleaned_data["position"])
            except ShopError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("分类已保存"))
                return redirect("console:category_list")
    else:
        form = forms.CategoryForm(sandbox=request.sandbox, category=category, initial={
            "name": category.name, "parent": category.parent_id, "position": category.position})
    return render(request, "console/catalog/category_form.html", {"form": form, "category": category})


@console_view
def category_move(request, category_id: int):
    category = get_object_or_404(Category.objects.for_sandbox(request.sandbox), pk=category_id)
    if request.method != "POST":  # the id is checked first, so another shop's id is a 404 either way
        return HttpResponseNotAllowed(["POST"])
    try:
        services.category_move(sandbox=request.sandbox, actor=merchant_actor(request), category=category,
                               direction=request.POST.get("direction", ""))
    except ShopError as exc:
        messages.error(request, exc.message)
    return redirect("console:category_list")


@console_view
def category_delete(request, category_id: int):
    category = get_object_or_404(Category.objects.for_sandbox(request.sandbox), pk=category_id)
    if request.method != "POST":  # the id is checked first, so another shop's id is a 404 either way
        return HttpResponseNotAllowed(["POST"])
    try:
        services.category_delete(sandbox=request.sandbox, actor=merchant_actor(request), category=category)
    except ShopError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除分类“%(name)s”") % {"name": category.name})
    return redirect("console:category_list")


# --------------------------------------------------------------------------------------------
# Shipping templates

@console_view
def shipping_list(request):
    return render(request, "console/catalog/shipping_list.html", {
        "templates": selectors.shipping_template_list(sandbox=request.sandbox),
    })


def _shipping_forms(request, template: ShippingTemplate | None):
    if request.method == "POST":
        form = forms.ShippingTemplateForm(request.POST, sandbox=request.sandbox, template=template)
        rules = forms.ShippingRuleFormSet(request.POST, prefix="rules", form_kwargs={"pricing": form.pricing})
        return form, rules
    if template is None:
        initial = {"payer": ShippingTemplate.Payer.BUYER, "pricing": ShippingTemplate.Pricing.ITEM,
                   "first_unit": "1", "first_fee": "0.00", "extra_unit": "1", "extra_fee": "0.00"}
        rule_initial = []
    else:
        initial = {name: getattr(template, name) for name in services.SHIPPING_FIELDS}
        rule_initial = [
            {"regions": rule.regions, "first_unit": rule.first_unit, "first_fee": rule.first_fee,
             "extra_unit": rule.extra_unit, "extra_fee": rule.extra_fee}
            for rule in template.rules.order_by("id")
        ]
    form = forms.ShippingTemplateForm(sandbox=request.sandbox, template=template, initial=initial)
    pricing = template.pricing if template is not None else ShippingTemplate.Pricing.ITEM
    rules = forms.ShippingRuleFormSet(prefix="rules", initial=rule_initial, form_kwargs={"pricing": pricing})
    return form, rules


def _shipping_page(request, template: ShippingTemplate | None):
    form, rules = _shipping_forms(request, template)
    errors: list[str] = []
    if request.method == "POST" and (form.is_valid() & rules.is_valid()):
        data = forms.shipping_template_data(form, rules)
        try:
            if template is None:
                saved = services.shipping_template_create(sandbox=request.sandbox, actor=merchant_actor(request), data=data)
            else:
                saved = services.shipping_template_update(sandbox=request.sandbox, actor=merchant_actor(request),
                                                          template=template, data=data)
        except ShopError as exc:
            errors.append(exc.message)
        else:
            messages.success(request, _("运费模板“%(name)s”已保存") % {"name": saved.name})
            return redirect("console:shipping_list")
    return render(request, "console/catalog/shipping_form.html", {
        "form": form, "rules": rules, "template": template, "errors": errors,
        "name_bytes": byte_length(str(form["name"].value() or "")), "NAME_MAX_BYTES": services.SHIPPING_NAME_MAX_BYTES,
    })


@console_view
@require_http_methods(["GET", "POST"])
def shipping_create(request):
    return _shipping_page(request, None)


@console_view
@require_http_methods(["GET", "POST"])
def shipping_edit(request, shippingtemplate_id: int):
    template = get_object_or_404(ShippingTemplate.objects.for_sandbox(request.sandbox), pk=shippingtemplate_id)
    return _shipping_page(request, template)


@console_view
def shipping_delete(request, shippingtemplate_id: int):
    template = get_object_or_404(ShippingTemplate.objects.for_sandbox(request.sandbox), pk=shippingtemplate_id)
    if request.method != "POST":  # the id is checked first, so another shop's id is a 404 either way
        return HttpResponseNotAllowed(["POST"])
    try:
        services.shipping_template_delete(sandbox=request.sandbox, actor=merchant_actor(request), template=template)
    except ShopError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除运费模板“%(name)s”") % {"name": template.name})
    return redirect("console:shipping_list")


urlpatterns = [
    path("products/", product_list, name="product_list"),
    path("products/bulk-status/", product_bulk_status, name="product_bulk_status"),
    path("products/new/", product_create, name="product_create"),
    path("products/sku-matrix/", product_sku_matrix, name="product_sku_matrix"),
    path("products/<int:product_id>/edit/", product_edit, name="product_edit"),
    path("products/<int:product_id>/status/", product_status, name="product_status"),
    path("categories/", category_list, name="category_list"),
    path("categories/new/", category_create, name="category_create"),
    path("categories/<int:category_id>/edit/", category_edit, name="category_edit"),
    path("categories/<int:category_id>/move/", category_move, name="category_move"),
    path("categories/<int:category_id>/delete/", category_delete, name="category_delete"),
    path("shipping/", shipping_list, name="shipping_list"),
    path("shipping/new/", shipping_create, name="shipping_create"),
    path("shipping/<int:shippingtemplate_id>/edit/", shipping_edit, name="shipping_edit"),
    path("shipping/<int:shippingtemplate_id>/delete/", shipping_delete, name="shipping_delete"),
]
