"""Fixture solution: does the task through the shop services (a catalog scenario drives the UI)."""

from shop_sim.models import Order, Product
from shop_sim.services.orders import order_memo_update, order_ship


def run(ctx):
    params = ctx.params
    for order_no, waybill in zip(params["order_nos"], params["waybills"]):
        order = Order.objects.for_sandbox(ctx.sandbox).get(order_no=order_no)
        order_ship(sandbox=ctx.sandbox, actor=ctx.actor, order=order, carrier=params["carrier"], waybill_no=waybill)
    first = Order.objects.for_sandbox(ctx.sandbox).get(order_no=params["order_nos"][0])
    order_memo_update(sandbox=ctx.sandbox, actor=ctx.actor, order=first, flag="red", seller_memo=params["memo"])
    Product.objects.for_sandbox(ctx.sandbox).filter(merchant_code=params["product_code"]).update(
        subtitle=f"{params['keyword']}面料，舒适耐穿，四季百搭")
