"""Read queries of the storefront (店铺前台). Only products on sale are ever returned to buyers,
and every query is scoped to the storefront's sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import nh3
from django.db.models import Avg, Count, Max, Min, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from shop_sim.models import (
    Banner, CartItem, Category, Customer, HomeModule, HomeModuleItem, NavItem, Order, Product, ProductImage, Refund,
    Review, Sandbox, ShopDecoration, Sku,
)
from shop_sim.services.decoration import link_is_safe, theme_color_safe

SORTS = {
    "default": ("-sales_count", "-id"),
    "sales": ("-sales_count", "-id"),
    "price_asc": ("display_price", "-id"),
    "price_desc": ("-display_price", "-id"),
    "newest": ("-created_at", "-id"),
}


@dataclass(frozen=True)
class NavEntry:
    label: str
    href: str | None  # None: the stored link is not a safe http(s)/relative link; shown without href


@dataclass(frozen=True)
class BannerSlide:
    image_url: str
    alt: str
    href: str | None


def decoration_for(*, sandbox: Sandbox) -> ShopDecoration:
    """The shop's decoration, or an unsaved default named after the sandbox."""
    decoration = ShopDecoration.objects.for_sandbox(sandbox).first()
    if decoration is None:
        decoration = ShopDecoration(sandbox=sandbox, shop_name=sandbox.name[:30])
    return decoration


def shop_frame(*, sandbox: Sandbox) -> dict:
    """What every storefront page shows around its content: sign, theme colour, navigation."""
    decoration = decoration_for(sandbox=sandbox)
    key = sandbox.storefront_key
    nav = []
    for item in NavItem.objects.for_sandbox(sandbox).select_related("category").order_by("position", "id"):
        if item.category_id:
            href = reverse("storefront:category", kwargs={"storefront_key": key, "category_id": item.category_id})
        else:
            href = item.link if link_is_safe(item.link) else None
        nav.append(NavEntry(label=item.label, href=href))
    return {
        "decoration": decoration,
        "theme_color": theme_color_safe(decoration.theme_color),
        "nav_entries": nav,
        "top_categories": list(Category.objects.for_sandbox(sandbox).filter(parent__isnull=True)
                               .prefetch_related("children").order_by("position", "id")),
    }


def banner_slides(*, sandbox: Sandbox) -> list[BannerSlide]:
    return [BannerSlide(image_url=b.image.url, alt=b.alt, href=b.link if link_is_safe(b.link) else None)
            for b in Banner.objects.for_sandbox(sandbox).order_by("position", "id") if b.image]


def on_sale_products(*, sandbox: Sandbox) -> QuerySet[Product]:
    """On-sale products with what a product card needs: price range and the first main image."""
    main_images = (ProductImage.objects.for_sandbox(sandbox).filter(kind=ProductImage.Kind.MAIN)
                   .order_by("position", "id"))
    return (Product.objects.for_sandbox(sandbox).filter(status=Product.Status.ON_SALE)
            .annotate(sku_min=Min("skus__price"), sku_max=Max("skus__price"))
            .annotate(display_price=Coalesce("sku_min", "price"))
            .prefetch_related(Prefetch("images", queryset=main_images, to_attr="main_images")))


def product_sort(queryset: QuerySet[Product], sort: str) -> QuerySet[Product]:
    return queryset.order_by(*SORTS.get(sort, SORTS["default"]))


def product_search(*, sandbox: Sandbox, q: str) -> QuerySet[Product]:
    """搜索本店宝贝: every word must appear in the title or the subtitle (on-sale products only)."""
    queryset = on_sale_products(sandbox=sandbox)
    for word in q.split()[:10]:
        queryset = queryset.filter(Q(title__icontains=word) | Q(subtitle__icontains=word))
    return queryset


def category_products(*, sandbox: Sandbox, category: Category) -> QuerySet[Product]:
    """A category page lists its own products and those of its sub-categories (two levels)."""
    return on_sale_products(sandbox=sandbox).filter(Q(category=category) | Q(category__parent=category))


def home_modules(*, sandbox: Sandbox) -> list[dict]:
    """Homepage modules in order; a product module keeps only its products that are on sale."""
    visible = on_sale_products(sandbox=sandbox)
    modules = list(HomeModule.objects.for_sandbox(sandbox).order_by("position", "id"))
    items = HomeModuleItem.objects.for_sandbox(sandbox).filter(module__in=modules).order_by("position", "id")
    product_ids = {it.product_id for it in items}
    products = {p.pk: p for p in visible.filter(pk__in=product_ids)}
    by_module: dict[int, list[Product]] = {m.pk: [] for m in modules}
    for it in items:
        if it.product_id in products:
            by_module[it.module_id].append(products[it.product_id])
    return [{"module": m, "products": by_module[m.pk]} for m in modules]


def product_for_buyer(*, sandbox: Sandbox, product_id: int) -> Product | None:
    """The product page's product: on sale in this sandbox, or None (the view answers 404)."""
    return (Product.objects.for_sandbox(sandbox).filter(pk=product_id, status=Product.Status.ON_SALE)
            .select_related("shipping_template", "category").first())


def product_images(*, product: Product) -> tuple[list[ProductImage], list[ProductImage]]:
    images = list(ProductImage.objects.for_sandbox(product.sandbox_id).filter(product=product)
                  .order_by("position", "id"))
    return ([i for i in images if i.kind == ProductImage.Kind.MAIN],
            [i for i in images if i.kind == ProductImage.Kind.DETAIL])


def product_skus(*, product: Product) -> list[Sku]:
    return list(Sku.objects.for_sandbox(product.sandbox_id).filter(product=product).order_by("position", "id"))


def price_range(*, product: Product, skus: list[Sku]) -> tuple[Decimal, Decimal]:
    """Lowest and highest price a buyer can pay: over the SKUs when there are any."""
    if skus:
        prices = [s.price for s in skus]
        return min(prices), max(prices)
    return product.price, product.price


def detail_html_safe(html: str) -> SafeString:
    """The description, sanitised again on output (defence in depth) with the catalog's rules."""
    from shop_sim.services.catalog import DETAIL_HTML_ATTRIBUTES, DETAIL_HTML_TAGS

    return mark_safe(nh3.clean(html or "", tags=DETAIL_HTML_TAGS, attributes=DETAIL_HTML_ATTRIBUTES,
                               url_schemes={"http", "https"}, strip_comments=True, link_rel=None))


def product_reviews(*, product: Product, limit: int = 50) -> tuple[list[Review], dict]:
    """The newest reviews with the seller's replies, and the numbers above them (count, average
    rating, share of good reviews ≥ 4 stars as Taobao's 好评率)."""
    reviews = Review.objects.for_sandbox(product.sandbox_id).filter(product=product)
    stats = reviews.aggregate(count=Count("id"), average=Avg("rating"), good=Count("id", filter=Q(rating__gte=4)))
    if stats["count"]:
        stats["average"] = Decimal(str(stats["average"])).quantize(Decimal("0.1"))
        stats["good_rate"] = round(100 * stats["good"] / stats["count"])
    return list(reviews.select_related("customer").order_by("-created_at", "-id")[:limit]), stats


def shipping_hint(*, product: Product, province: str = "") -> dict:
    """The freight line of the product page: 包邮, or the fee for one piece (to the buyer's province
    when known, else the template's default fee)."""
    from shop_sim.models import ShippingTemplate
    from shop_sim.services.catalog import shipping_fee_quote

    template = product.shipping_template
    if template is None or template.payer == ShippingTemplate.Payer.SELLER:
        return {"free": True}
    fee = shipping_fee_quote(template=template, province=province, quantity=1)
    has_rules = template.rules.exists()
    return {"free": fee == 0, "fee": fee, "province": province, "varies": has_rules and not province}


def cart_items(*, sandbox: Sandbox, customer: Customer) -> list[CartItem]:
    return list(CartItem.objects.for_sandbox(sandbox).filter(customer=customer)
                .select_related("product", "sku").order_by("id"))


def cart_count(*, sandbox: Sandbox, customer: Customer | None) -> int:
    if customer is None:
        return 0
    return CartItem.objects.for_sandbox(sandbox).filter(customer=customer).count()


def buyer_orders(*, sandbox: Sandbox, customer: Customer) -> QuerySet[Order]:
    return (Order.objects.for_sandbox(sandbox).filter(customer=customer)
            .prefetch_related("lines", "refunds").order_by("-created_at", "-id"))


def order_refunds(*, order: Order) -> list[Refund]:
    return list(Refund.objects.for_sandbox(order.sandbox_id).filter(order=order).order_by("-created_at", "-id"))
