"""Read-only catalogue queries for the back office; every one is scoped to one sandbox."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Min, Value
from django.db.models.functions import Coalesce

from shop_sim.models import Category, Product, ProductImage, Sandbox, ShippingTemplate, Sku

# The tabs of 商品管理: 出售中的宝贝, 仓库中的宝贝 (drafts included, as Taobao keeps them there), 全部
PRODUCT_TABS = {
    "on_sale": [Product.Status.ON_SALE],
    "in_warehouse": [Product.Status.IN_WAREHOUSE, Product.Status.DRAFT],
    "all": None,
}


def product_list(*, sandbox: Sandbox, tab: str = "all", q: str = "", category_id: int | None = None) -> QuerySet:
    """Products for the list page with the numbers it shows: lowest SKU price, total stock, the
    first main image. A parent category also matches its children's products."""
    skus = Sku.objects.filter(product=OuterRef("pk")).order_by().values("product")
    qs = (
        Product.objects.for_sandbox(sandbox)
        .select_related("category")
        .annotate(
            sku_count=Coalesce(Subquery(skus.annotate(c=Count("id")).values("c")), Value(0),
                               output_field=IntegerField()),
            min_sku_price=Subquery(skus.annotate(m=Min("price")).values("m")),
            sku_stock=Subquery(skus.annotate(s=Sum("stock")).values("s")),
        )
        .prefetch_related(Prefetch(
            "images", queryset=ProductImage.objects.filter(kind=ProductImage.Kind.MAIN).order_by("position", "id"),
            to_attr="main_images",
        ))
        .order_by("-id")
    )
    statuses = PRODUCT_TABS.get(tab)
    if statuses:
        qs = qs.filter(status__in=statuses)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(merchant_code__icontains=q))
    if category_id is not None:
        qs = qs.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    return qs


def product_tab_counts(*, sandbox: Sandbox) -> dict[str, int]:
    return Product.objects.for_sandbox(sandbox).aggregate(
        on_sale=Count("id", filter=Q(status__in=PRODUCT_TABS["on_sale"])),
        in_warehouse=Count("id", filter=Q(status__in=PRODUCT_TABS["in_warehouse"])),
        all=Count("id"),
    )


def category_tree(*, sandbox: Sandbox) -> list[tuple[Category, list[Category]]]:
    """Top-level categories with their children, each annotated with ``product_count``."""
    rows = list(
        Category.objects.for_sandbox(sandbox).annotate(product_count=Count("products")).order_by("position", "id")
    )
    children: dict[int, list[Category]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    return [(row, children.get(row.pk, [])) for row in rows if row.parent_id is None]


def category_choices(*, sandbox: Sandbox) -> list[tuple[int, str]]:
    """(id, label) pairs in tree order, children indented, for category selects."""
    out = []
    for parent, kids in category_tree(sandbox=sandbox):
        out.append((parent.pk, parent.name))
        out.extend((kid.pk, f"— {kid.name}") for kid in kids)
    return out


def shipping_template_list(*, sandbox: Sandbox) -> QuerySet:
    return (
        ShippingTemplate.objects.for_sandbox(sandbox)
        .annotate(rule_count=Count("rules", distinct=True), product_count=Count("products", distinct=True))
        .order_by("id")
    )
