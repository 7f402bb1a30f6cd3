"""Back-office views of 客户管理: the customer list (with bulk tagging), a customer's page, the tags."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shop_sim.console.forms.customers import (
    CustomerBulkTagForm, CustomerEditForm, CustomerFilterForm, CustomerTagForm, CustomerTagsForm,
)
from shop_sim.models import Customer, CustomerTag
from shop_sim.selectors.customers import customer_orders, customer_search, customer_total_spent
from shop_sim.selectors.customers import customertag_list as customertag_query
from shop_sim.services import customers as services
from shop_sim.services.base import ShopError
from shop_sim.console.helpers import merchant_actor
from shop_sim.tenancy import console_view

PAGE_SIZE = 20




@console_view
@require_GET
def customer_list(request):
    """客户列表: search, filter by tag and level; tick customers to tag or untag them together."""
    sandbox = request.sandbox
    form = CustomerFilterForm(request.GET, sandbox=sandbox)
    form.is_valid()
    filters = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    customers = customer_search(sandbox=sandbox, q=filters.get("q", ""), tag=filters.get("tag"),
                                level=filters.get("level"))
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    bulk_form = CustomerBulkTagForm(sandbox=sandbox, initial={"back": request.GET.urlencode()}, prefix="bulk")
    tags = list(bulk_form.fields["tag"].queryset)
    for field in (form.fields["tag"], bulk_form.fields["tag"]):
        _choices_from(field, tags)
    return render(request, "console/customers/customer_list.html", {
        "form": form, "page": page, "bulk_form": bulk_form, "has_tags": bool(tags),
    })


def _choices_from(field, objects: list) -> None:
    """Render a ModelChoiceField from rows already read: by default each render of its select runs
    the queryset again (a server-side cursor on PostgreSQL), and the list shows two tag selects.
    Validation of a submitted value still goes through the field's queryset."""
    field.choices = [("", field.empty_label), *((obj.pk, field.label_from_instance(obj)) for obj in objects)]


def _list_url(back: str) -> str:
    """Back to the list with the filters the seller had; only a query string is ever appended."""
    query = urlencode([(k, v) for k, v in parse_qsl(back or "") if k in {"q", "tag", "level", "page"}])
    url = reverse("console:customer_list")
    return f"{url}?{query}" if query else url


@console_view
@require_http_methods(["POST"])
def customer_bulk_tags(request):
    """批量打标签 / 去标签; errors go back to the list as a message, nothing written."""
    form = CustomerBulkTagForm(request.POST, sandbox=request.sandbox, prefix="bulk")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_list_url(request.POST.get("bulk-back", "")))
    data = form.cleaned_data
    add = data["operation"] == "add"
    try:
        changed = services.customer_tag_bulk(sandbox=request.sandbox, actor=merchant_actor(request),
                                             customers=data["customers"], tag=data["tag"], add=add)
    except ShopError as exc:
        messages.error(request, exc.message)
    else:
        template = (_("已为 %(n)d 位客户打上标签“%(tag)s”") if add
                    else _("已为 %(n)d 位客户去掉标签“%(tag)s”"))
        messages.success(request, template % {"n": changed, "tag": data["tag"].name})
    return redirect(_list_url(data.get("back", "")))


def _customer_get(request, customer_id: int) -> Customer:
    return get_object_or_404(Customer.objects.for_sandbox(request.sandbox), pk=customer_id)


def _customer_context(request, customer: Customer, bound: dict | None = None) -> dict:
    bound = bound or {}
    return {
        "customer": customer,
        "orders": customer_orders(customer=customer),
        "total_spent": customer_total_spent(customer=customer),
        "tags": [t.tag for t in customer.taggings.select_related("tag").order_by("tag_id")],
        "edit_form": bound.get("edit") or CustomerEditForm(
            prefix="edit", initial={"level": customer.level, "note": customer.note}),
        "tags_form": bound.get("tags") or CustomerTagsForm(
            sandbox=request.sandbox, prefix="tags",
            initial={"tags": list(customer.taggings.values_list("tag_id", flat=True))}),
    }


@console_view
def customer_detail(request, customer_id: int):
    customer = _customer_get(request, customer_id)  # 404 first, whatever the method
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(request, "console/customers/customer_detail.html", _customer_context(request, customer))


@console_view
def customer_update(request, customer_id: int):
    """会员等级 + 备注."""
    customer = _customer_get(request, customer_id)
    if request.method != "POST":
        return redirect("console:customer_detail", customer_id=customer.pk)
    form = CustomerEditForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            services.customer_update(sandbox=request.sandbox, actor=merchant_actor(request), customer=customer,
                                     **form.cleaned_data)
        except ShopError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("客户信息已保存"))
            return redirect("console:customer_detail", customer_id=customer.pk)
    return render(request, "console/customers/customer_detail.html",
                  _customer_context(request, customer, {"edit": form}))


@console_view
def customer_tags(request, customer_id: int):
    """The tags of one customer, as checkboxes."""
    customer = _customer_get(request, customer_id)
    if request.method != "POST":
        return redirect("console:customer_detail", customer_id=customer.pk)
    form = CustomerTagsForm(request.POST, sandbox=request.sandbox, prefix="tags")
    if form.is_valid():
        try:
            services.customer_tags_set(sandbox=request.sandbox, actor=merchant_actor(request), customer=customer,
                                       tags=form.cleaned_data["tags"])
        except ShopError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("客户标签已保存"))
            return redirect("console:customer_detail", customer_id=customer.pk)
    return render(request, "console/customers/customer_detail.html",
                  _customer_context(request, customer, {"tags": form}))


def _tag_page(request, *, create_form=None, rename: dict | None = None):
    rename = rename or {}
    tags = list(customertag_query(sandbox=request.sandbox))
    rows = [(tag, rename.get(tag.pk) or CustomerTagForm(prefix=f"tag{tag.pk}", initial={"name": tag.name}))
            for tag in tags]
    return render(request, "console/customers/customertag_list.html", {
        "rows": rows, "create_form": create_form or CustomerTagForm(prefix="new"),
    })


@console_view
@require_http_methods(["GET", "POST"])
def customertag_list(request):
    """标签管理: the tags with their customer counts; a POST creates one."""
    if request.method == "GET":
        return _tag_page(request)
    form = CustomerTagForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            tag = services.customertag_create(sandbox=request.sandbox, actor=merchant_actor(request),
                                              name=form.cleaned_data["name"])
        except ShopError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("标签“%(name)s”已创建") % {"name": tag.name})
            return redirect("console:customertag_list")
    return _tag_page(request, create_form=form)


def _tag_get(request, customertag_id: int) -> CustomerTag:
    return get_object_or_404(CustomerTag.objects.for_sandbox(request.sandbox), pk=customertag_id)


@console_view
def customertag_rename(request, customertag_id: int):
    tag = _tag_get(request, customertag_id)
    if request.method != "POST":
        return redirect("console:customertag_list")
    form = CustomerTagForm(request.POST, prefix=f"tag{tag.pk}")
    if form.is_valid():
        try:
            services.customertag_rename(sandbox=request.sandbox, actor=merchant_actor(request), tag=tag,
                                        name=form.cleaned_data["name"])
        except ShopError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("标签已重命名"))
            return redirect("console:customertag_list")
    return _tag_page(request, rename={tag.pk: form})


@console_view
def customertag_delete(request, customertag_id: int):
    tag = _tag_get(request, customertag_id)
    if request.method != "POST":
        return redirect("console:customertag_list")
    try:
        services.customertag_delete(sandbox=request.sandbox, actor=merchant_actor(request), tag=tag)
    except ShopError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("标签“%(name)s”已删除") % {"name": tag.name})
    return redirect("console:customertag_list")


urlpatterns = [
    path("customers/", customer_list, name="customer_list"),
    path("customers/bulk-tags/", customer_bulk_tags, name="customer_bulk_tags"),
    path("customers/<int:customer_id>/", customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/edit/", customer_update, name="customer_update"),
    path("customers/<int:customer_id>/tags/", customer_tags, name="customer_tags"),
    path("customer-tags/", customertag_list, name="customertag_list"),
    path("customer-tags/<int:customertag_id>/rename/", customertag_rename, name="customertag_rename"),
    path("customer-tags/<int:customertag_id>/delete/", customertag_delete, name="customertag_delete"),
]
