"""Fixture variant: two orders to ship, a memo, a product's selling point."""

from shop_sim.models import Order, Product

CARRIERS = {"SF": ("SF", 12), "YTO": ("YT", 13), "JTSEXPRESS": ("JT", 13)}
MEMOS = ["加急发货", "易碎品轻放", "送礼请勿放发票", "周末送达"]
KEYWORDS = ["纯棉", "加厚", "透气", "防水"]


def derive(rng):
    carrier = rng.choice(sorted(CARRIERS))
    prefix, digits = CARRIERS[carrier]
    waybills = [prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits)) for _ in range(2)]
    first = rng.randint(10**9, 10**10 - 2)
    return {
        "carrier": carrier,
        "waybills": waybills,
        "order_nos": [f"T{first}", f"T{first + 1}"],
        "memo": rng.choice(MEMOS),
        "keyword": rng.choice(KEYWORDS),
        "product_code": f"FX-{rng.randint(1000, 9999)}",
    }


def setup(ctx, params):
    for order, order_no in zip(ctx.objects(Order).order_by("pk")[:2], params["order_nos"]):
        order.order_no = order_no
        order.status = Order.Status.PAID
        order.paid_at = ctx.now
        order.carrier = order.waybill_no = order.seller_memo = order.close_reason = ""
        order.shipped_at = order.finished_at = order.closed_at = None
        order.save()
    product = ctx.objects(Product).order_by("pk").first()
    product.merchant_code = params["product_code"]
    product.subtitle = ""
    product.save()
