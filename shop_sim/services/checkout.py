"""The buyer's side of a trade on the storefront: sign-in, cart, and placing an order.

Rules decided here (Taobao-like, written down so scenarios and graders can rely on them):

* Stock is reduced when the order is placed (拍下减库存), not on payment: ``order_place`` takes the
  quantity off the SKU and off the product's total stock in the same transaction that creates the
  order, so two buyers can never both get the last piece.
* Shipping: lines whose products share a shipping template are quoted together (the first-unit fee
  is charged once for all their pieces); the fees of different templates are *added up*. A product
  without a template ships free.
* A coupon is used by placing an order with it: that counts as one claim (``claimed_count`` + 1),
  refused when the issue is used up or the buyer reached the per-customer limit. Orders closed
  before payment do not count toward a buyer's limit.
* Everything is re-read under lock at the moment of ordering; a product taken off sale or short of
  stock since it went into the cart refuses the whole order with a clear message, writing nothing.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shop_sim.models import CartItem, Coupon, Customer, Order, OrderLine, Product, Sandbox, Sku

from .base import Actor, ShopError, event_record, sandbox_write_check, snapshot

NICKNAME_RE = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]{2,20}$")
BUYER_MESSAGE_MAX = 200
QUANTITY_MAX = 9999
CART_LINES_MAX = 50
ORDER_NO_ATTEMPTS = 20
CENT = Decimal("0.01")
ORDER_FIELDS = ["order_no", "customer", "status", "goods_total", "shipping_fee", "discount", "pay_amount",
                "coupon", "receiver_name", "receiver_phone", "province", "city", "district", "address_detail",
                "buyer_message", "created_at"]


@dataclass(frozen=True)
class LineRequest:
    """One thing the buyer wants: a product, its SKU when it has any, a quantity; and the cart line
    it came from (cleared once ordered), or None for 立即购买."""

    product_id: int
    sku_id: int | None
    quantity: int
    cartitem_id: int | None = None


@dataclass(frozen=True)
class Address:
    receiver_name: str
    receiver_phone: str
    province: str
    city: str
    district: str
    address_detail: str


@dataclass
class PricedLine:
    product: Product
    sku: Sku | None
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    cartitem_id: int | None = None

    @property
    def spec_label(self) -> str:
        return self.sku.spec_label if self.sku else ""


@dataclass
class Quote:
    """What an order would cost: the priced lines and the four amounts shown at checkout."""

    lines: list[PricedLine] = field(default_factory=list)
    goods_total: Decimal = Decimal("0.00")
    shipping_fee: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    pay_amount: Decimal = Decimal("0.00")


# --- buyer identity ------------------------------------------------------------------------------

def customer_signin(*, sandbox: Sandbox, nickname: str, phone: str = "") -> Customer:
    """模拟买家登录: the buyer of this name, created on first use (no password: a simulated buyer).

    Only a new customer is a state change and gets a ``customer.register`` event; an existing one
    is returned as is (the phone is not overwritten by whoever types the name next).
    """
    from .orders import MOBILE_PATTERN

    nickname = (nickname or "").strip()
    phone = (phone or "").strip()
    if not NICKNAME_RE.match(nickname):
        raise ShopError(_("会员名为 2–20 个字符，只能包含字母、数字、汉字、下划线和减号"))
    if phone and not re.fullmatch(MOBILE_PATTERN, phone):
        raise ShopError(_("请填写 11 位手机号码（以 13–19 开头）"))
    existing = Customer.objects.for_sandbox(sandbox).filter(nickname=nickname).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            sandbox_write_check(sandbox)
            customer = Customer.objects.create(sandbox=sandbox, nickname=nickname, phone=phone)
            event_record(sandbox=sandbox, actor=Actor.buyer(customer), action="customer.register", obj=customer,
                         after=snapshot(customer, ["nickname", "phone"]))
    except IntegrityError:  # the same name registered a moment ago in another request
        return Customer.objects.for_sandbox(sandbox).get(nickname=nickname)
    return customer


# --- lines and prices ----------------------------------------------------------------------------

def _check_customer(sandbox: Sandbox, customer: Customer) -> None:
    if customer.sandbox_id != sandbox.pk:
        raise ShopError(_("买家不属于当前店铺"))


def available_stock(product: Product, sku: Sku | None) -> int:
    return sku.stock if sku is not None else product.stock


def _resolve(sandbox: Sandbox, lines: list[LineRequest], *, lock: bool) -> list[PricedLine]:
    """Products and SKUs of ``lines`` read fresh (locked when ordering), checked for sale and stock."""
    if not lines:
        raise ShopError(_("请选择要购买的宝贝"))
    products_qs = Product.objects.for_sandbox(sandbox).filter(pk__in={ln.product_id for ln in lines})
    skus_qs = Sku.objects.for_sandbox(sandbox).filter(pk__in={ln.sku_id for ln in lines if ln.sku_id})
    if lock:
        products_qs, skus_qs = products_qs.select_for_update(), skus_qs.select_for_update()
    products = {p.pk: p for p in products_qs.order_by("pk")}
    skus = {s.pk: s for s in skus_qs.order_by("pk")}
    with_skus = set(Sku.objects.for_sandbox(sandbox).filter(product_id__in=products)
                    .values_list("product_id", flat=True).distinct())
    priced: list[PricedLine] = []
    wanted: dict[tuple[int, int | None], int] = defaultdict(int)
    for line in lines:
        product = products.get(line.product_id)
        if product is None:
            raise ShopError(_("宝贝不存在或已被删除"))
        if product.status != Product.Status.ON_SALE:
            raise ShopError(_("宝贝“%(title)s”已下架，无法购买") % {"title": product.title})
        sku = None
        if product.pk in with_skus:
            sku = skus.get(line.sku_id) if line.sku_id else None
            if sku is None or sku.product_id != product.pk:
                raise ShopError(_("请选择宝贝“%(title)s”的规格") % {"title": product.title})
        elif line.sku_id:
            raise ShopError(_("宝贝“%(title)s”没有可选规格") % {"title": product.title})
        if not 1 <= line.quantity <= QUANTITY_MAX:
            raise ShopError(_("购买数量至少为 1 件"))
        wanted[(product.pk, sku.pk if sku else None)] += line.quantity
        unit_price = sku.price if sku is not None else product.price
        priced.append(PricedLine(product=product, sku=sku, quantity=line.quantity, unit_price=unit_price,
                                 subtotal=(unit_price * line.quantity).quantize(CENT), cartitem_id=line.cartitem_id))
    for line in priced:
        key = (line.product.pk, line.sku.pk if line.sku else None)
        stock = available_stock(line.product, line.sku)
        if wanted[key] > stock:
            what = line.product.title + (f"（{line.sku.spec_label}）" if line.sku else "")
            if stock <= 0:
                raise ShopError(_("宝贝“%(what)s”已售罄") % {"what": what})
            raise ShopError(_("宝贝“%(what)s”库存不足：仅剩 %(stock)s 件，您要购买 %(n)s 件")
                            % {"what": what, "stock": stock, "n": wanted[key]})
    return priced


def shipping_total(*, lines: list[PricedLine], province: str) -> Decimal:
    """Freight of the order: one quote per shipping template for all its pieces, summed over
    templates; products without a template ship free (see the module docstring)."""
    from .catalog import shipping_fee_quote

    if not province:
        return Decimal("0.00")
    by_template: dict[int, list[PricedLine]] = defaultdict(list)
    for line in lines:
        if line.product.shipping_template_id:
            by_template[line.product.shipping_template_id].append(line)
    total = Decimal("0.00")
    for template_lines in by_template.values():
        template = template_lines[0].product.shipping_template
        total += shipping_fee_quote(template=template, province=province,
                                    quantity=sum(ln.quantity for ln in template_lines))
    return total.quantize(CENT)


def coupon_usable_error(*, coupon: Coupon, customer: Customer, goods_total: Decimal, now: datetime) -> str | None:
    """Why ``customer`` cannot use ``coupon`` on goods worth ``goods_total`` now, or None."""
    from .marketing import coupon_discount

    if coupon.sandbox_id != customer.sandbox_id:
        return _("优惠券不存在")
    if coupon_discount(coupon=coupon, goods_total=goods_total, now=now) <= 0:
        return _("优惠券“%(name)s”不可用：未达到使用门槛或不在有效期内") % {"name": coupon.name}
    if coupon.claimed_count >= coupon.total_quantity:
        return _("优惠券“%(name)s”已被领完") % {"name": coupon.name}
    used = (Order.objects.for_sandbox(customer.sandbox_id).filter(customer=customer, coupon=coupon)
            .exclude(status=Order.Status.CLOSED, paid_at__isnull=True).count())
    if used >= coupon.per_customer_limit:
        return _("优惠券“%(name)s”每人限用 %(n)s 张，您已用完") % {"name": coupon.name, "n": coupon.per_customer_limit}
    return None


def checkout_quote(*, sandbox: Sandbox, customer: Customer, lines: list[LineRequest], province: str = "",
                   coupon: Coupon | None = None, now: datetime | None = None) -> Quote:
    """The amounts the checkout page shows (reads only). Raises ShopError like ``order_place``."""
    from .marketing import coupon_discount

    _check_customer(sandbox, customer)
    now = now or timezone.now()
    priced = _resolve(sandbox, lines, lock=False)
    return _quote(priced, customer=customer, province=province, coupon=coupon, now=now,
                  discount_of=coupon_discount)


def _quote(priced: list[PricedLine], *, customer: Customer, province: str, coupon: Coupon | None,
           now: datetime, discount_of) -> Quote:
    goods_total = sum((ln.subtotal for ln in priced), Decimal("0.00")).quantize(CENT)
    shipping = shipping_total(lines=priced, province=province)
    discount = Decimal("0.00")
    if coupon is not None:
        error = coupon_usable_error(coupon=coupon, customer=customer, goods_total=goods_total, now=now)
        if error:
            raise ShopError(error)
        discount = discount_of(coupon=coupon, goods_total=goods_total, now=now)
    pay = max(goods_total + shipping - discount, Decimal("0.00")).quantize(CENT)
    return Quote(lines=priced, goods_total=goods_total, shipping_fee=shipping, discount=discount, pay_amount=pay)


def usable_coupons(*, sandbox: Sandbox, customer: Customer, goods_total: Decimal,
                   now: datetime | None = None) -> list[Coupon]:
    """Coupons this buyer may choose at checkout: running, threshold met, not used up."""
    now = now or timezone.now()
    candidates = (Coupon.objects.for_sandbox(sandbox)
                  .filter(status=Coupon.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now,
                          threshold__lte=goods_total)
                  .order_by("-amount", "id"))
    return [c for c in candidates
            if coupon_usable_error(coupon=c, customer=customer, goods_total=goods_total, now=now) is None]


# --- cart ----------------------------------------------------------------------------------------

def _cart_state(item: CartItem) -> dict:
    return snapshot(item, ["customer", "product", "sku", "quantity"])


def cartitem_add(*, sandbox: Sandbox, actor: Actor, customer: Customer, product: Product, sku: Sku | None,
                 quantity: int) -> CartItem:
    """加入购物车: the same product and SKU again adds to the quantity already in the cart, never
    beyond the stock available now."""
    _check_customer(sandbox, customer)
    with transaction.atomic():
        sandbox_write_check(sandbox)
        existing = (CartItem.objects.for_sandbox(sandbox).select_for_update()
                    .filter(customer=customer, product_id=product.pk, sku_id=sku.pk if sku else None).first())
        total = quantity + (existing.quantity if existing else 0)
        _resolve(sandbox, [LineRequest(product.pk, sku.pk if sku else None, total)], lock=False)
        if existing is None:
            if CartItem.objects.for_sandbox(sandbox).filter(customer=customer).count() >= CART_LINES_MAX:
                raise ShopError(_("购物车最多放 %(n)s 种宝贝") % {"n": CART_LINES_MAX})
            item = CartItem.objects.create(sandbox=sandbox, customer=customer, product=product, sku=sku,
                                           quantity=total)
            event_record(sandbox=sandbox, actor=actor, action="cart.add", obj=item, after=_cart_state(item))
            return item
        before = _cart_state(existing)
        existing.quantity = total
        existing.save(update_fields=["quantity"])
        event_record(sandbox=sandbox, actor=actor, action="cart.add", obj=existing, before=before,
                     after=_cart_state(existing))
        return existing


def cartitem_update(*, sandbox: Sandbox, actor: Actor, cartitem: CartItem, quantity: int) -> CartItem:
    """Change the quantity of a cart line (1..stock)."""
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = CartItem.objects.for_sandbox(sandbox).select_for_update().get(pk=cartitem.pk)
        _resolve(sandbox, [LineRequest(locked.product_id, locked.sku_id, quantity)], lock=False)
        before = _cart_state(locked)
        if before["quantity"] == quantity:
            return locked
        locked.quantity = quantity
        locked.save(update_fields=["quantity"])
        event_record(sandbox=sandbox, actor=actor, action="cart.update", obj=locked, before=before,
                     after=_cart_state(locked))
    return locked


def cartitem_remove(*, sandbox: Sandbox, actor: Actor, cartitem: CartItem) -> None:
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = CartItem.objects.for_sandbox(sandbox).select_for_update().get(pk=cartitem.pk)
        event_record(sandbox=sandbox, actor=actor, action="cart.remove", obj=locked, before=_cart_state(locked))
        locked.delete()


# --- ordering ------------------------------------------------------------------------------------

def _address_check(address: Address) -> Address:
    from .orders import MOBILE_PATTERN, PROVINCES

    values = {name: (getattr(address, name) or "").strip() for name in Address.__dataclass_fields__}
    if not values["receiver_name"] or not values["city"] or not values["address_detail"]:
        raise ShopError(_("收货人、城市和详细地址不能为空"))
    if not re.fullmatch(MOBILE_PATTERN, values["receiver_phone"]):
        raise ShopError(_("请填写 11 位手机号码（以 13–19 开头）"))
    if values["province"] not in PROVINCES:
        raise ShopError(_("请选择省份"))
    limits = {"receiver_name": 30, "city": 30, "district": 30, "address_detail": 120}
    for name, limit in limits.items():
        if len(values[name]) > limit:
            raise ShopError(_("收货地址过长"))
    return Address(**values)


def order_no_new(*, sandbox: Sandbox, now: datetime) -> str:
    """18 digits as on Taobao: the local time to the second (12) and 6 random digits; redrawn while
    the number is taken in this sandbox."""
    stamp = timezone.localtime(now).strftime("%y%m%d%H%M%S")
    for _attempt in range(ORDER_NO_ATTEMPTS):
        number = stamp + f"{secrets.randbelow(10 ** 6):06d}"
        if not Order.objects.for_sandbox(sandbox).filter(order_no=number).exists():
            return number
    raise ShopError(_("下单人数太多，请稍后再试"))


def order_place(*, sandbox: Sandbox, customer: Customer, lines: list[LineRequest], address: Address,
                coupon: Coupon | None = None, buyer_message: str = "") -> Order:
    """提交订单: one transaction that re-reads prices and stock under lock, prices the order
    (goods, shipping, coupon), creates it awaiting payment with snapshot lines, takes the stock
    (拍下减库存), counts the coupon claim and clears the ordered cart lines; one ``order.create``
    event. Any refusal raises ShopError and writes nothing."""
    from .marketing import coupon_discount

    _check_customer(sandbox, customer)
    address = _address_check(address)
    buyer_message = (buyer_message or "").strip()
    if len(buyer_message) > BUYER_MESSAGE_MAX:
        raise ShopError(_("买家留言最多 %(n)s 个字") % {"n": BUYER_MESSAGE_MAX})
    if coupon is not None and coupon.sandbox_id != sandbox.pk:
        raise ShopError(_("优惠券不存在"))
    actor = Actor.buyer(customer)
    with transaction.atomic():
        sandbox_write_check(sandbox)
        now = timezone.now()
        priced = _resolve(sandbox, lines, lock=True)
        locked_coupon = None
        if coupon is not None:
            locked_coupon = Coupon.objects.for_sandbox(sandbox).select_for_update().get(pk=coupon.pk)
        quote = _quote(priced, customer=customer, province=address.province, coupon=locked_coupon, now=now,
                       discount_of=coupon_discount)
        order = None
        for _attempt in range(ORDER_NO_ATTEMPTS):
            try:
                with transaction.atomic():
                    order = Order.objects.create(
                        sandbox=sandbox, customer=customer, order_no=order_no_new(sandbox=sandbox, now=now),
                        status=Order.Status.AWAITING_PAYMENT, goods_total=quote.goods_total,
                        shipping_fee=quote.shipping_fee, discount=quote.discount, pay_amount=quote.pay_amount,
                        coupon=locked_coupon, buyer_message=buyer_message, created_at=now,
                        **{name: getattr(address, name) for name in Address.__dataclass_fields__},
                    )
                break
            except IntegrityError:  # the number was taken between the check and the insert
                continue
        if order is None:
            raise ShopError(_("下单人数太多，请稍后再试"))
        stock_moves = []
        for line in quote.lines:
            OrderLine.objects.create(
                sandbox=sandbox, order=order, product=line.product, sku=line.sku, title=line.product.title[:60],
                spec_label=line.spec_label[:120], unit_price=line.unit_price, quantity=line.quantity,
                subtotal=line.subtotal,
            )
            move = {"product": line.product.pk, "sku": line.sku.pk if line.sku else None, "quantity": line.quantity}
            if line.sku is not None:
                move["sku_stock"] = [line.sku.stock, line.sku.stock - line.quantity]
                line.sku.stock -= line.quantity
                line.sku.save(update_fields=["stock"])
            move["product_stock"] = [line.product.stock, max(line.product.stock - line.quantity, 0)]
            line.product.stock = max(line.product.stock - line.quantity, 0)
            line.product.save(update_fields=["stock"])
            stock_moves.append(move)
        if locked_coupon is not None:
            locked_coupon.claimed_count += 1
            locked_coupon.save(update_fields=["claimed_count"])
        cart_ids = [ln.cartitem_id for ln in quote.lines if ln.cartitem_id]
        cleared = list(CartItem.objects.for_sandbox(sandbox)
                       .filter(Q(pk__in=cart_ids), customer=customer).values_list("pk", flat=True))
        CartItem.objects.filter(pk__in=cleared).delete()
        after = snapshot(order, ORDER_FIELDS)
        after["lines"] = [{"product": ln.product.pk, "sku": ln.sku.pk if ln.sku else None, "title": ln.product.title,
                           "spec_label": ln.spec_label, "unit_price": ln.unit_price, "quantity": ln.quantity,
                           "subtotal": ln.subtotal} for ln in quote.lines]
        after["stock"] = stock_moves
        after["cart_cleared"] = cleared
        if locked_coupon is not None:
            after["coupon_claimed_count"] = locked_coupon.claimed_count
        event_record(sandbox=sandbox, actor=actor, action="order.create", obj=order, after=after)
    return order
