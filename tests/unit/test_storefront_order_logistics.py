"""我的订单 (the buyer's order list) shows where a shipped parcel is: carrier and waybill number."""

import pytest
from django.urls import reverse

from shop_sim.models import Order

from . import test_storefront_factories as f
from .test_orders_factories import make_order

pytestmark = pytest.mark.django_db


def orders_page(client, sandbox, **query):
    url = reverse("storefront:buyer_orders", kwargs={"storefront_key": sandbox.storefront_key})
    return client.get(url, query).content.decode()


def test_a_shipped_order_shows_its_carrier_name_and_waybill(client, sandbox):
    buyer = f.customer(sandbox)
    shipped = make_order(sandbox, customer=buyer, status=Order.Status.SHIPPED, carrier="ZTO", waybill_no="75123456789012")
    f.login_buyer(client, sandbox, buyer)
    body = orders_page(client, sandbox)
    assert shipped.order_no in body and "物流：中通快递 75123456789012" in body
    assert "物流：中通快递 75123456789012" in orders_page(client, sandbox, status="shipped")


def test_an_unshipped_order_shows_no_logistics_and_others_parcels_stay_hidden(client, sandbox):
    buyer, other = f.customer(sandbox), f.customer(sandbox)
    make_order(sandbox, customer=buyer, status=Order.Status.PAID)
    make_order(sandbox, customer=other, status=Order.Status.SHIPPED, carrier="YTO", waybill_no="YT6012345678901")
    f.login_buyer(client, sandbox, buyer)
    body = orders_page(client, sandbox)
    assert "物流：" not in body and "YT6012345678901" not in body


def test_an_unknown_carrier_code_is_shown_as_stored(client, sandbox):
    buyer = f.customer(sandbox)
    make_order(sandbox, customer=buyer, status=Order.Status.SHIPPED, carrier="DBL", waybill_no="DB12345678")
    f.login_buyer(client, sandbox, buyer)
    assert "物流：DBL DB12345678" in orders_page(client, sandbox)
