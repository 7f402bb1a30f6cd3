"""Order and refund services: every pipeline move, legal and illegal, and what must not happen."""

from decimal import Decimal

import pytest

from shop_sim.models import Order, Refund, ShopEvent
from shop_sim.services import orders as svc
from shop_sim.services.base import Actor, IllegalTransition, ShopError
from tests.unit.test_orders_factories import make_order, make_refund

S, R, K = Order.Status, Refund.Status, Refund.Kind


@pytest.fixture
def seller(candidate):
    return Actor.merchant(candidate)


def events(sandbox, action=None):
    qs = ShopEvent.objects.for_sandbox(sandbox)
    return qs.filter(action=action) if action else qs


def frozen(order):
    """The fields an illegal move must leave untouched."""
    order.refresh_from_db()
    return (order.status, order.carrier, order.waybill_no, order.close_reason, order.paid_at, order.shipped_at,
            order.finished_at, order.closed_at, order.flag, order.seller_memo, order.receiver_phone)


# --- buyer: pay and confirm -----------------------------------------------------------------

def test_pay_moves_awaiting_payment_to_paid_with_one_event(sandbox):
    order = make_order(sandbox, status=S.AWAITING_PAYMENT)
    buyer = Actor.buyer(order.customer)
    paid = svc.order_pay(order=order, actor=buyer)
    assert paid.status == S.PAID and paid.paid_at is not None
    (event,) = events(sandbox)
    assert event.action == "order.pay" and event.actor == f"buyer:{order.customer.nickname}"
    assert event.before["status"] == S.AWAITING_PAYMENT and event.after["status"] == S.PAID
    assert event.object_type == "order" and event.object_id == order.pk


@pytest.mark.parametrize("status", [S.PAID, S.SHIPPED, S.FINISHED, S.CLOSED])
def test_pay_refused_unless_awaiting_payment(sandbox, status):
    order = make_order(sandbox, status=status)
    before = frozen(order)
    with pytest.raises(IllegalTransition):
        svc.order_pay(order=order, actor=Actor.buyer(order.customer))
    assert frozen(order) == before
    assert not events(sandbox).exists()


def test_confirm_receipt_finishes_a_shipped_order(sandbox):
    order = make_order(sandbox, status=S.SHIPPED)
    done = svc.order_confirm_receipt(order=order, actor=Actor.buyer(order.customer))
    assert done.status == S.FINISHED and done.finished_at is not None
    assert list(events(sandbox).values_list("action", flat=True)) == ["order.confirm_receipt"]


@pytest.mark.parametrize("status", [S.AWAITING_PAYMENT, S.PAID, S.FINISHED, S.CLOSED])
def test_confirm_receipt_refused_unless_shipped(sandbox, status):
    order = make_order(sandbox, status=status)
    before = frozen(order)
    with pytest.raises(IllegalTransition):
        svc.order_confirm_receipt(order=order, actor=Actor.buyer(order.customer))
    assert frozen(order) == before and not events(sandbox).exists()


def test_confirm_receipt_refused_while_a_refund_is_open(sandbox):
    order = make_order(sandbox, status=S.SHIPPED)
    make_refund(order, amount="5.00")
    with pytest.raises(ShopError, match="退款正在处理"):
        svc.order_confirm_receipt(order=order, actor=Actor.buyer(order.customer))
    order.refresh_from_db()
    assert order.status == S.SHIPPED and not events(sandbox).exists()


# --- seller: ship, waybill ------------------------------------------------------------------

def test_ship_moves_paid_to_shipped_and_normalises_the_waybill(sandbox, seller):
    order = make_order(sandbox, status=S.PAID)
    shipped = svc.order_ship(sandbox=sandbox, actor=seller, order=order, carrier="SF", waybill_no="sf 1234 5678 90123")
    assert shipped.status == S.SHIPPED and shipped.shipped_at is not None
    assert (shipped.carrier, shipped.waybill_no) == ("SF", "SF1234567890123")
    (event,) = events(sandbox)
    assert event.action == "order.ship" and event.actor == "merchant:cand_a"
    assert event.before == {"status": "paid", "carrier": "", "waybill_no": "", "shipped_at": None}
    assert event.after["waybill_no"] == "SF1234567890123" and event.after["status"] == "shipped"


def test_ship_an_unpaid_order_raises_and_writes_nothing(sandbox, seller):
    order = make_order(sandbox, status=S.AWAITING_PAYMENT)
    before = frozen(order)
    with pytest.raises(IllegalTransition):
        svc.order_ship(sandbox=sandbox, actor=seller, order=order, carrier="ZTO", waybill_no="73100000000001")
    assert frozen(order) == before and not events(sandbox).exists()


def test_ship_twice_raises_and_the_second_attempt_writes_no_event(sandbox, seller):
    order = make_order(sandbox, status=S.PAID)
    svc.order_ship(sandbox=sandbox, actor=seller, order=order, carrier="ZTO", waybill_no="73100000000001")
    before = frozen(order)
    with pytest.raises(IllegalTransition):
        svc.order_ship(sandbox=sandbox, actor=seller, order=order, carrier="YTO", waybill_no="YT6012345678901")
    assert frozen(order) == before
    assert events(sandbox).count() == 1


@pytest.mark.parametrize("carrier,waybill", [
    ("SF", "SF123456789012"), ("SF", "SF1234567890123"), ("ZTO", "731234567890"), ("ZTO", "75123456789012"),
    ("YTO", "YT6012345678901"), ("YUNDA", "4312345678901"), ("YUNDA", "431234567890123"),
    ("STO", "773123456789"), ("JD", "JDVA12345678901"), ("JD", "JD0012345678901"), ("EMS", "EA123456789CN"),
    ("EMS", "1123456789012"), ("JTSEXPRESS", "JT3012345678901"), ("SF", " sf1234567890123 "),
])
def test_waybill_formats_accepted(carrier, waybill):
    assert svc.waybill_error(carrier, waybill) is None


@pytest.mark.parametrize("carrier,waybill", [
    ("SF", "1234567890123"), ("ZTO", "631234567890"), ("YTO", "6012345678901"), ("JD", "SF1234567890123"),
    ("STO", "ABC123456789"), ("EMS", "E123456789CN"),
])
def test_another_carriers_number_is_not_refused(carrier, waybill):
    """Which carrier a number belongs to is the seller's call; refusing it would give the carrier away."""
    assert svc.waybill_error(carrier, waybill) is None


@pytest.mark.parametrize("carrier,waybill", [
    ("SF", "SF12345"),              # too short
    ("ZTO", "7312345"),             # 7 digits
    ("JTSEXPRESS", "JT3012"),       # too short
    ("STO", "我的单号123456"),       # not letters and digits
    ("SF", "SF-1234567890123"),     # punctuation
    ("SF", "SF12345678901234567890"),  # over 20 characters
    ("SF", ""),
    ("UNKNOWN", "SF1234567890123"),  # carrier not on the list
])
def test_waybill_formats_refused(carrier, waybill):
    assert svc.waybill_error(carrier, waybill)


def test_ship_with_a_bad_waybill_raises_and_writes_nothing(sandbox, seller):
    order = make_order(sandbox, status=S.PAID)
    with pytest.raises(ShopError, match="运单号"):
        svc.order_ship(sandbox=sandbox, actor=seller, order=order, carrier="SF", waybill_no="12345")
    order.refresh_from_db()
    assert order.status == S.PAID and order.waybill_no == "" and not events(sandbox).exists()


def test_waybill_update_on_a_shipped_order(sandbox, seller):
    order = make_order(sandbox, status=S.SHIPPED)
    updated = svc.order_waybill_update(sandbox=sandbox, actor=seller, order=order, carrier="JD",
                                       waybill_no="JDVA12345678901")
    assert (updated.status, updated.carrier, updated.waybill_no) == (S.SHIPPED, "JD", "JDVA12345678901")
    (event,) = events(sandbox)
    assert event.action == "order.waybill_update"
    assert event.before == {"carrier": "SF", "waybill_no": "SF1234567890123"}
    assert event.after == {"carrier": "JD", "waybill_no": "JDVA12345678901"}


@pytest.mark.parametrize("status", [S.PAID, S.AWAITING_PAYMENT, S.FINISHED, S.CLOSED])
def test_waybill_update_refused_unless_shipped(sandbox, seller, status):
    order = make_order(sandbox, status=status)
    before = frozen(order)
    with pytest.raises(IllegalTransition):
        svc.order_waybill_update(sandbox=sandbox, actor=seller, order=order, carrier="JD", waybill_no="JDVA12345678901")
    assert frozen(order) == before and not events(sandbox).exists()


def test_waybill_update_without_change_is_refused(sandbox, seller):
    order = make_order(sandbox, status=S.SHIPPED)
    with pytest.raises(ShopError, match="没有变化"):
        svc.order_waybill_update(sandbox=sandbox, actor=seller, order=order, carrier="SF", waybill_no="SF1234567890123")
    assert not events(sandbox).exists()


# --- seller: address, memo, close -----------------------------------------------------------

NEW_ADDRESS = dict(receiver_name="李雷", receiver_phone="15912345678", province="广东省", city="深圳市",
                   district="南山区", address_detail="科技园 1 栋 101")


@pytest.mark.parametrize("status", [S.AWAITING_PAYMENT, S.PAID])
def test_address_update_before_shipment(sandbox, seller, status):
    order = make_order(sandbox, status=status)
    updated = svc.order_address_update(sandbox=sandbox, actor=seller, order=order, **NEW_ADDRESS)
    assert updated.full_address == "广东省深圳市南山区科技园 1 栋 101" and updated.status == status
    (event,) = events(sandbox)
    assert event.action == "order.address_update"
    assert event.before["receiver_phone"] == "13800138000" and event.after["receiver_phone"] == "15912345678"
    assert event.before["province"] == "浙江省" and event.after["province"] == "广东省"


@pytest.mark.parametrize("status", [S.SHIPPED, S.FINISHED, S.CLOSED])
def test_address_update_refused_after_shipment(sandbox, seller, status):
    order = make_order(sandbox, status=status)
    with pytest.raises(IllegalTransition):
        svc.order_address_update(sandbox=sandbox, actor=seller, order=order, **NEW_ADDRESS)
    order.refresh_from_db()
    assert order.province == "浙江省" and not events(sandbox).exists()


@pytest.mark.parametrize("bad", [
    {"receiver_phone": "12345678901"}, {"receiver_phone": "1381234567"}, {"receiver_phone": "0571-8888888"},
    {"province": "香港特别行政区"}, {"province": "浙江"}, {"receiver_name": " "}, {"address_detail": ""},
])
def test_address_update_refuses_bad_values(sandbox, seller, bad):
    order = make_order(sandbox, status=S.PAID)
    with pytest.raises(ShopError):
        svc.order_address_update(sandbox=sandbox, actor=seller, order=order, **{**NEW_ADDRESS, **bad})
    order.refresh_from_db()
    assert order.receiver_phone == "13800138000" and order.province == "浙江省"
    assert not events(sandbox).exists()


def test_provinces_are_the_31_mainland_divisions():
    assert len(svc.PROVINCES) == len(set(svc.PROVINCES)) == 31
    assert "内蒙古自治区" in svc.PROVINCES and "台湾省" not in svc.PROVINCES


def test_memo_and_flag_in_any_state(sandbox, seller):
    order = make_order(sandbox, status=S.FINISHED)
    updated = svc.order_memo_update(sandbox=sandbox, actor=seller, order=order, flag="red", seller_memo="客户要求周末送达")
    assert (updated.flag, updated.seller_memo) == ("red", "客户要求周末送达")
    (event,) = events(sandbox)
    assert event.action == "order.memo"
    assert event.before == {"flag": "", "seller_memo": ""}
    assert event.after == {"flag": "red", "seller_memo": "客户要求周末送达"}


def test_memo_limit_counts_chinese_as_two_bytes(sandbox, seller):
    order = make_order(sandbox)
    svc.order_memo_update(sandbox=sandbox, actor=seller, order=order, flag="", seller_memo="备" * 500)  # 1000 bytes
    with pytest.raises(ShopError, match="1000"):
        svc.order_memo_update(sandbox=sandbox, actor=seller, order=order, flag="", seller_memo="注" * 501)
    order.refresh_from_db()
    assert order.seller_memo == "备" * 500 and events(sandbox).count() == 1


def test_memo_refuses_unknown_flag_and_no_change(sandbox, seller):
    order = make_order(sandbox)
    with pytest.raises(ShopError):
        svc.order_memo_update(sandbox=sandbox, actor=seller, order=order, flag="purple", seller_memo="x")
    with pytest.raises(ShopError, match="没有变化"):
        svc.order_memo_update(sandbox=sandbox, actor=seller, order=order, flag="", seller_memo="")
    order.refresh_from_db()
    assert (order.flag, order.seller_memo) == ("", "") and not events(sandbox).exists()


def test_close_an_unpaid_order_with_a_reason(sandbox, seller):
    order = make_order(sandbox, status=S.AWAITING_PAYMENT)
    closed = svc.order_close(sandbox=sandbox, actor=seller, order=order, reason="信息填写错误")
    assert closed.status == S.CLOSED and closed.close_reason == "信息填写错误" and closed.closed_at
    event, restock = events(sandbox)
    assert event.action == "order.close" and event.after["close_reason"] == "信息填写错误"
    assert restock.action == "stock.restore" and restock.object_id == order.pk


@pytest.mark.parametrize("status", [S.PAID, S.SHIPPED, S.FINISHED, S.CLOSED])
def test_close_refused_unless_awaiting_payment(sandbox, seller, status):
    order = make_order(sandbox, status=status)
    before = frozen(order)
    with pytest.raises(IllegalTransition):
        svc.order_close(sandbox=sandbox, actor=seller, order=order, reason="其他")
    assert frozen(order) == before and not events(sandbox).exists()


def test_close_refuses_a_reason_off_the_list(sandbox, seller):
    order = make_order(sandbox, status=S.AWAITING_PAYMENT)
    with pytest.raises(ShopError, match="关闭原因"):
        svc.order_close(sandbox=sandbox, actor=seller, order=order, reason="看他不顺眼")
    order.refresh_from_db()
    assert order.status == S.AWAITING_PAYMENT and not events(sandbox).exists()


def test_services_refuse_another_sandboxs_order(sandbox, seller, make_sandbox):
    other = make_sandbox(name="别人的店")
    order = make_order(other, status=S.PAID)
    with pytest.raises(ShopError):
        svc.order_ship(sandbox=sandbox, actor=seller, order=order, carrier="SF", waybill_no="SF1234567890123")
    with pytest.raises(ShopError):
        svc.order_memo_update(sandbox=sandbox, actor=seller, order=order, flag="red", seller_memo="")
    order.refresh_from_db()
    assert order.status == S.PAID and order.flag == ""
    assert not ShopEvent.objects.exists()


# --- refunds: the buyer's request -----------------------------------------------------------

def request(order, **kw):
    args = dict(kind=K.REFUND_ONLY, amount=Decimal("20.00"), reason="不想要了")
    args.update(kw)
    return svc.refund_request(order=order, actor=Actor.buyer(order.customer), **args)


def test_refund_request_on_a_paid_order(sandbox):
    order = make_order(sandbox, status=S.PAID)  # pays 128.00
    refund = request(order, amount="128", buyer_note="拍错了")
    assert (refund.status, refund.kind, refund.amount) == (R.AWAITING_SELLER, K.REFUND_ONLY, Decimal("128.00"))
    (event,) = events(sandbox)
    assert event.action == "refund.request" and event.object_type == "refund" and event.before is None
    assert event.after["amount"] == "128.00" and event.after["order"] == order.pk


def test_refund_request_for_one_line(sandbox):
    order = make_order(sandbox, lines=(("T恤", "白 M", "59.00", 1), ("袜子", "", "9.90", 2)))
    line = order.lines.get(title="袜子")
    refund = request(order, amount="19.80", line=line)
    assert refund.line == line


def test_return_refund_only_once_shipped(sandbox):
    paid = make_order(sandbox, status=S.PAID)
    with pytest.raises(IllegalTransition, match="仅退款"):
        request(paid, kind=K.RETURN_REFUND)
    shipped = make_order(sandbox, status=S.SHIPPED)
    assert request(shipped, kind=K.RETURN_REFUND).kind == K.RETURN_REFUND
    assert request(make_order(sandbox, status=S.SHIPPED)).kind == K.REFUND_ONLY
    assert Refund.objects.count() == 2 and events(sandbox).count() == 2


@pytest.mark.parametrize("status", [S.AWAITING_PAYMENT, S.FINISHED, S.CLOSED])
def test_refund_request_refused_on_unpaid_or_ended_orders(sandbox, status):
    order = make_order(sandbox, status=status)
    with pytest.raises(IllegalTransition):
        request(order)
    assert not Refund.objects.exists() and not events(sandbox).exists()


@pytest.mark.parametrize("amount", ["0", "-1", "128.01", "1000", "abc", "NaN"])
def test_refund_request_amount_must_be_positive_and_within_pay_amount(sandbox, amount):
    order = make_order(sandbox, status=S.PAID)  # 128.00
    with pytest.raises(ShopError):
        request(order, amount=amount)
    assert not Refund.objects.exists() and not events(sandbox).exists()


def test_refund_request_refuses_bad_kind_reason_note_and_foreign_line(sandbox):
    order = make_order(sandbox, status=S.SHIPPED)
    other_line = make_order(sandbox).lines.first()
    for kw in ({"kind": "steal"}, {"reason": ""}, {"reason": "因" * 61}, {"buyer_note": "说" * 201},
               {"line": other_line}):
        with pytest.raises(ShopError):
            request(order, **kw)
    assert not Refund.objects.exists() and not events(sandbox).exists()


def test_only_one_open_refund_per_order(sandbox):
    order = make_order(sandbox, status=S.SHIPPED)
    request(order, amount="10")
    with pytest.raises(ShopError, match="已有退款"):
        request(order, amount="10")
    assert Refund.objects.count() == 1 and events(sandbox).count() == 1


def test_refundable_shrinks_with_successful_refunds(sandbox, seller):
    order = make_order(sandbox, status=S.SHIPPED)  # 128.00
    first = request(order, amount="100")
    svc.refund_agree(sandbox=sandbox, actor=seller, refund=first)
    with pytest.raises(ShopError, match="28.00"):
        request(order, amount="28.01")
    assert request(order, amount="28.00").amount == Decimal("28.00")


def test_a_refused_refund_no_longer_blocks_a_new_request(sandbox, seller):
    order = make_order(sandbox, status=S.PAID)
    first = request(order)
    svc.refund_refuse(sandbox=sandbox, actor=seller, refund=first, reason="已与买家协商一致")
    assert request(order).status == R.AWAITING_SELLER


# --- refunds: the seller's answers ----------------------------------------------------------

def test_agree_partial_refund_keeps_the_order_paid(sandbox, seller):
    order = make_order(sandbox, status=S.PAID)
    refund = make_refund(order, amount="28.00")
    done = svc.refund_agree(sandbox=sandbox, actor=seller, refund=refund)
    assert done.status == R.SUCCESS
    order.refresh_from_db()
    assert order.status == S.PAID and order.close_reason == ""
    assert list(events(sandbox).values_list("action", flat=True)) == ["refund.agree"]


def test_agree_full_refund_on_a_paid_order_closes_it_with_two_events(sandbox, seller):
    order = make_order(sandbox, status=S.PAID)
    refund = make_refund(order)  # the whole 128.00
    svc.refund_agree(sandbox=sandbox, actor=seller, refund=refund)
    order.refresh_from_db()
    assert order.status == S.CLOSED and order.close_reason == "退款成功" and order.closed_at
    rows = list(events(sandbox).order_by("id"))
    assert [e.action for e in rows] == ["refund.agree", "order.close"]
    assert rows[0].object_id == refund.pk and rows[1].object_id == order.pk
    assert rows[1].before["status"] == S.PAID and rows[1].after == {
        "status": S.CLOSED, "close_reason": "退款成功", "closed_at": rows[1].after["closed_at"]}


def test_refunds_adding_up_to_the_pay_amount_close_the_order(sandbox, seller):
    order = make_order(sandbox, status=S.PAID)  # 128.00
    svc.refund_agree(sandbox=sandbox, actor=seller, refund=make_refund(order, amount="100.00"))
    order.refresh_from_db()
    assert order.status == S.PAID
    svc.refund_agree(sandbox=sandbox, actor=seller, refund=make_refund(order, amount="28.00"))
    order.refresh_from_db()
    assert order.status == S.CLOSED and order.close_reason == "退款成功"


def test_agree_refund_only_on_a_shipped_order_keeps_it_shipped_unless_full(sandbox, seller):
    order = make_order(sandbox, status=S.SHIPPED)
    svc.refund_agree(sandbox=sandbox, actor=seller, refund=make_refund(order, amount="10.00"))
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    svc.refund_agree(sandbox=sandbox, actor=seller, refund=make_refund(order, amount="118.00"))
    order.refresh_from_db()
    assert order.status == S.CLOSED


def test_agree_twice_raises_and_writes_nothing_more(sandbox, seller):
    order = make_order(sandbox, status=S.PAID)
    refund = make_refund(order, amount="10")
    svc.refund_agree(sandbox=sandbox, actor=seller, refund=refund)
    with pytest.raises(IllegalTransition):
        svc.refund_agree(sandbox=sandbox, actor=seller, refund=refund)
    assert events(sandbox).count() == 1


def test_agree_is_not_for_return_refunds(sandbox, seller):
    order = make_order(sandbox, status=S.SHIPPED)
    refund = make_refund(order, kind=K.RETURN_REFUND)
    with pytest.raises(IllegalTransition, match="同意退货"):
        svc.refund_agree(sandbox=sandbox, actor=seller, refund=refund)
    refund.refresh_from_db()
    assert refund.status == R.AWAITING_SELLER and not events(sandbox).exists()


def test_full_return_refund_flow_closes_the_shipped_order(sandbox, seller):
    order = make_order(sandbox, status=S.SHIPPED)
    refund = request(order, kind=K.RETURN_REFUND, amount="128.00")
    refund = svc.refund_agree_return(sandbox=sandbox, actor=seller, refund=refund,
                                     return_address="杭州市余杭区仓前街道 1 号 张三 13900000000")
    assert refund.status == R.AWAITING_RETURN and refund.seller_note.startswith("杭州市")
    buyer = Actor.buyer(order.customer)
    with pytest.raises(ShopError):
        svc.refund_return_ship(refund=refund, actor=buyer, carrier="YTO", waybill_no="123")
    refund = svc.refund_return_ship(refund=refund, actor=buyer, carrier="YTO", waybill_no="yt6012345678901")
    assert refund.status == R.AWAITING_RECEIPT and refund.return_waybill_no == "YT6012345678901"
    refund = svc.refund_confirm_receipt(sandbox=sandbox, actor=seller, refund=refund)
    assert refund.status == R.SUCCESS
    order.refresh_from_db()
    assert order.status == S.CLOSED and order.close_reason == "退款成功"
    assert list(events(sandbox).order_by("id").values_list("action", flat=True)) == [
        "refund.request", "refund.agree_return", "refund.return_ship", "refund.confirm_receipt", "order.close"]


def test_partial_return_refund_keeps_the_order_shipped(sandbox, seller):
    order = make_order(sandbox, status=S.SHIPPED)
    refund = make_refund(order, kind=K.RETURN_REFUND, status=R.AWAITING_RECEIPT, amount="59.00")
    svc.refund_confirm_receipt(sandbox=sandbox, actor=seller, refund=refund)
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert list(events(sandbox).values_list("action", flat=True)) == ["refund.confirm_receipt"]


def test_agree_return_needs_an_address_and_a_return_refund(sandbox, seller):
    order = make_order(sandbox, status=S.SHIPPED)
    ret = make_refund(order, kind=K.RETURN_REFUND)
    with pytest.raises(ShopError, match="退货地址"):
        svc.refund_agree_return(sandbox=sandbox, actor=seller, refund=ret, return_address="  ")
    with pytest.raises(ShopError):
        svc.refund_agree_return(sandbox=sandbox, actor=seller, refund=ret, return_address="址" * 201)
    only = make_refund(make_order(sandbox, status=S.SHIPPED))
    with pytest.raises(IllegalTransition):
        svc.refund_agree_return(sandbox=sandbox, actor=seller, refund=only, return_address="杭州")
    ret.refresh_from_db()
    assert ret.status == R.AWAITING_SELLER and ret.seller_note == "" and not events(sandbox).exists()


@pytest.mark.parametrize("status", [R.AWAITING_SELLER, R.AWAITING_RETURN, R.SUCCESS, R.REFUSED, R.CLOSED])
def test_confirm_receipt_only_after_the_buyer_returned(sandbox, seller, status):
    refund = make_refund(make_order(sandbox, status=S.SHIPPED), kind=K.RETURN_REFUND, status=status)
    with pytest.raises(IllegalTransition):
        svc.refund_confirm_receipt(sandbox=sandbox, actor=seller, refund=refund)
    refund.refresh_from_db()
    assert refund.status == status and not events(sandbox).exists()


def test_return_ship_only_when_awaiting_return(sandbox):
    order = make_order(sandbox, status=S.SHIPPED)
    refund = make_refund(order, kind=K.RETURN_REFUND)
    with pytest.raises(IllegalTransition):
        svc.refund_return_ship(refund=refund, actor=Actor.buyer(order.customer), carrier="SF",
                               waybill_no="SF1234567890123")
    refund.refresh_from_db()
    assert refund.status == R.AWAITING_SELLER and refund.return_waybill_no == ""
    assert not events(sandbox).exists()


@pytest.mark.parametrize("status", [R.AWAITING_SELLER, R.AWAITING_RECEIPT])
def test_refuse_with_a_reason(sandbox, seller, status):
    refund = make_refund(make_order(sandbox, status=S.SHIPPED), kind=K.RETURN_REFUND, status=status)
    done = svc.refund_refuse(sandbox=sandbox, actor=seller, refund=refund, reason="退回商品影响二次销售",
                             note="吊牌已剪")
    assert done.status == R.REFUSED and done.seller_note == "退回商品影响二次销售：吊牌已剪"
    (event,) = events(sandbox)
    assert event.action == "refund.refuse" and event.after["seller_note"] == done.seller_note


def test_refuse_needs_a_listed_reason_and_a_note_for_other(sandbox, seller):
    refund = make_refund(make_order(sandbox, status=S.PAID))
    with pytest.raises(ShopError, match="拒绝原因"):
        svc.refund_refuse(sandbox=sandbox, actor=seller, refund=refund, reason="")
    with pytest.raises(ShopError, match="拒绝原因"):
        svc.refund_refuse(sandbox=sandbox, actor=seller, refund=refund, reason="我就是不退")
    with pytest.raises(ShopError, match="其他"):
        svc.refund_refuse(sandbox=sandbox, actor=seller, refund=refund, reason="其他", note=" ")
    refund.refresh_from_db()
    assert refund.status == R.AWAITING_SELLER and not events(sandbox).exists()


@pytest.mark.parametrize("status", [R.AWAITING_RETURN, R.SUCCESS, R.REFUSED, R.CLOSED])
def test_refuse_refused_in_other_states(sandbox, seller, status):
    refund = make_refund(make_order(sandbox, status=S.SHIPPED), kind=K.RETURN_REFUND, status=status)
    with pytest.raises(IllegalTransition):
        svc.refund_refuse(sandbox=sandbox, actor=seller, refund=refund, reason="其他", note="不同意")
    refund.refresh_from_db()
    assert refund.status == status and not events(sandbox).exists()


def test_refund_services_refuse_another_sandboxs_refund(sandbox, seller, make_sandbox):
    other = make_sandbox(name="别人的店")
    refund = make_refund(make_order(other, status=S.PAID))
    with pytest.raises(ShopError):
        svc.refund_agree(sandbox=sandbox, actor=seller, refund=refund)
    refund.refresh_from_db()
    assert refund.status == R.AWAITING_SELLER and not ShopEvent.objects.exists()


def test_pipelines_are_unchanged():
    """The storefront and the simulator rely on these declared moves."""
    assert svc.ORDER_PIPELINE[S.PAID] == {S.SHIPPED, S.CLOSED}
    assert svc.REFUND_PIPELINE[R.AWAITING_RECEIPT] == {R.SUCCESS, R.REFUSED}


def test_closing_an_unpaid_order_gives_its_stock_back(sandbox, candidate):
    from shop_sim.models import Customer, Order, Product, ShopEvent, Sku
    from shop_sim.services.base import Actor
    from shop_sim.services.checkout import Address, LineRequest, order_place
    from shop_sim.services.orders import order_close, order_pay

    product = Product.objects.create(sandbox=sandbox, title="测试商品", price="10.00", stock=5, status="on_sale")
    sku = Sku.objects.create(sandbox=sandbox, product=product, spec_values={"颜色": "红"}, spec_label="红", price="10.00", stock=5)
    buyer = Customer.objects.create(sandbox=sandbox, nickname="买家甲")
    address = Address(receiver_name="张三", receiver_phone="13800138000", province="浙江省", city="杭州市",
                      district="西湖区", address_detail="文三路1号")
    order = order_place(sandbox=sandbox, customer=buyer, lines=[LineRequest(product_id=product.pk, sku_id=sku.pk, quantity=2)],
                        address=address)
    sku.refresh_from_db()
    assert sku.stock == 3
    order_close(sandbox=sandbox, actor=Actor.merchant(candidate), order=order, reason="买家不想买了")
    sku.refresh_from_db()
    product.refresh_from_db()
    assert sku.stock == 5 and product.stock == 5
    assert ShopEvent.objects.for_sandbox(sandbox).filter(action="stock.restore", object_id=order.pk).count() == 1

    second = order_place(sandbox=sandbox, customer=buyer, lines=[LineRequest(product_id=product.pk, sku_id=sku.pk, quantity=1)],
                         address=address)
    order_pay(order=second, actor=Actor.buyer(buyer), sandbox=sandbox)
    product.refresh_from_db()
    sku.refresh_from_db()
    assert product.sales_count == 1 and sku.stock == 4  # paying sells, it does not take stock twice
    assert Order.objects.get(pk=second.pk).status == "paid"
