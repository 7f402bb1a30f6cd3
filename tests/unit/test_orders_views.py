"""Views of 已卖出的宝贝 and 退款管理: filters, pagination, query count, seller actions, isolation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shop_sim.models import Order, Refund, ShopEvent
from shop_sim.services.base import Actor
from shop_sim.services.orders import order_ship
from tests.unit.test_orders_factories import make_customer, make_order, make_refund

S, R, K = Order.Status, Refund.Status, Refund.Kind


def url(name, **kw):
    return reverse(f"console:{name}", kwargs=kw)


def html(response):
    return response.content.decode()


def no_events(sandbox):
    return not ShopEvent.objects.for_sandbox(sandbox).exists()


# --- the list -------------------------------------------------------------------------------

@pytest.fixture
def one_per_status(sandbox):
    orders = {s: make_order(sandbox, status=s, order_no=f"20240101{i:010d}") for i, s in enumerate(S.values)}
    shipped_refunding = make_order(sandbox, status=S.SHIPPED, order_no="202401019999999999")
    make_refund(shipped_refunding, amount="10.00")
    orders["refunding"] = shipped_refunding
    return orders


@pytest.mark.parametrize("tab", [S.AWAITING_PAYMENT, S.PAID, S.SHIPPED, S.FINISHED, S.CLOSED])
def test_status_tabs_filter_orders(console_client, one_per_status, tab):
    body = html(console_client.get(url("order_list"), {"status": tab}))
    shown = {key for key, order in one_per_status.items() if order.order_no in body}
    expected = {tab} | ({"refunding"} if tab == S.SHIPPED else set())
    assert shown == expected


def test_refunding_tab_lists_orders_with_an_open_refund(console_client, one_per_status, sandbox):
    closed_refund_order = one_per_status[S.PAID]
    make_refund(closed_refund_order, status=R.CLOSED, amount="1.00")
    body = html(console_client.get(url("order_list"), {"status": "refunding"}))
    assert one_per_status["refunding"].order_no in body
    assert closed_refund_order.order_no not in body
    assert "退款中" in body


def test_all_tab_shows_every_order_with_counts(console_client, one_per_status):
    response = console_client.get(url("order_list"))
    body = html(response)
    assert all(order.order_no in body for order in one_per_status.values())
    assert "等待发货<span class=\"count\">(1)</span>" in body
    assert "全部<span class=\"count\">(6)</span>" in body
    assert "退款中<span class=\"count\">(1)</span>" in body


def test_order_row_shows_lines_buyer_amount_status_flag_and_memo(console_client, sandbox):
    customer = make_customer(sandbox, nickname="tb_小美")
    order = make_order(sandbox, customer=customer, lines=(("碎花连衣裙", "粉色 L", "129.00", 2),), shipping_fee="8.00",
                       flag="red", seller_memo="<b>加急</b>")
    body = html(console_client.get(url("order_list")))
    for text in (order.order_no, "碎花连衣裙", "粉色 L", "¥129.00 × 2", "tb_小美", "¥266.00", "(含运费 ¥8.00)",
                 "买家已付款，等待发货", 'aria-label="红旗"', "&lt;b&gt;加急&lt;/b&gt;"):
        assert text in body, text
    assert "<b>加急</b>" not in body


@pytest.mark.parametrize("query_field", ["order_no", "nickname", "receiver_name", "receiver_phone"])
def test_search_by_order_no_nickname_receiver_or_phone(console_client, sandbox, query_field):
    target = make_order(sandbox, customer=make_customer(sandbox, nickname="寻找的买家"), receiver_name="欧阳修",
                        receiver_phone="13912345678", order_no="311122223333444455")
    other = make_order(sandbox, receiver_name="王安石", receiver_phone="15800001111", order_no="399988887777666655")
    q = {"order_no": "3111222233", "nickname": "寻找的", "receiver_name": "欧阳", "receiver_phone": "1391234"}[query_field]
    body = html(console_client.get(url("order_list"), {"q": q}))
    assert target.order_no in body and other.order_no not in body


def test_date_range_and_flag_filters(console_client, sandbox):
    now = timezone.now()
    old = make_order(sandbox, created_at=now - timedelta(days=10), flag="blue", order_no="300000000000000001")
    new = make_order(sandbox, created_at=now, order_no="300000000000000002")
    today = timezone.localdate()
    body = html(console_client.get(url("order_list"), {"date_from": str(today - timedelta(days=1))}))
    assert new.order_no in body and old.order_no not in body
    body = html(console_client.get(url("order_list"), {"date_to": str(today - timedelta(days=5))}))
    assert old.order_no in body and new.order_no not in body
    body = html(console_client.get(url("order_list"), {"flag": "blue"}))
    assert old.order_no in body and new.order_no not in body
    body = html(console_client.get(url("order_list"), {"flag": "none"}))
    assert new.order_no in body and old.order_no not in body


def test_bad_filters_are_reported_not_a_500(console_client, sandbox):
    order = make_order(sandbox)
    response = console_client.get(url("order_list"), {"date_from": "2024-05-02", "date_to": "2024-05-01",
                                                      "flag": "purple", "status": "stolen", "page": "abc"})
    assert response.status_code == 200
    body = html(response)
    assert "结束日期不能早于开始日期" in body
    assert order.order_no in body  # invalid filters ignored


def test_pagination_20_per_page(console_client, sandbox):
    customer = make_customer(sandbox)
    orders = [make_order(sandbox, customer=customer, created_at=timezone.now() - timedelta(minutes=i))
              for i in range(25)]
    first = html(console_client.get(url("order_list")))
    second = html(console_client.get(url("order_list"), {"page": 2}))
    assert sum(o.order_no in first for o in orders) == 20
    assert sum(o.order_no in second for o in orders) == 5
    assert "第 1 / 2 页，共 25 条" in first


def test_order_list_query_count_does_not_grow_with_orders(console_client, sandbox, django_assert_max_num_queries):
    for i in range(25):
        order = make_order(sandbox, lines=(("A", "", "1.00", 1), ("B", "x", "2.00", 2)))
        if i % 5 == 0:
            make_refund(order, amount="1.00")
    console_client.get(url("order_list"))  # warm up session/permission caches of this client
    with django_assert_max_num_queries(10):
        response = console_client.get(url("order_list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        console_client.get(url("order_list"), {"status": "refunding", "q": "1"})


# --- the detail page and actions ------------------------------------------------------------

def test_detail_shows_lines_amounts_address_message_timeline_and_refunds(console_client, sandbox, candidate):
    order = make_order(sandbox, status=S.PAID, buyer_message="请发顺丰", shipping_fee="12.00")
    order_ship(sandbox=sandbox, actor=Actor.merchant(candidate), order=order, carrier="SF",
               waybill_no="SF1234567890123")
    refund = make_refund(order, amount="20.00", reason="少件")
    body = html(console_client.get(url("order_detail", order_id=order.pk)))
    for text in (order.order_no, "纯棉短袖T恤", "白色 M", "¥118.00", "¥12.00", "¥130.00", "请发顺丰", "王小明",
                 "13800138000", "浙江省杭州市西湖区文三路 100 号", "卖家发货", "SF1234567890123", "顺丰速运",
                 "少件", url("refund_detail", refund_id=refund.pk)):
        assert text in body, text


def test_ship_from_the_detail_page(console_client, sandbox):
    order = make_order(sandbox, status=S.PAID)
    response = console_client.post(url("order_ship", order_id=order.pk),
                                   {"ship-carrier": "ZTO", "ship-waybill_no": "731234567890"}, follow=True)
    assert response.redirect_chain[-1][0] == url("order_detail", order_id=order.pk)
    order.refresh_from_db()
    assert (order.status, order.carrier, order.waybill_no) == (S.SHIPPED, "ZTO", "731234567890")
    body = html(response)
    assert "已发货" in body and "卖家已发货，等待买家确认" in body and "中通快递 731234567890" in body
    assert ShopEvent.objects.for_sandbox(sandbox).get().action == "order.ship"


@pytest.mark.parametrize("data,message", [
    ({"ship-carrier": "SF", "ship-waybill_no": "SF123"}, "运单号应为 8–20 位字母或数字"),
    ({"ship-carrier": "SF", "ship-waybill_no": "7312-3456"}, "运单号应为 8–20 位字母或数字"),
    ({"ship-carrier": "", "ship-waybill_no": "731234567890"}, "这个字段是必填项"),
    ({"ship-carrier": "DHL", "ship-waybill_no": "731234567890"}, "选择一个有效的选项"),
])
def test_ship_with_bad_input_shows_the_error_and_changes_nothing(console_client, sandbox, data, message):
    order = make_order(sandbox, status=S.PAID)
    response = console_client.post(url("order_ship", order_id=order.pk), data)
    assert response.status_code == 200
    assert message in html(response)
    order.refresh_from_db()
    assert order.status == S.PAID and order.waybill_no == "" and no_events(sandbox)


def test_ship_an_unpaid_order_shows_the_refusal(console_client, sandbox):
    order = make_order(sandbox, status=S.AWAITING_PAYMENT)
    response = console_client.post(url("order_ship", order_id=order.pk),
                                   {"ship-carrier": "SF", "ship-waybill_no": "SF1234567890123"})
    assert response.status_code == 200
    assert "只有买家已付款、等待发货的订单可以发货（当前：等待买家付款）" in html(response)
    order.refresh_from_db()
    assert order.status == S.AWAITING_PAYMENT and no_events(sandbox)


def test_waybill_update_from_the_detail_page(console_client, sandbox):
    order = make_order(sandbox, status=S.SHIPPED)
    body = html(console_client.get(url("order_detail", order_id=order.pk)))
    assert "修改运单号" in body and "确认发货" not in body
    console_client.post(url("order_waybill_update", order_id=order.pk),
                        {"waybill-carrier": "EMS", "waybill-waybill_no": "EA123456789CN"})
    order.refresh_from_db()
    assert (order.carrier, order.waybill_no) == ("EMS", "EA123456789CN")
    assert ShopEvent.objects.for_sandbox(sandbox).get().action == "order.waybill_update"


def test_address_update_and_bad_phone(console_client, sandbox):
    order = make_order(sandbox, status=S.PAID)
    data = {"address-receiver_name": "韩梅梅", "address-receiver_phone": "12345678901", "address-province": "北京市",
            "address-city": "北京市", "address-district": "海淀区", "address-address_detail": "中关村大街 1 号"}
    response = console_client.post(url("order_address", order_id=order.pk), data)
    assert "请填写正确的手机号码" in html(response)
    order.refresh_from_db()
    assert order.receiver_name == "王小明" and no_events(sandbox)
    response = console_client.post(url("order_address", order_id=order.pk),
                                   {**data, "address-province": "火星"})
    assert "选择一个有效的选项" in html(response) and no_events(sandbox)
    data["address-receiver_phone"] = "18612345678"
    console_client.post(url("order_address", order_id=order.pk), data)
    order.refresh_from_db()
    assert order.full_address == "北京市北京市海淀区中关村大街 1 号" and order.receiver_phone == "18612345678"
    event = ShopEvent.objects.for_sandbox(sandbox).get()
    assert event.action == "order.address_update" and event.before["receiver_name"] == "王小明"


def test_address_form_hidden_and_refused_after_shipment(console_client, sandbox):
    order = make_order(sandbox, status=S.SHIPPED)
    assert "保存收货地址" not in html(console_client.get(url("order_detail", order_id=order.pk)))
    response = console_client.post(url("order_address", order_id=order.pk), {
        "address-receiver_name": "韩梅梅", "address-receiver_phone": "18612345678", "address-province": "北京市",
        "address-city": "北京市", "address-address_detail": "中关村大街 1 号"})
    assert response.status_code == 200 and "不能修改收货地址" in html(response)
    order.refresh_from_db()
    assert order.receiver_name == "王小明" and no_events(sandbox)


def test_memo_with_html_is_stored_as_typed_and_escaped(console_client, sandbox):
    order = make_order(sandbox)
    memo = '<script>alert("x")</script>送小礼品'
    console_client.post(url("order_memo", order_id=order.pk), {"memo-flag": "green", "memo-seller_memo": memo})
    order.refresh_from_db()
    assert (order.flag, order.seller_memo) == ("green", memo)
    for page in (url("order_detail", order_id=order.pk), url("order_list")):
        body = html(console_client.get(page))
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;送小礼品" in body
        assert '<script>alert("x")</script>' not in body


def test_memo_too_long_is_refused(console_client, sandbox):
    order = make_order(sandbox)
    response = console_client.post(url("order_memo", order_id=order.pk),
                                   {"memo-flag": "red", "memo-seller_memo": "长" * 501})
    assert "备注最多 1000 字节" in html(response) and "当前 1002 字节" in html(response)
    order.refresh_from_db()
    assert (order.flag, order.seller_memo) == ("", "") and no_events(sandbox)


def test_close_order_with_reason(console_client, sandbox):
    order = make_order(sandbox, status=S.AWAITING_PAYMENT)
    response = console_client.post(url("order_close", order_id=order.pk), {"close-reason": ""})
    assert "这个字段是必填项" in html(response) and no_events(sandbox)
    console_client.post(url("order_close", order_id=order.pk), {"close-reason": "重新拍"})
    order.refresh_from_db()
    assert order.status == S.CLOSED and order.close_reason == "重新拍"


def test_close_a_paid_order_is_refused_on_the_page(console_client, sandbox):
    order = make_order(sandbox, status=S.PAID)
    response = console_client.post(url("order_close", order_id=order.pk), {"close-reason": "其他"})
    assert response.status_code == 200 and "只有等待买家付款的订单可以关闭" in html(response)
    order.refresh_from_db()
    assert order.status == S.PAID and no_events(sandbox)


def test_get_on_an_action_url_goes_back_to_the_detail(console_client, sandbox):
    order = make_order(sandbox)
    response = console_client.get(url("order_ship", order_id=order.pk))
    assert response.status_code == 302 and response["Location"] == url("order_detail", order_id=order.pk)


ORDER_URLS = ["order_detail", "order_ship", "order_waybill_update", "order_address", "order_memo", "order_close"]
REFUND_URLS = ["refund_detail", "refund_agree", "refund_agree_return", "refund_confirm_receipt", "refund_refuse"]


def test_another_sandboxs_order_and_refund_are_404(console_client, sandbox, make_sandbox):
    other = make_sandbox(name="B店")
    order = make_order(other, status=S.PAID)
    refund = make_refund(order)
    for name in ORDER_URLS:
        for method in ("get", "post"):
            assert getattr(console_client, method)(url(name, order_id=order.pk)).status_code == 404, name
    for name in REFUND_URLS:
        for method in ("get", "post"):
            assert getattr(console_client, method)(url(name, refund_id=refund.pk)).status_code == 404, name
    order.refresh_from_db()
    refund.refresh_from_db()
    assert order.status == S.PAID and refund.status == R.AWAITING_SELLER
    assert not ShopEvent.objects.exists()


def test_another_sandboxs_orders_are_not_listed(console_client, sandbox, make_sandbox):
    other_order = make_order(make_sandbox(name="B店"), order_no="388888888888888888")
    mine = make_order(sandbox, order_no="377777777777777777")
    body = html(console_client.get(url("order_list")))
    assert mine.order_no in body and other_order.order_no not in body
    body = html(console_client.get(url("refund_list")))
    assert other_order.order_no not in body


# --- refunds --------------------------------------------------------------------------------

def test_refund_list_by_status(console_client, sandbox):
    waiting = make_refund(make_order(sandbox, order_no="301000000000000001"), amount="5.00")
    done = make_refund(make_order(sandbox, order_no="301000000000000002"), status=R.SUCCESS, amount="6.00")
    body = html(console_client.get(url("refund_list")))
    assert waiting.order.order_no in body and done.order.order_no in body
    body = html(console_client.get(url("refund_list"), {"status": "open"}))
    assert waiting.order.order_no in body and done.order.order_no not in body
    body = html(console_client.get(url("refund_list"), {"status": "success"}))
    assert waiting.order.order_no not in body and done.order.order_no in body
    assert console_client.get(url("refund_list"), {"status": "bogus"}).status_code == 200


def test_agree_refund_only_closes_a_fully_refunded_paid_order(console_client, sandbox):
    order = make_order(sandbox, status=S.PAID)
    refund = make_refund(order)
    body = html(console_client.get(url("refund_detail", refund_id=refund.pk)))
    assert "同意退款" in body and "同意退货" not in body
    response = console_client.post(url("refund_agree", refund_id=refund.pk), follow=True)
    assert "已同意退款" in html(response) and "退款成功" in html(response)
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == R.SUCCESS and order.status == S.CLOSED and order.close_reason == "退款成功"
    assert list(ShopEvent.objects.for_sandbox(sandbox).order_by("id").values_list("action", flat=True)) == [
        "refund.agree", "order.close"]


def test_illegal_refund_move_is_a_message_not_a_500(console_client, sandbox):
    refund = make_refund(make_order(sandbox, status=S.PAID), status=R.SUCCESS)
    for name, data in (("refund_agree", {}), ("refund_confirm_receipt", {}),
                       ("refund_agree_return", {"agree_return-return_address": "杭州"}),
                       ("refund_refuse", {"refuse-reason": "其他", "refuse-note": "no"})):
        response = console_client.post(url(name, refund_id=refund.pk), data)
        assert response.status_code == 200, name
        assert "errorlist" in html(response), name
    refund.refresh_from_db()
    assert refund.status == R.SUCCESS and no_events(sandbox)


def test_return_refund_flow_through_the_console(console_client, sandbox):
    order = make_order(sandbox, status=S.SHIPPED)
    refund = make_refund(order, kind=K.RETURN_REFUND, amount="59.00")
    response = console_client.post(url("refund_agree_return", refund_id=refund.pk), {"agree_return-return_address": ""})
    assert "这个字段是必填项" in html(response) and no_events(sandbox)
    console_client.post(url("refund_agree_return", refund_id=refund.pk),
                        {"agree_return-return_address": "浙江省杭州市余杭区 仓库收 13900001111"})
    refund.refresh_from_db()
    assert refund.status == R.AWAITING_RETURN and "仓库收" in refund.seller_note
    Refund.objects.filter(pk=refund.pk).update(status=R.AWAITING_RECEIPT, return_carrier="YUNDA",
                                               return_waybill_no="4312345678901")
    body = html(console_client.get(url("refund_detail", refund_id=refund.pk)))
    assert "确认收货并退款" in body and "韵达快递 4312345678901" in body
    console_client.post(url("refund_confirm_receipt", refund_id=refund.pk))
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == R.SUCCESS and order.status == S.SHIPPED  # partial: the order stays shipped


def test_refuse_needs_a_reason(console_client, sandbox):
    refund = make_refund(make_order(sandbox, status=S.PAID))
    response = console_client.post(url("refund_refuse", refund_id=refund.pk), {"refuse-reason": ""})
    assert "这个字段是必填项" in html(response)
    response = console_client.post(url("refund_refuse", refund_id=refund.pk), {"refuse-reason": "其他"})
    assert "选择“其他”时请填写拒绝说明" in html(response)
    refund.refresh_from_db()
    assert refund.status == R.AWAITING_SELLER and no_events(sandbox)
    console_client.post(url("refund_refuse", refund_id=refund.pk),
                        {"refuse-reason": "其他", "refuse-note": "<i>已发货</i>"})
    refund.refresh_from_db()
    assert refund.status == R.REFUSED and refund.seller_note == "其他：<i>已发货</i>"
    body = html(console_client.get(url("refund_detail", refund_id=refund.pk)))
    assert "&lt;i&gt;已发货&lt;/i&gt;" in body and "<i>已发货</i>" not in body
