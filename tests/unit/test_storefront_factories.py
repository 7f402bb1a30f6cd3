"""Row builders shared by the storefront and decoration tests (plain functions, no tests here)."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from shop_sim.models import Category, Coupon, Customer, Product, ShippingRule, ShippingTemplate, Sku
from shop_sim.storefront.buyer import buyer_session_key

_seq = itertools.count(1)


def product(sandbox, title: str = "纯棉短袖T恤", price: str = "59.00", stock: int = 10,
            status: str = Product.Status.ON_SALE, **fields) -> Product:
    return Product.objects.create(sandbox=sandbox, title=title, price=Decimal(price), stock=stock, status=status,
                                  **fields)


def product_with_skus(sandbox, title: str = "双色卫衣", skus=(("红色", "M", "79.00", 3), ("红色", "L", "89.00", 0),
                                                              ("蓝色", "M", "99.00", 5), ("蓝色", "L", "79.00", 2)),
                      **fields) -> Product:
    """A product with two sale specs (颜色 × 尺码); stock is the sum of the SKU stock."""
    colours = list(dict.fromkeys(s[0] for s in skus))
    sizes = list(dict.fromkeys(s[1] for s in skus))
    item = Product.objects.create(
        sandbox=sandbox, title=title, price=min(Decimal(s[2]) for s in skus), stock=sum(s[3] for s in skus),
        status=fields.pop("status", Product.Status.ON_SALE),
        spec_names=[{"name": "颜色", "values": colours}, {"name": "尺码", "values": sizes}], **fields,
    )
    for position, (colour, size, price, stock) in enumerate(skus):
        Sku.objects.create(sandbox=sandbox, product=item, spec_values={"颜色": colour, "尺码": size},
                           spec_label=f"{colour} / {size}", price=Decimal(price), stock=stock, position=position)
    return item


def category(sandbox, name: str = "上衣", parent: Category | None = None) -> Category:
    return Category.objects.create(sandbox=sandbox, name=name, parent=parent)


def shipping_template(sandbox, *, first_fee: str = "8.00", extra_fee: str = "2.00",
                      payer: str = ShippingTemplate.Payer.BUYER, rules=()) -> ShippingTemplate:
    template = ShippingTemplate.objects.create(sandbox=sandbox, name=f"快递{next(_seq)}", payer=payer,
                                               first_unit=Decimal("1"), first_fee=Decimal(first_fee),
                                               extra_unit=Decimal("1"), extra_fee=Decimal(extra_fee))
    for regions, first, extra in rules:
        ShippingRule.objects.create(sandbox=sandbox, template=template, regions=list(regions),
                                    first_unit=Decimal("1"), first_fee=Decimal(first),
                                    extra_unit=Decimal("1"), extra_fee=Decimal(extra))
    return template


def coupon(sandbox, *, threshold: str = "100.00", amount: str = "10.00", total: int = 100, per_customer: int = 1,
           **fields) -> Coupon:
    now = timezone.now()
    return Coupon.objects.create(sandbox=sandbox, name=fields.pop("name", f"满{threshold}减{amount}"),
                                 threshold=Decimal(threshold), amount=Decimal(amount), total_quantity=total,
                                 per_customer_limit=per_customer,
                                 starts_at=fields.pop("starts_at", now - timedelta(days=1)),
                                 ends_at=fields.pop("ends_at", now + timedelta(days=7)), **fields)


def customer(sandbox, nickname: str | None = None, **fields) -> Customer:
    return Customer.objects.create(sandbox=sandbox, nickname=nickname or f"buyer{next(_seq)}", **fields)


def login_buyer(client, sandbox, buyer: Customer) -> None:
    """Be ``buyer`` on ``sandbox``'s storefront in this test client (what the login page does)."""
    session = client.session
    session[buyer_session_key(sandbox.pk)] = buyer.pk
    session.save()


def image_file(width: int, height: int, *, fmt: str = "PNG", name: str | None = None,
               colour=(255, 80, 0)) -> SimpleUploadedFile:
    """An in-memory image upload made with Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format=fmt)
    ext = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "BMP": "bmp", "WEBP": "webp"}[fmt]
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}.get(fmt, "application/octet-stream")
    return SimpleUploadedFile(name or f"img.{ext}", buffer.getvalue(), content_type=content_type)


ADDRESS = dict(receiver_name="王小明", receiver_phone="13800138000", province="浙江省", city="杭州市",
               district="西湖区", address_detail="文三路 100 号")
