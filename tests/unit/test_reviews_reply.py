"""评价管理: filters by rating class and reply state, replying once, editing the reply."""

import pytest
from django.urls import reverse

from shop_sim.models import Review, ShopEvent
from shop_sim.services import reviews as svc
from shop_sim.services.base import Actor, ShopError
from tests.unit.test_orders_factories import make_customer, make_product, make_review


def url(name, **kw):
    return reverse(f"console:{name}", kwargs=kw)


@pytest.fixture
def seller(candidate):
    return Actor.merchant(candidate)


@pytest.fixture
def reviews(sandbox):
    product = make_product(sandbox)
    return {
        stars: make_review(sandbox, rating=stars, content=f"评价{stars}星内容", product=product,
                           reply="谢谢亲" if stars == 5 else "")
        for stars in (1, 2, 3, 4, 5)
    }


# --- service --------------------------------------------------------------------------------

def test_reply_then_edit_is_journaled(sandbox, seller):
    review = make_review(sandbox, rating=2, content="发货太慢")
    replied = svc.review_reply(sandbox=sandbox, actor=seller, review=review, reply=" 抱歉让您久等了 ")
    assert replied.reply == "抱歉让您久等了" and replied.replied_at
    svc.review_reply(sandbox=sandbox, actor=seller, review=review, reply="抱歉，已为您补发优惠券")
    rows = list(ShopEvent.objects.for_sandbox(sandbox).order_by("id"))
    assert [e.action for e in rows] == ["review.reply", "review.reply_edit"]
    assert rows[0].before == {"reply": "", "replied_at": None}
    assert rows[1].before["reply"] == "抱歉让您久等了" and rows[1].after["reply"] == "抱歉，已为您补发优惠券"


@pytest.mark.parametrize("text", ["", "   ", "长" * 501])
def test_reply_rules(sandbox, seller, text):
    review = make_review(sandbox)
    with pytest.raises(ShopError):
        svc.review_reply(sandbox=sandbox, actor=seller, review=review, reply=text)
    review.refresh_from_db()
    assert review.reply == "" and review.replied_at is None and not ShopEvent.objects.exists()


def test_same_reply_again_is_refused(sandbox, seller):
    review = make_review(sandbox, reply="谢谢")
    with pytest.raises(ShopError, match="没有变化"):
        svc.review_reply(sandbox=sandbox, actor=seller, review=review, reply="谢谢")
    assert not ShopEvent.objects.exists()


def test_reply_refuses_another_sandboxs_review(sandbox, seller, make_sandbox):
    review = make_review(make_sandbox(name="B"))
    with pytest.raises(ShopError):
        svc.review_reply(sandbox=sandbox, actor=seller, review=review, reply="你好")
    review.refresh_from_db()
    assert review.reply == ""


# --- views ----------------------------------------------------------------------------------

@pytest.mark.parametrize("rating,shown", [("good", {4, 5}), ("neutral", {3}), ("bad", {1, 2}), ("", {1, 2, 3, 4, 5})])
def test_filter_by_rating_class(console_client, reviews, rating, shown):
    body = console_client.get(url("review_list"), {"rating": rating}).content.decode()
    assert {s for s in reviews if f"评价{s}星内容" in body} == shown


def test_filter_by_reply_state(console_client, reviews):
    body = console_client.get(url("review_list"), {"replied": "no"}).content.decode()
    assert {s for s in reviews if f"评价{s}星内容" in body} == {1, 2, 3, 4}
    body = console_client.get(url("review_list"), {"replied": "yes"}).content.decode()
    assert {s for s in reviews if f"评价{s}星内容" in body} == {5}
    bad = console_client.get(url("review_list"), {"replied": "maybe", "rating": "awful"})
    assert bad.status_code == 200 and "评价1星内容" in bad.content.decode()


def test_reply_from_the_list_keeps_the_filters(console_client, sandbox, reviews):
    review = reviews[1]
    response = console_client.post(url("review_reply", review_id=review.pk), {
        f"r{review.pk}-reply": "<a href='x'>抱歉</a>", f"r{review.pk}-back": "replied=no&rating=bad&evil=1"},
        follow=True)
    assert response.redirect_chain[-1][0] == url("review_list") + "?replied=no&rating=bad"
    review.refresh_from_db()
    assert review.reply == "<a href='x'>抱歉</a>"
    body = response.content.decode()
    assert "回复已保存" in body and "评价1星内容" not in body  # now replied, so off the 未回复 list
    body = console_client.get(url("review_list"), {"replied": "yes"}).content.decode()
    assert "&lt;a href=&#x27;x&#x27;&gt;抱歉&lt;/a&gt;" in body and "<a href='x'>抱歉</a>" not in body
    assert ShopEvent.objects.for_sandbox(sandbox).get().action == "review.reply"


def test_reply_errors_are_shown_and_nothing_saved(console_client, sandbox, reviews):
    review = reviews[2]
    response = console_client.post(url("review_reply", review_id=review.pk), {f"r{review.pk}-reply": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    response = console_client.post(url("review_reply", review_id=review.pk), {f"r{review.pk}-reply": "长" * 501})
    assert "500" in response.content.decode()
    review.refresh_from_db()
    assert review.reply == "" and not ShopEvent.objects.exists()


def test_edit_a_reply_on_its_own_page(console_client, sandbox, reviews):
    review = reviews[5]
    body = console_client.get(url("review_reply", review_id=review.pk)).content.decode()
    assert "修改回复" in body and "谢谢亲" in body
    console_client.post(url("review_reply", review_id=review.pk), {f"r{review.pk}-reply": "谢谢亲，欢迎再来"})
    review.refresh_from_db()
    assert review.reply == "谢谢亲，欢迎再来"
    assert ShopEvent.objects.for_sandbox(sandbox).get().action == "review.reply_edit"


def test_another_sandboxs_review_is_404_and_unlisted(console_client, sandbox, make_sandbox):
    other = make_sandbox(name="B")
    review = make_review(other, content="别家的评价", product=make_product(other), customer=make_customer(other))
    for method in ("get", "post"):
        assert getattr(console_client, method)(url("review_reply", review_id=review.pk)).status_code == 404
    assert "别家的评价" not in console_client.get(url("review_list")).content.decode()
    assert Review.objects.get(pk=review.pk).reply == "" and not ShopEvent.objects.exists()
