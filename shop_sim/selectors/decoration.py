"""Read queries of the decoration editor: what the merchant sees in 店铺装修."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from shop_sim.models import Banner, HomeModule, HomeModuleItem, NavItem, Sandbox, ShopDecoration


def decoration_get(*, sandbox: Sandbox) -> ShopDecoration:
    """The shop's decoration row; an unsaved default when the sandbox has none yet (the editor
    then shows the sandbox name and the default colour, and the first save creates the row)."""
    decoration = ShopDecoration.objects.for_sandbox(sandbox).first()
    if decoration is None:
        decoration = ShopDecoration(sandbox=sandbox, shop_name=sandbox.name[:30])
    return decoration


def banner_list(*, sandbox: Sandbox) -> QuerySet[Banner]:
    return Banner.objects.for_sandbox(sandbox).order_by("position", "id")


def navitem_list(*, sandbox: Sandbox) -> QuerySet[NavItem]:
    return NavItem.objects.for_sandbox(sandbox).select_related("category").order_by("position", "id")


def homemodule_list(*, sandbox: Sandbox) -> QuerySet[HomeModule]:
    """Modules in display order with their chosen products (any status: the editor shows all)."""
    items = HomeModuleItem.objects.for_sandbox(sandbox).select_related("product").order_by("position", "id")
    return (HomeModule.objects.for_sandbox(sandbox).order_by("position", "id")
            .prefetch_related(Prefetch("items", queryset=items)))
