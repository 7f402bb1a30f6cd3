"""Orders and refunds (交易管理): the state machines declared as data, and the seller's and buyer's
actions built on them. Every move writes one ShopEvent; a refused move raises and writes nothing.

The reference data the console, the storefront and the generators share also lives here: carriers
with their waybill formats, the 31 provinces, the close and refuse reasons.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop as N_

from shop_sim.models import Order, OrderLine, Product, Refund, Sandbox, Sku

from .base import Actor, IllegalTransition, ShopError, event_record, sandbox_write_check, snapshot, transition_check
from .text import byte_length

S = Order.Status
# current status -> statuses it may move to (Taobao's trade states)
ORDER_PIPELINE: dict[str, set[str]] = {
    S.AWAITING_PAYMENT: {S.PAID, S.CLOSED},
    S.PAID: {S.SHIPPED, S.CLOSED},
    S.SHIPPED: {S.FINISHED, S.CLOSED},
    S.FINISHED: set(),
    S.CLOSED: set(),
}
# which timestamp a move into a status stamps
ORDER_STATUS_STAMPS = {S.PAID: "paid_at", S.SHIPPED: "shipped_at", S.FINISHED: "finished_at", S.CLOSED: "closed_at"}

R = Refund.Status
REFUND_PIPELINE: dict[str, set[str]] = {
    R.AWAITING_SELLER: {R.SUCCESS, R.AWAITING_RETURN, R.REFUSED, R.CLOSED},
    R.AWAITING_RETURN: {R.AWAITING_RECEIPT, R.CLOSED},
    R.AWAITING_RECEIPT: {R.SUCCESS, R.REFUSED},
    R.REFUSED: {R.AWAITING_SELLER, R.CLOSED},
    R.SUCCESS: set(),
    R.CLOSED: set(),
}


def order_transition(*, order: Order, target: str, actor: Actor, changes: dict | None = None,
                     action: str | None = None) -> Order:
    """Move ``order`` to ``target`` (raising IllegalTransition if undeclared), set ``changes``,
    stamp the status time and record one event with before -> after of every touched field."""
    with transaction.atomic():
        sandbox_write_check(order.sandbox_id)
        locked = Order.objects.select_for_update().get(pk=order.pk, sandbox_id=order.sandbox_id)
        transition_check(ORDER_PIPELINE, locked.status, target, label=_("订单"))
        fields = ["status", *(changes or {}).keys()]
        stamp = ORDER_STATUS_STAMPS.get(target)
        if stamp:
            fields.append(stamp)
        before = snapshot(locked, fields)
        locked.status = target
        for name, value in (changes or {}).items():
            setattr(locked, name, value)
        if stamp:
            setattr(locked, stamp, timezone.now())
        locked.save(update_fields=fields)
        event_record(sandbox=locked.sandbox_id, actor=actor, action=action or f"order.{target}",
                     obj=locked, before=before, after=snapshot(locked, fields))
    return locked


def refund_transition(*, refund: Refund, target: str, actor: Actor, changes: dict | None = None,
                      action: str | None = None) -> Refund:
    """Same contract as ``order_transition`` for refunds."""
    with transaction.atomic():
        sandbox_write_check(refund.sandbox_id)
        locked = Refund.objects.select_for_update().get(pk=refund.pk, sandbox_id=refund.sandbox_id)
        transition_check(REFUND_PIPELINE, locked.status, target, label=_("退款"))
        fields = ["status", *(changes or {}).keys()]
        before = snapshot(locked, fields)
        locked.status = target
        for name, value in (changes or {}).items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        event_record(sandbox=locked.sandbox_id, actor=actor, action=action or f"refund.{target}",
                     obj=locked, before=before, after=snapshot(locked, fields))
    return locked


# ---------------------------------------------------------------------------------------------
# Reference data: carriers, provinces, reasons
# ---------------------------------------------------------------------------------------------

# Carriers a Chinese shop ships with: code (stored in Order.carrier, as the Taobao logistics API
# names them) -> (display name, waybill pattern, human description of the pattern). The patterns
# describe the numbers each carrier prints today; the shop's generator makes its numbers from them.
# They are NOT enforced when a seller ships: a waybill only has to look like a waybill
# (WAYBILL_GENERIC, 8–20 letters/digits, upper-cased and stripped of spaces), so the back office
# never tells which carrier a number belongs to — choosing the carrier is the seller's job, and the
# order-fulfilment task tests exactly that.
CARRIERS: dict[str, tuple[str, str, str]] = {
    "SF": (_lazy("顺丰速运"), r"SF\d{12,13}", _lazy("SF 加 12–13 位数字，如 SF1234567890123")),
    "ZTO": (_lazy("中通快递"), r"[75]\d{11,13}", _lazy("以 7 或 5 开头的 12–14 位数字")),
    "YTO": (_lazy("圆通速递"), r"YT\d{12,15}", _lazy("YT 加 12–15 位数字，如 YT6012345678901")),
    "YUNDA": (_lazy("韵达快递"), r"\d{13}|\d{15}", _lazy("13 位或 15 位数字")),
    "STO": (_lazy("申通快递"), r"\d{12,15}", _lazy("12–15 位数字")),
    "JD": (_lazy("京东物流"), r"JD[0-9A-Z]{11,16}", _lazy("JD 加 11–16 位字母或数字，如 JDVA12345678901")),
    "EMS": (_lazy("邮政EMS"), r"[A-Z]{2}\d{9}[A-Z]{2}|1\d{12}|9\d{12}",
            _lazy("13 位：两字母 + 9 位数字 + 两字母（如 EA123456789CN），或以 1/9 开头的 13 位数字")),
    "JTSEXPRESS": (_lazy("极兔速递"), r"JT\d{13}", _lazy("JT 加 13 位数字，如 JT3012345678901")),
}
WAYBILL_GENERIC = r"[0-9A-Z]{8,20}"

# The 31 province-level divisions of mainland China, as addresses write them.
PROVINCES: tuple[str, ...] = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)
MOBILE_PATTERN = r"1[3-9]\d{9}"
MEMO_MAX_BYTES = 1000

# Reasons are stored as their Chinese msgid (stable whatever the UI language) and shown translated.
# Why a seller closes an unpaid order (Taobao's list).
ORDER_CLOSE_REASONS: tuple[str, ...] = (N_("买家不想买了"), N_("信息填写错误"), N_("重新拍"), N_("其他"))
REFUND_CLOSE_REASON = N_("退款成功")
# Why a seller refuses a refund; the last one needs a note.
REFUND_REFUSE_REASONS: tuple[str, ...] = (
    N_("买家未按约定退货"), N_("退回商品影响二次销售"), N_("商品已发货，买家未申请退货"),
    N_("退款金额与协商不一致"), N_("已与买家协商一致"), N_("其他"),
)
REFUND_SNAPSHOT_FIELDS = ["order", "line", "kind", "status", "amount", "reason", "buyer_note"]
REFUND_REASON_MAX = 60
REFUND_NOTE_MAX = 200

# Refund statuses in which the order still "has a refund in progress" (退款中) for the seller.
REFUND_OPEN_STATUSES: tuple[str, ...] = (R.AWAITING_SELLER, R.AWAITING_RETURN, R.AWAITING_RECEIPT)
# Money the shop has handed back: only successful refunds count.
REFUND_PAID_STATUSES: tuple[str, ...] = (R.SUCCESS,)

ADDRESS_FIELDS = ["receiver_name", "receiver_phone", "province", "city", "district", "address_detail"]


def waybill_normalize(value: str) -> str:
    """Buyers and sellers paste numbers with spaces and lower case; compare the canonical form."""
    return re.sub(r"\s+", "", value or "").upper()


def waybill_error(carrier: str, waybill_no: str) -> str | None:
    """The message explaining why ``waybill_no`` cannot be a waybill, or None if it can.

    Only what any back office checks: a carrier from the list and 8–20 letters or digits. Never
    whether the number is one of that carrier's (that would give the carrier away). Kept as one
    function so the console form, the storefront (buyer's return shipment) and the services refuse
    exactly the same numbers.
    """
    if carrier not in CARRIERS:
        return _("请选择物流公司")
    number = waybill_normalize(waybill_no)
    if not number:
        return _("请填写运单号")
    if not re.fullmatch(WAYBILL_GENERIC, number):
        return _("运单号应为 8–20 位字母或数字")
    return None


def carrier_name(code: str) -> str:
    """Display name of a carrier code (the code itself if unknown, e.g. from older data)."""
    entry = CARRIERS.get(code)
    return str(entry[0]) if entry else code


def _check_sandbox(sandbox: Sandbox | int | None, obj) -> None:
    """Defence in depth: a service never touches a row of another sandbox than the caller's."""
    if sandbox is None:
        return
    sandbox_id = sandbox if isinstance(sandbox, int) else sandbox.pk
    if obj.sandbox_id != sandbox_id:
        raise ShopError(_("对象不属于当前店铺"))


def _lock_order(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk, sandbox_id=order.sandbox_id)


def _lock_refund(refund: Refund) -> Refund:
    return Refund.objects.select_for_update().get(pk=refund.pk, sandbox_id=refund.sandbox_id)


def order_refunded_total(order: Order) -> Decimal:
    """What the shop has already refunded on ``order`` (successful refunds only)."""
    total = Refund.objects.filter(order_id=order.pk, sandbox_id=order.sandbox_id,
                                  status__in=REFUND_PAID_STATUSES).aggregate(s=Sum("amount"))["s"]
    # SQLite sums decimals as floats (31.8000000000000): back to the column's two places
    return (total or Decimal("0")).quantize(Decimal("0.01"))


def order_refundable(order: Order) -> Decimal:
    """The most a new refund may ask for: what was paid minus what was already handed back."""
    return max(order.pay_amount - order_refunded_total(order), Decimal("0"))


def order_has_open_refund(order: Order) -> bool:
    return Refund.objects.filter(order_id=order.pk, sandbox_id=order.sandbox_id,
                                 status__in=REFUND_OPEN_STATUSES).exists()


# ---------------------------------------------------------------------------------------------
# Seller actions on orders (console)
# ---------------------------------------------------------------------------------------------

def order_ship(*, sandbox: Sandbox, actor: Actor, order: Order, carrier: str, waybill_no: str) -> Order:
    """发货: the seller hands a paid order to a carrier; the waybill must look like one (8–20 letters
    or digits) — which carrier it belongs to is the seller's responsibility."""
    _check_sandbox(sandbox, order)
    error = waybill_error(carrier, waybill_no)
    if error:
        raise ShopError(error)
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.status != S.PAID:
            raise IllegalTransition(_("只有买家已付款、等待发货的订单可以发货（当前：%(status)s）")
                                    % {"status": locked.get_status_display()})
        return order_transition(order=locked, target=S.SHIPPED, actor=actor, action="order.ship",
                                changes={"carrier": carrier, "waybill_no": waybill_normalize(waybill_no)})


def order_waybill_update(*, sandbox: Sandbox, actor: Actor, order: Order, carrier: str,
                         waybill_no: str) -> Order:
    """修改运单号: a mistyped waybill of a shipped order is corrected; the old one stays in the
    journal so an examiner sees both."""
    _check_sandbox(sandbox, order)
    error = waybill_error(carrier, waybill_no)
    if error:
        raise ShopError(error)
    number = waybill_normalize(waybill_no)
    with transaction.atomic():
        sandbox_write_check(order.sandbox_id)
        locked = _lock_order(order)
        if locked.status != S.SHIPPED:
            raise IllegalTransition(_("只有已发货的订单可以修改运单号"))
        if locked.carrier == carrier and locked.waybill_no == number:
            raise ShopError(_("物流公司和运单号没有变化"))
        fields = ["carrier", "waybill_no"]
        before = snapshot(locked, fields)
        locked.carrier, locked.waybill_no = carrier, number
        locked.save(update_fields=fields)
        event_record(sandbox=locked.sandbox_id, actor=actor, action="order.waybill_update", obj=locked,
                     before=before, after=snapshot(locked, fields))
    return locked


def order_address_update(*, sandbox: Sandbox, actor: Actor, order: Order, receiver_name: str,
                         receiver_phone: str, province: str, city: str, district: str,
                         address_detail: str) -> Order:
    """修改收货地址: only before the parcel leaves (awaiting payment or paid)."""
    _check_sandbox(sandbox, order)
    values = {
        "receiver_name": (receiver_name or "").strip(), "receiver_phone": (receiver_phone or "").strip(),
        "province": (province or "").strip(), "city": (city or "").strip(),
        "district": (district or "").strip(), "address_detail": (address_detail or "").strip(),
    }
    if not values["receiver_name"] or not values["city"] or not values["address_detail"]:
        raise ShopError(_("收货人、城市和详细地址不能为空"))
    if not re.fullmatch(MOBILE_PATTERN, values["receiver_phone"]):
        raise ShopError(_("请填写 11 位手机号码（以 13–19 开头）"))
    if values["province"] not in PROVINCES:
        raise ShopError(_("请选择省份"))
    with transaction.atomic():
        sandbox_write_check(order.sandbox_id)
        locked = _lock_order(order)
        if locked.status not in (S.AWAITING_PAYMENT, S.PAID):
            raise IllegalTransition(_("订单已发货或已结束，不能修改收货地址"))
        before = snapshot(locked, ADDRESS_FIELDS)
        if all(before[name] == value for name, value in values.items()):
            raise ShopError(_("收货地址没有变化"))
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=ADDRESS_FIELDS)
        event_record(sandbox=locked.sandbox_id, actor=actor, action="order.address_update", obj=locked,
                     before=before, after=snapshot(locked, ADDRESS_FIELDS))
    return locked


def order_memo_update(*, sandbox: Sandbox, actor: Actor, order: Order, flag: str, seller_memo: str) -> Order:
    """旗帜 + 卖家备注: the seller's private note on an order, in any state."""
    _check_sandbox(sandbox, order)
    if flag not in Order.Flag.values:
        raise ShopError(_("请选择有效的旗帜"))
    seller_memo = (seller_memo or "").strip()
    if byte_length(seller_memo) > MEMO_MAX_BYTES:
        raise ShopError(_("备注最多 %(max)d 字节（汉字算 2 字节）") % {"max": MEMO_MAX_BYTES})
    with transaction.atomic():
        sandbox_write_check(order.sandbox_id)
        locked = _lock_order(order)
        fields = ["flag", "seller_memo"]
        before = snapshot(locked, fields)
        if before == {"flag": flag, "seller_memo": seller_memo}:
            raise ShopError(_("旗帜和备注没有变化"))
        locked.flag, locked.seller_memo = flag, seller_memo
        locked.save(update_fields=fields)
        event_record(sandbox=locked.sandbox_id, actor=actor, action="order.memo", obj=locked,
                     before=before, after=snapshot(locked, fields))
    return locked


def order_close(*, sandbox: Sandbox, actor: Actor, order: Order, reason: str) -> Order:
    """关闭订单: the seller closes an order the buyer has not paid (a paid one is closed only by a
    full refund)."""
    _check_sandbox(sandbox, order)
    if reason not in ORDER_CLOSE_REASONS:
        raise ShopError(_("请选择关闭原因"))
    with transaction.atomic():
        sandbox_write_check(order.sandbox_id)
        locked = _lock_order(order)
        if locked.status != S.AWAITING_PAYMENT:
            raise IllegalTransition(_("只有等待买家付款的订单可以关闭"))
        closed = order_transition(order=locked, target=S.CLOSED, actor=actor, action="order.close",
                                  changes={"close_reason": reason})
        _stock_restore(order=closed, actor=actor)
        return closed


def _stock_restore(*, order: Order, actor: Actor) -> None:
    """Stock is taken when an order is placed (拍下减库存), so closing it unpaid gives it back.
    One ``stock.restore`` event lists what went back where."""
    restored = []
    for line in order.lines.all():
        if line.sku_id:
            Sku.objects.filter(pk=line.sku_id, sandbox_id=order.sandbox_id).update(stock=F("stock") + line.quantity)
        if line.product_id:
            Product.objects.filter(pk=line.product_id, sandbox_id=order.sandbox_id).update(
                stock=F("stock") + line.quantity)
        restored.append({"product": line.product_id, "sku": line.sku_id, "quantity": line.quantity})
    if restored:
        event_record(sandbox=order.sandbox_id, actor=actor, action="stock.restore", obj=order,
                     after={"lines": restored})


# ---------------------------------------------------------------------------------------------
# Buyer actions (storefront)
# ---------------------------------------------------------------------------------------------

def order_pay(*, order: Order, actor: Actor, sandbox: Sandbox | None = None) -> Order:
    """The buyer pays (simulated): awaiting payment -> paid."""
    _check_sandbox(sandbox, order)
    with transaction.atomic():
        sandbox_write_check(order.sandbox_id)
        locked = _lock_order(order)
        if locked.status != S.AWAITING_PAYMENT:
            raise IllegalTransition(_("该订单无需付款（当前：%(status)s）") % {"status": locked.get_status_display()})
        paid = order_transition(order=locked, target=S.PAID, actor=actor, action="order.pay")
        # 已售 counts paid quantities, as a storefront shows them; derived data, so no event.
        for line in paid.lines.all():
            if line.product_id:
                Product.objects.filter(pk=line.product_id, sandbox_id=paid.sandbox_id).update(
                    sales_count=F("sales_count") + line.quantity)
        return paid


def order_confirm_receipt(*, order: Order, actor: Actor, sandbox: Sandbox | None = None) -> Order:
    """确认收货: the buyer accepts the parcel, the trade succeeds. Refused while a refund is still
    being handled, so money is not released under a dispute."""
    _check_sandbox(sandbox, order)
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.status != S.SHIPPED:
            raise IllegalTransition(_("只有卖家已发货的订单可以确认收货（当前：%(status)s）")
                                    % {"status": locked.get_status_display()})
        if order_has_open_refund(locked):
            raise ShopError(_("该订单有退款正在处理，暂不能确认收货"))
        return order_transition(order=locked, target=S.FINISHED, actor=actor,
                                action="order.confirm_receipt")


def refund_request(*, order: Order, actor: Actor, kind: str, amount: Decimal, reason: str,
                   buyer_note: str = "", line: OrderLine | None = None,
                   sandbox: Sandbox | None = None) -> Refund:
    """申请退款: the buyer asks for money back on a paid or shipped order.

    仅退款 is possible before and after shipment, 退货退款 only once there is something to return.
    One refund at a time per order, and never more than what was paid minus what was refunded.
    """
    _check_sandbox(sandbox, order)
    if kind not in Refund.Kind.values:
        raise ShopError(_("请选择退款类型"))
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ShopError(_("退款金额无效")) from None
    if not amount.is_finite() or amount <= 0:
        raise ShopError(_("退款金额必须大于 0"))
    reason = (reason or "").strip()
    buyer_note = (buyer_note or "").strip()
    if not reason:
        raise ShopError(_("请选择退款原因"))
    if len(reason) > REFUND_REASON_MAX:
        raise ShopError(_("退款原因最多 %(max)d 个字") % {"max": REFUND_REASON_MAX})
    if len(buyer_note) > REFUND_NOTE_MAX:
        raise ShopError(_("退款说明最多 %(max)d 个字") % {"max": REFUND_NOTE_MAX})
    if line is not None and (line.order_id != order.pk or line.sandbox_id != order.sandbox_id):
        raise ShopError(_("退款商品不属于该订单"))
    with transaction.atomic():
        sandbox_write_check(order.sandbox_id)
        locked = _lock_order(order)
        if locked.status not in (S.PAID, S.SHIPPED):
            raise IllegalTransition(_("只有已付款或已发货的订单可以申请退款"))
        if kind == Refund.Kind.RETURN_REFUND and locked.status != S.SHIPPED:
            raise IllegalTransition(_("订单尚未发货，请申请仅退款"))
        if order_has_open_refund(locked):
            raise ShopError(_("该订单已有退款正在处理"))
        refundable = order_refundable(locked)
        if amount > refundable:
            raise ShopError(_("退款金额不能超过可退金额 ¥%(max)s") % {"max": refundable})
        refund = Refund.objects.create(
            sandbox_id=locked.sandbox_id, order=locked, line=line, kind=kind, amount=amount,
            reason=reason, buyer_note=buyer_note, created_at=timezone.now(),
        )
        event_record(sandbox=locked.sandbox_id, actor=actor, action="refund.request", obj=refund,
                     before=None, after=snapshot(refund, REFUND_SNAPSHOT_FIELDS))
    return refund


def refund_return_ship(*, refund: Refund, actor: Actor, carrier: str, waybill_no: str,
                       sandbox: Sandbox | None = None) -> Refund:
    """The buyer sends the goods back and tells the seller the waybill: awaiting return -> receipt."""
    _check_sandbox(sandbox, refund)
    error = waybill_error(carrier, waybill_no)
    if error:
        raise ShopError(error)
    return refund_transition(refund=refund, target=R.AWAITING_RECEIPT, actor=actor,
                             action="refund.return_ship",
                             changes={"return_carrier": carrier, "return_waybill_no": waybill_normalize(waybill_no)})



# ---------------------------------------------------------------------------------------------
# Seller actions on refunds (console)
# ---------------------------------------------------------------------------------------------

def _refund_pay_out(*, refund: Refund, actor: Actor, action: str) -> Refund:
    """Move a refund to success and, if the order is now refunded in full, close the order
    (reason 退款成功) in the same transaction: two events, refund first, then order."""
    done = refund_transition(refund=refund, target=R.SUCCESS, actor=actor, action=action)
    order = _lock_order(done.order)
    if order.status in (S.PAID, S.SHIPPED) and order_refunded_total(order) >= order.pay_amount:
        order_transition(order=order, target=S.CLOSED, actor=actor, action="order.close",
                         changes={"close_reason": REFUND_CLOSE_REASON})
    return done


def refund_agree(*, sandbox: Sandbox, actor: Actor, refund: Refund) -> Refund:
    """同意退款 on a 仅退款 request: the money goes back at once."""
    _check_sandbox(sandbox, refund)
    with transaction.atomic():
        locked = _lock_refund(refund)
        if locked.kind != Refund.Kind.REFUND_ONLY:
            raise IllegalTransition(_("退货退款需先同意退货，收到退货后再退款"))
        if locked.status != R.AWAITING_SELLER:
            raise IllegalTransition(_("只有等待卖家处理的退款可以同意"))
        return _refund_pay_out(refund=locked, actor=actor, action="refund.agree")


def refund_agree_return(*, sandbox: Sandbox, actor: Actor, refund: Refund, return_address: str) -> Refund:
    """同意退货: the buyer is told where to send the goods (the address goes into seller_note)."""
    _check_sandbox(sandbox, refund)
    return_address = (return_address or "").strip()
    if not return_address:
        raise ShopError(_("请填写退货地址"))
    if len(return_address) > REFUND_NOTE_MAX:
        raise ShopError(_("退货地址最多 %(max)d 个字") % {"max": REFUND_NOTE_MAX})
    with transaction.atomic():
        locked = _lock_refund(refund)
        if locked.kind != Refund.Kind.RETURN_REFUND:
            raise IllegalTransition(_("仅退款申请无需退货"))
        if locked.status != R.AWAITING_SELLER:
            raise IllegalTransition(_("只有等待卖家处理的退款可以同意退货"))
        return refund_transition(refund=locked, target=R.AWAITING_RETURN, actor=actor,
                                 action="refund.agree_return", changes={"seller_note": return_address})


def refund_confirm_receipt(*, sandbox: Sandbox, actor: Actor, refund: Refund) -> Refund:
    """确认收货并退款: the returned goods arrived; the money goes back."""
    _check_sandbox(sandbox, refund)
    with transaction.atomic():
        locked = _lock_refund(refund)
        if locked.status != R.AWAITING_RECEIPT:
            raise IllegalTransition(_("只有买家已退货的退款可以确认收货"))
        return _refund_pay_out(refund=locked, actor=actor, action="refund.confirm_receipt")


def refund_refuse(*, sandbox: Sandbox, actor: Actor, refund: Refund, reason: str, note: str = "") -> Refund:
    """拒绝退款: allowed while the seller has the ball (a new request or a returned parcel);
    the reason comes from a fixed list so reports can count them."""
    _check_sandbox(sandbox, refund)
    reason = (reason or "").strip()
    note = (note or "").strip()
    if reason not in REFUND_REFUSE_REASONS:
        raise ShopError(_("请选择拒绝原因"))
    if reason == REFUND_REFUSE_REASONS[-1] and not note:
        raise ShopError(_("选择“其他”时请填写拒绝说明"))
    seller_note = f"{reason}：{note}" if note else reason
    if len(seller_note) > REFUND_NOTE_MAX:
        raise ShopError(_("拒绝说明过长"))
    with transaction.atomic():
        locked = _lock_refund(refund)
        if locked.status not in (R.AWAITING_SELLER, R.AWAITING_RECEIPT):
            raise IllegalTransition(_("该退款当前状态不能拒绝"))
        return refund_transition(refund=locked, target=R.REFUSED, actor=actor, action="refund.refuse",
                                 changes={"seller_note": seller_note})
