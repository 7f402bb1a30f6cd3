"""Views of 客户管理: search and filters, totals, level and note, tags one by one and in bulk."""


import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop_sim.models import Customer, CustomerTag, CustomerTagging, Order, Refund, ShopEvent
from tests.unit.test_orders_factories import make_customer, make_order, make_refund

S = Order.Status


def url(name, **kw):
    return reverse(f"console:{name}", kwargs=kw)


def html(response):
    return response.content.decode()


def no_events(sandbox):
    return not ShopEvent.objects.for_sandbox(sandbox).exists()


@pytest.fixture
def people(sandbox):
    vip = CustomerTag.objects.create(sandbox=sandbox, name="VIP客户")
    a = make_customer(sandbox, nickname="tb_alice", name="艾丽丝", phone="13911112222", level=Customer.Level.GOLD)
    b = make_customer(sandbox, nickname="tb_bob", name="鲍勃", phone="15033334444")
    CustomerTagging.objects.create(sandbox=sandbox, customer=a, tag=vip)
    return {"vip": vip, "a": a, "b": b}


@pytest.mark.parametrize("q", ["alice", "艾丽", "1391111"])
def test_search_by_nickname_name_or_phone(console_client, people, q):
    body = html(console_client.get(url("customer_list"), {"q": q}))
    assert "tb_alice" in body and "tb_bob" not in body


def test_filter_by_tag_and_level(console_client, people):
    body = html(console_client.get(url("customer_list"), {"tag": people["vip"].pk}))
    assert "tb_alice" in body and "tb_bob" not in body
    body = html(console_client.get(url("customer_list"), {"level": Customer.Level.NORMAL}))
    assert "tb_bob" in body and "tb_alice" not in body


def test_bad_filters_do_not_500(console_client, people, make_sandbox):
    foreign = CustomerTag.objects.create(sandbox=make_sandbox(name="B"), name="外店")
    response = console_client.get(url("customer_list"), {"tag": foreign.pk, "level": "x"})
    assert response.status_code == 200
    assert "tb_alice" in html(response) and "tb_bob" in html(response)


def test_total_spent_counts_paid_orders_minus_refunds(console_client, sandbox, people):
    a = people["a"]
    make_order(sandbox, customer=a, status=S.PAID)                    # 128.00
    shipped = make_order(sandbox, customer=a, status=S.FINISHED)      # 128.00
    make_refund(shipped, status=Refund.Status.SUCCESS, amount="28.00")
    make_refund(shipped, status=Refund.Status.REFUSED, amount="50.00")
    make_order(sandbox, customer=a, status=S.AWAITING_PAYMENT)        # not paid
    make_order(sandbox, customer=a, status=S.CLOSED)                  # not counted
    body = html(console_client.get(url("customer_list"), {"q": "alice"}))
    assert "¥228.00" in body and "<td>4</td>" in body
    body = html(console_client.get(url("customer_detail", customer_id=a.pk)))
    assert "¥228.00" in body and shipped.order_no in body


def test_customer_list_query_count_is_constant(console_client, sandbox, people):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert console_client.get(url("customer_list")).status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm up
    few = queries()
    for _ in range(25):
        c = make_customer(sandbox)
        make_order(sandbox, customer=c)
        CustomerTagging.objects.create(sandbox=sandbox, customer=c, tag=people["vip"])
    for n in range(5):
        CustomerTag.objects.create(sandbox=sandbox, name=f"标签{n}")
    # The tags are read once for both selects (the filter and the bulk form), not once per select
    # plus an exists(): 9 = session, user, 2 permissions, sandbox, count, customers page, their
    # taggings, and the tags (the exam banner and the recorder ask nothing: not an exam sandbox).
    assert queries() == few <= 9


def test_customer_totals_subqueries_stay_inside_the_shop(console_client, sandbox, people):
    """The order count and 累计消费 subqueries are scoped to the customer's sandbox: unscoped, PostgreSQL
    started from every shop's successful refunds for each customer row, so the list slowed down
    with every candidate's shop in the database (18 ms → 0.2 ms per query with 300 shops; bench/load.py)."""
    with CaptureQueriesContext(connection) as ctx:
        assert console_client.get(url("customer_list")).status_code == 200
    sql = next(q["sql"] for q in ctx.captured_queries if "total_spent" in q["sql"])
    subqueries = [part.split("GROUP BY")[0] for table in ('FROM "shop_sim_order"', 'FROM "shop_sim_refund"')
                  for part in sql.split(table)[1:]]
    assert len(subqueries) == 3  # order count, paid sum, refunded sum
    assert all('"sandbox_id" = ("shop_sim_customer"."sandbox_id")' in where for where in subqueries)


def test_customer_list_tag_selects_list_this_shops_tags_and_keep_the_chosen_one(console_client, sandbox, people,
                                                                                 make_sandbox):
    other = CustomerTag.objects.create(sandbox=make_sandbox(), name="别家标签")
    new = CustomerTag.objects.create(sandbox=sandbox, name="新客")
    vip = people["vip"]
    body = html(console_client.get(url("customer_list"), {"tag": vip.pk}))
    assert f'<option value="{vip.pk}" selected>VIP客户</option>' in body  # the filter keeps the choice
    assert f'<option value="{vip.pk}">VIP客户</option>' in body  # the bulk form's select, none chosen
    assert body.count(f'<option value="{new.pk}">新客</option>') == 2  # both selects list every tag
    assert "别家标签" not in body  # another shop's tag is never offered
    assert "tb_alice" in body and "tb_bob" not in body  # the filter applied
    body = html(console_client.get(url("customer_list"), {"tag": other.pk}))  # another shop's tag: refused
    assert "tb_alice" in body and "tb_bob" in body and 'class="errorlist' in body


def test_update_level_and_note(console_client, sandbox, people):
    b = people["b"]
    response = console_client.post(url("customer_update", customer_id=b.pk),
                                   {"edit-level": "3", "edit-note": "<em>爱砍价</em>"}, follow=True)
    b.refresh_from_db()
    assert (b.level, b.note) == (3, "<em>爱砍价</em>")
    body = html(response)
    assert "客户信息已保存" in body and "钻石会员" in body and "&lt;em&gt;爱砍价&lt;/em&gt;" in body
    assert ShopEvent.objects.for_sandbox(sandbox).get().action == "customer.update"


@pytest.mark.parametrize("data,message", [
    ({"edit-level": "7", "edit-note": ""}, "选择一个有效的选项"),
    ({"edit-level": "1", "edit-note": "长" * 201}, "200"),
    ({"edit-level": "0", "edit-note": ""}, "没有变化"),
])
def test_update_refuses_bad_input(console_client, sandbox, people, data, message):
    b = people["b"]
    response = console_client.post(url("customer_update", customer_id=b.pk), data)
    assert response.status_code == 200 and message in html(response)
    b.refresh_from_db()
    assert (b.level, b.note) == (0, "") and no_events(sandbox)


def test_set_tags_on_the_detail_page(console_client, sandbox, people, make_sandbox):
    b, vip = people["b"], people["vip"]
    new = CustomerTag.objects.create(sandbox=sandbox, name="新客")
    console_client.post(url("customer_tags", customer_id=b.pk), {"tags-tags": [vip.pk, new.pk]})
    assert set(b.taggings.values_list("tag__name", flat=True)) == {"VIP客户", "新客"}
    foreign = CustomerTag.objects.create(sandbox=make_sandbox(name="B"), name="外店")
    response = console_client.post(url("customer_tags", customer_id=b.pk), {"tags-tags": [foreign.pk]})
    assert response.status_code == 200 and "选择一个有效的选项" in html(response)
    assert b.taggings.count() == 2
    assert ShopEvent.objects.for_sandbox(sandbox).count() == 1


def test_bulk_tagging_from_the_list(console_client, sandbox, people):
    a, b, vip = people["a"], people["b"], people["vip"]
    response = console_client.post(url("customer_bulk_tags"), {
        "bulk-customers": [a.pk, b.pk], "bulk-tag": vip.pk, "bulk-operation": "add", "bulk-back": "q=tb_&x=1"},
        follow=True)
    assert response.redirect_chain[-1][0] == url("customer_list") + "?q=tb_"
    assert "已为 1 位客户打上标签“VIP客户”" in html(response)
    assert b.taggings.filter(tag=vip).exists()
    console_client.post(url("customer_bulk_tags"), {
        "bulk-customers": [a.pk, b.pk], "bulk-tag": vip.pk, "bulk-operation": "remove"})
    assert not CustomerTagging.objects.exists()
    assert ShopEvent.objects.for_sandbox(sandbox).filter(action="customer.tags").count() == 3


def test_bulk_tagging_bad_input_changes_nothing(console_client, sandbox, people, make_sandbox):
    a, vip = people["a"], people["vip"]
    other = make_sandbox(name="B")
    foreign_customer = make_customer(other)
    foreign_tag = CustomerTag.objects.create(sandbox=other, name="外店")
    cases = [
        ({"bulk-tag": vip.pk, "bulk-operation": "add"}, "请先勾选客户"),
        ({"bulk-customers": [a.pk], "bulk-operation": "add"}, "请选择标签"),
        ({"bulk-customers": [foreign_customer.pk], "bulk-tag": vip.pk, "bulk-operation": "add"}, "所选客户不存在"),
        ({"bulk-customers": [a.pk], "bulk-tag": foreign_tag.pk, "bulk-operation": "add"}, "所选标签不存在"),
        ({"bulk-customers": ["abc"], "bulk-tag": vip.pk, "bulk-operation": "add"}, "所选客户不存在"),
        ({"bulk-customers": [a.pk], "bulk-tag": vip.pk, "bulk-operation": "add"}, "都已有标签"),
    ]
    for data, message in cases:
        response = console_client.post(url("customer_bulk_tags"), data, follow=True)
        assert response.status_code == 200
        assert message in html(response), message
    assert CustomerTagging.objects.count() == 1 and no_events(sandbox)
    assert not foreign_customer.taggings.exists()


def test_tag_management_page(console_client, sandbox, people):
    response = console_client.post(url("customertag_list"), {"new-name": "沉睡客户"}, follow=True)
    assert "标签“沉睡客户”已创建" in html(response)
    tag = CustomerTag.objects.get(name="沉睡客户")
    response = console_client.post(url("customertag_list"), {"new-name": "VIP客户"})
    assert response.status_code == 200 and "已存在" in html(response)
    response = console_client.post(url("customertag_list"), {"new-name": "长" * 21})
    assert "20" in html(response)
    console_client.post(url("customertag_rename", customertag_id=tag.pk), {f"tag{tag.pk}-name": "流失预警"})
    tag.refresh_from_db()
    assert tag.name == "流失预警"
    response = console_client.post(url("customertag_rename", customertag_id=tag.pk), {f"tag{tag.pk}-name": ""})
    assert "这个字段是必填项" in html(response)
    console_client.post(url("customertag_delete", customertag_id=people["vip"].pk))
    assert not CustomerTag.objects.filter(name="VIP客户").exists() and not CustomerTagging.objects.exists()
    assert list(ShopEvent.objects.for_sandbox(sandbox).order_by("id").values_list("action", flat=True)) == [
        "customertag.create", "customertag.rename", "customertag.delete"]
    body = html(console_client.get(url("customertag_list")))
    assert '<span class="tag">流失预警</span>' in body and '<span class="tag">VIP客户</span>' not in body


def test_another_sandboxs_customer_and_tag_are_404(console_client, sandbox, make_sandbox):
    other = make_sandbox(name="B")
    customer = make_customer(other)
    tag = CustomerTag.objects.create(sandbox=other, name="外店")
    for name in ("customer_detail", "customer_update", "customer_tags"):
        for method in ("get", "post"):
            assert getattr(console_client, method)(url(name, customer_id=customer.pk)).status_code == 404
    for name in ("customertag_rename", "customertag_delete"):
        for method in ("get", "post"):
            assert getattr(console_client, method)(url(name, customertag_id=tag.pk)).status_code == 404
    assert CustomerTag.objects.filter(pk=tag.pk).exists() and not ShopEvent.objects.exists()
    assert customer.nickname not in html(console_client.get(url("customer_list")))
