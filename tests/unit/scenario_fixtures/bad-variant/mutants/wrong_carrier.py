"""Ships with the wrong carrier (STO) but does everything else right."""

from shop_sim.models import Order, Product
from shop_sim.services.orders import order_memo_update, order_ship

LOSES = ["ship_orders"]


def run(ctx):
    params = ctx.params
    for index, order_no in enumerate(params["order_nos"]):
        order = Order.objects.for_sandbox(ctx.sandbox).get(order_no=order_no)
        order_ship(sandbox=ctx.sandbox, actor=ctx.actor, order=order, carrier="STO", waybill_no=f"77012345678{index}")
    first = Order.objects.for_sandbox(ctx.sandbox).get(order_no=params["order_nos"][0])
    order_memo_update(sandbox=ctx.sandbox, actor=ctx.actor, order=first, flag="", seller_memo=params["memo"])
    Product.objects.for_sandbox(ctx.sandbox).filter(merchant_code=params["product_code"]).update(
        subtitle=f"{params['keyword']}面料，舒适耐穿")
