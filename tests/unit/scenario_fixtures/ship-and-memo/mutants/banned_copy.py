"""Writes a selling point with banned superlatives (最好, 第一) and no memo."""

from shop_sim.models import Order, Product
from shop_sim.services.orders import order_ship

LOSES = ["memo", "subtitle_copy"]


def run(ctx):
    params = ctx.params
    for order_no, waybill in zip(params["order_nos"], params["waybills"]):
        order = Order.objects.for_sandbox(ctx.sandbox).get(order_no=order_no)
        order_ship(sandbox=ctx.sandbox, actor=ctx.actor, order=order, carrier=params["carrier"], waybill_no=waybill)
    Product.objects.for_sandbox(ctx.sandbox).filter(merchant_code=params["product_code"]).update(
        subtitle=f"全网最好的{params['keyword']}外套，销量第一")
