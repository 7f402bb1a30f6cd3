"""Two paid orders to ship with one carrier, two memos, a flag and a new slogan."""

from shop_sim.models import Order, ShopDecoration

# code -> (display name in the console, waybill prefix, digits after it)
CARRIERS = {"SF": ("顺丰速运", "SF", 12), "YTO": ("圆通速递", "YT", 13), "JTSEXPRESS": ("极兔速递", "JT", 13),
            "ZTO": ("中通快递", "7", 11)}
MEMOS = ["加急发货", "易碎品轻放", "送礼请勿放发票", "周末送达", "电话联系后再送", "发货前核对尺码"]
FLAGS = {"red": "红旗", "yellow": "黄旗", "green": "绿旗", "blue": "蓝旗"}
SLOGANS = ["品质生活 从这里开始", "好物不贵 用心甄选", "简约舒适 四季百搭", "天然材质 安心之选"]


def waybill(rng, carrier: str) -> str:
    _name, prefix, digits = CARRIERS[carrier]
    return prefix + "".join(str(rng.randint(0, 9)) for _n in range(digits))


def derive(rng):
    carrier = rng.choice(sorted(CARRIERS))
    first = rng.randint(10**9, 10**10 - 2)
    flag = rng.choice(sorted(FLAGS))
    return {
        "carrier": carrier,
        "carrier_name": CARRIERS[carrier][0],
        "waybills": [waybill(rng, carrier) for _n in range(2)],
        "order_nos": [f"T{first}", f"T{first + 1}"],
        "memos": rng.sample(MEMOS, 2),
        "flag": flag,
        "flag_name": FLAGS[flag],
        "slogan": f"{rng.choice(SLOGANS)} {rng.randint(10, 99)}",
    }


def setup(ctx, params):
    for order, order_no in zip(ctx.objects(Order).order_by("pk")[:2], params["order_nos"]):
        order.order_no = order_no
        order.status = Order.Status.PAID
        order.paid_at = ctx.now
        order.carrier = order.waybill_no = order.seller_memo = order.close_reason = order.flag = ""
        order.shipped_at = order.finished_at = order.closed_at = None
        order.save()
    ctx.objects(ShopDecoration).update(slogan="")
