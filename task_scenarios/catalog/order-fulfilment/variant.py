"""订单处理: four paid orders to ship by a carrier rule (one after an address change, with a flag and
memo), and three refund requests to settle by the shop's refund policy.

The generated shop (fixed shop seed) is the same for every variant; the variant decides the carrier
rule, the buyers, addresses, order numbers, waybills and the refund policy's numbers. ``setup``
picks the shop's own paid and shipped orders for the roles (with the setup rng), renames them and
files the refunds through the buyer's service, so the console shows them as any other request.
"""

from __future__ import annotations

from decimal import Decimal

from fixtures.generators import reference_for_seed
from fixtures.generators import words as W
from shop_sim.models import Customer, Order
from shop_sim.services.base import Actor
from shop_sim.services.orders import carrier_name

SHOP_SEED = 12

# Regions a shop's carrier contract names, and the carriers shops use for them (SF is for requests).
REGIONS = {
    "江浙沪皖": ("上海市", "江苏省", "浙江省", "安徽省"),
    "京津冀": ("北京市", "天津市", "河北省"),
    "珠三角及福建": ("广东省", "福建省"),
    "川渝": ("四川省", "重庆市"),
}
OTHER_PROVINCES = ("山东省", "河南省", "湖北省", "湖南省", "江西省", "陕西省", "山西省", "辽宁省", "吉林省",
                   "黑龙江省", "广西壮族自治区", "云南省", "贵州省")
CONTRACT_CARRIERS = ("ZTO", "YTO", "YUNDA", "STO", "JTSEXPRESS", "EMS")
PLACES = {  # province -> (city, district, street)
    "上海市": [("上海市", "浦东新区", "张杨路"), ("上海市", "闵行区", "七莘路"), ("上海市", "杨浦区", "国定路")],
    "江苏省": [("南京市", "鼓楼区", "中山北路"), ("苏州市", "姑苏区", "人民路"), ("无锡市", "梁溪区", "中山路")],
    "浙江省": [("杭州市", "西湖区", "文三路"), ("宁波市", "鄞州区", "天童南路"), ("温州市", "鹿城区", "车站大道")],
    "安徽省": [("合肥市", "蜀山区", "长江西路"), ("芜湖市", "镜湖区", "北京中路")],
    "北京市": [("北京市", "朝阳区", "望京街"), ("北京市", "海淀区", "学院路"), ("北京市", "丰台区", "丰台北路")],
    "天津市": [("天津市", "南开区", "鞍山西道"), ("天津市", "河西区", "友谊路")],
    "河北省": [("石家庄市", "长安区", "中山东路"), ("保定市", "竞秀区", "朝阳北大街")],
    "广东省": [("广州市", "天河区", "天河北路"), ("深圳市", "南山区", "科技园路"), ("佛山市", "禅城区", "季华五路")],
    "福建省": [("福州市", "鼓楼区", "五四路"), ("厦门市", "思明区", "莲前西路")],
    "四川省": [("成都市", "武侯区", "科华北路"), ("绵阳市", "涪城区", "临园路")],
    "重庆市": [("重庆市", "渝北区", "金开大道"), ("重庆市", "沙坪坝区", "三峡广场路")],
    "山东省": [("济南市", "历下区", "泉城路"), ("青岛市", "市南区", "香港中路")],
    "河南省": [("郑州市", "金水区", "花园路"), ("洛阳市", "洛龙区", "开元大道")],
    "湖北省": [("武汉市", "洪山区", "珞喻路"), ("宜昌市", "西陵区", "东山大道")],
    "湖南省": [("长沙市", "岳麓区", "麓山南路"), ("株洲市", "天元区", "泰山路")],
    "江西省": [("南昌市", "红谷滩区", "丰和中大道"), ("九江市", "浔阳区", "浔阳路")],
    "陕西省": [("西安市", "雁塔区", "小寨东路"), ("宝鸡市", "渭滨区", "经二路")],
    "山西省": [("太原市", "小店区", "长风街"), ("大同市", "平城区", "迎宾街")],
    "辽宁省": [("沈阳市", "和平区", "南京北街"), ("大连市", "沙河口区", "西安路")],
    "吉林省": [("长春市", "朝阳区", "西安大路"), ("吉林市", "船营区", "解放大路")],
    "黑龙江省": [("哈尔滨市", "南岗区", "西大直街"), ("大庆市", "萨尔图区", "东风路")],
    "广西壮族自治区": [("南宁市", "青秀区", "民族大道"), ("桂林市", "七星区", "漓江路")],
    "云南省": [("昆明市", "五华区", "人民中路"), ("大理白族自治州", "大理市", "苍山路")],
    "贵州省": [("贵阳市", "南明区", "中华南路"), ("遵义市", "汇川区", "上海路")],
}
COMMUNITIES = ("阳光花园", "锦绣家园", "翠湖苑", "金色港湾", "和平里小区", "东方名城", "滨江新村", "紫荆公寓")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("子涵", "浩然", "欣怡", "梓萱", "宇轩", "雨桐", "俊杰", "诗琪", "明远", "嘉怡", "思远", "晓彤")
NICK_HEADS = ("爱吃橘子的", "晒太阳的", "想去旅行的", "不吃香菜的", "喜欢下雨的", "早睡早起的", "会做饭的")
NICK_TAILS = ("小熊猫", "猫咪", "兔子", "鲸鱼", "松鼠", "企鹅", "柴犬")
DECOY_MESSAGES = ("", "", "请尽快发货，谢谢", "周末不在家，工作日送达", "送人的，请不要放价格单")
SF_MESSAGES = ("麻烦发顺丰，运费差价已补", "请发顺丰速运，差价已经补拍了", "着急用，麻烦发顺丰，补了运费差价")
FLAGS = (("red", "红旗"), ("yellow", "黄旗"), ("blue", "蓝旗"), ("green", "绿旗"), ("pink", "粉旗"))
MEMOS = ("已改地址", "买家要求改地址，已改", "已按买家要求修改地址")
REFUND_ONLY_REASONS = ("未收到货", "快递一直未送到")
RETURN_NOTES_OK = ("不喜欢，包装完好，吊牌还在", "尺码偏大，没穿过，吊牌齐全", "颜色和想象的不一样，未使用")
REFUSE_CASES = {
    "food": ("零食拆开尝了一包，口味不喜欢，想退", "包装已经拆开吃了几个，不想要了", "打开试吃了一点，不太喜欢"),
    "apparel": ("吊牌已经剪了，洗过一次，不想要了", "穿过一次发现不喜欢，吊牌剪掉了", "洗了一次有点缩水，吊牌没了"),
}
REFUSE_REASON = "退回商品影响二次销售"
RETURN_KEEPERS = ("周仓管", "售后部李敏", "王售后", "退货组陈静")
WAREHOUSES = (("浙江省", "杭州市", "余杭区", "仓前街道良睦路"), ("广东省", "广州市", "白云区", "太和镇永兴村"),
              ("江苏省", "苏州市", "吴中区", "木渎镇金枫路"), ("上海市", "上海市", "松江区", "九亭镇九新公路"))
KIND_OF_LEAF = {leaf.name: leaf.kind for _top, leaves in W.TOP_CATEGORIES for leaf in leaves}


def _digits(rng, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def waybill(rng, carrier: str) -> str:
    """A number in the carrier's own format (the console refuses numbers of another format)."""
    return {
        "SF": lambda: "SF" + _digits(rng, 13), "ZTO": lambda: "7" + rng.choice("35") + _digits(rng, 12),
        "YTO": lambda: "YT" + _digits(rng, 13), "YUNDA": lambda: "4" + rng.choice("36") + _digits(rng, 11),
        "STO": lambda: "77" + _digits(rng, 13), "JTSEXPRESS": lambda: "JT" + _digits(rng, 13),
        "EMS": lambda: "98" + _digits(rng, 11),
    }[carrier]()


def _phone(rng) -> str:
    return "1" + rng.choice("3578") + _digits(rng, 9)


def _address(rng, province: str) -> dict:
    city, district, street = rng.choice(PLACES[province])
    detail = (f"{street}{rng.randint(1, 999)}号{rng.choice(COMMUNITIES)}{rng.randint(1, 30)}栋"
              f"{rng.randint(1, 4)}单元{rng.randint(1, 28)}0{rng.randint(1, 4)}室")
    return {"receiver_name": rng.choice(SURNAMES) + rng.choice(GIVEN), "receiver_phone": _phone(rng),
            "province": province, "city": city, "district": district, "address_detail": detail}


def _order_no(rng) -> str:
    return str(rng.randint(1, 4)) + _digits(rng, 17)


def derive(rng):
    region = rng.choice(sorted(REGIONS))
    near, far = rng.sample(CONTRACT_CARRIERS, 2)
    near_provinces = REGIONS[region]
    far_provinces = tuple(p for p in OTHER_PROVINCES if p not in near_provinces)
    nick = rng.sample([h + t for h in NICK_HEADS for t in NICK_TAILS], 4)
    nick = [f"{n}{rng.randint(10, 99)}" for n in nick]
    order_nos: list[str] = []
    while len(order_nos) < 7:
        number = _order_no(rng)
        if number not in order_nos:
            order_nos.append(number)
    waybills = {}
    roles = {"a": near, "b": far, "c": "SF", "d": near}
    orders = {}
    for index, (role, carrier) in enumerate(roles.items()):
        number = waybill(rng, carrier)
        while number in waybills.values():
            number = waybill(rng, carrier)
        waybills[role] = number
        if role == "a":
            address = _address(rng, rng.choice(near_provinces))
        elif role == "b":
            address = _address(rng, rng.choice(far_provinces))
        elif role == "c":
            address = _address(rng, rng.choice(near_provinces + far_provinces))
        else:
            address = _address(rng, rng.choice(far_provinces))  # the address the buyer typed by mistake
        orders[role] = {"order_no": order_nos[index], "buyer": nick[index], "carrier": carrier,
                        "carrier_name": str(carrier_name(carrier)), "waybill": number, "address": address,
                        "message": rng.choice(DECOY_MESSAGES) if role in "ab" else ""}
    orders["c"]["message"] = rng.choice(SF_MESSAGES)
    orders["d"]["message"] = "地址填错了，麻烦发货前帮我改一下，新地址发旺旺了"
    new_address = _address(rng, rng.choice(near_provinces))
    new_address["receiver_name"] = orders["d"]["address"]["receiver_name"] if rng.random() < 0.5 \
        else rng.choice(SURNAMES) + rng.choice(GIVEN)
    flag, flag_label = rng.choice(FLAGS)
    limit = rng.choice((50, 80, 100, 120, 150, 200))
    refund_only_amount = f"{Decimal(rng.randint(limit * 3, limit * 9)) / 10:.2f}"  # 30–90 % of the limit
    refuse_case = rng.choice(sorted(REFUSE_CASES))
    keeper = rng.choice(RETURN_KEEPERS)
    w_province, w_city, w_district, w_street = rng.choice(WAREHOUSES)
    return_address = (f"{keeper}，{_phone(rng)}，{w_province}{w_city}{w_district}{w_street}"
                      f"{rng.randint(1, 299)}号{rng.randint(1, 9)}号仓库")
    ship_list = [{"order_no": orders[r]["order_no"], "waybill": orders[r]["waybill"]} for r in "abcd"]
    rng.shuffle(ship_list)
    refunds = [
        {"role": "agree", "order_no": order_nos[4], "kind": "refund_only", "reason": rng.choice(REFUND_ONLY_REASONS),
         "amount": refund_only_amount, "note": rng.choice(("等了一周还没收到，物流一直不更新", "快递显示在途很多天了，一直没到"))},
        {"role": "return", "order_no": order_nos[5], "kind": "return_refund", "reason": "七天无理由退货",
         "amount": "", "note": rng.choice(RETURN_NOTES_OK)},
        {"role": "refuse", "order_no": order_nos[6], "kind": "return_refund", "reason": "七天无理由退货",
         "amount": "", "note": rng.choice(REFUSE_CASES[refuse_case])},
    ]
    refund_list = [r["order_no"] for r in refunds]
    rng.shuffle(refund_list)
    return {
        "shop_seed": SHOP_SEED,
        "attempt_after": reference_for_seed(SHOP_SEED).isoformat(),
        "region": region, "region_provinces": list(near_provinces),
        "near_carrier": near, "near_carrier_name": str(carrier_name(near)),
        "far_carrier": far, "far_carrier_name": str(carrier_name(far)),
        "orders": orders, "ship_list": ship_list, "ship_order_nos": [orders[r]["order_no"] for r in "abcd"],
        "new_address": new_address,
        "new_address_text": (f"{new_address['receiver_name']}，{new_address['receiver_phone']}，{new_address['province']}"
                             f"{new_address['city']}{new_address['district']}{new_address['address_detail']}"),
        "flag": flag, "flag_label": flag_label, "memo": rng.choice(MEMOS),
        "refund_only_limit": limit, "refunds": refunds, "refund_list": refund_list,
        "refund_order_nos": [r["order_no"] for r in refunds], "refuse_case": refuse_case,
        "refuse_reason": REFUSE_REASON, "return_address": return_address,
    }


def _kind(line) -> str:
    """apparel / food / beauty …: the generator's kind of the line's product category."""
    category = line.product.category if line.product_id and line.product else None
    return KIND_OF_LEAF.get(category.name, "") if category else ""


def _line_of(order: Order, kind: str):
    return next((line for line in order.lines.all() if _kind(line) == kind), None)


def _clean_paid(order: Order, *, order_no: str, customer: Customer, address: dict, message: str) -> None:
    order.order_no = order_no
    order.customer = customer
    order.buyer_message = message
    order.flag, order.seller_memo = "", ""
    for name, value in address.items():
        setattr(order, name, value)
    order.save()


def setup(ctx, params):
    """Four of the shop's paid orders become the labelled ones (new buyers, addresses, numbers); three
    shipped orders get the refund requests, filed by their buyers. The other paid orders and open
    refunds stay as generated: they are the work the task says to leave alone."""
    orders = ctx.objects(Order).prefetch_related("lines__product__category")

    def free(status: str) -> list[Order]:
        return [o for o in orders.filter(status=status).order_by("pk") if not o.refunds.exists()]

    paid, shipped = free(Order.Status.PAID), free(Order.Status.SHIPPED)
    if len(paid) < 6:
        raise RuntimeError("the generated shop needs at least 6 paid orders without refunds")
    taken = set(ctx.objects(Customer).values_list("nickname", flat=True))
    for role, order in zip("abcd", ctx.rng.sample(paid, 4)):
        spec = params["orders"][role]
        if spec["buyer"] in taken:
            raise RuntimeError(f"nickname {spec['buyer']} already exists")
        address = spec["address"]
        customer = Customer.objects.create(
            sandbox=ctx.sandbox, nickname=spec["buyer"], name=address["receiver_name"], phone=address["receiver_phone"],
            province=address["province"], city=address["city"])
        _clean_paid(order, order_no=spec["order_no"], customer=customer, address=address, message=spec["message"])

    ctx.rng.shuffle(shipped)
    picks: dict[str, tuple[Order, object]] = {}
    for role, kind in (("refuse", params["refuse_case"]), ("return", "apparel")):
        order = next(o for o in shipped if _line_of(o, kind) is not None)
        shipped.remove(order)
        picks[role] = (order, _line_of(order, kind))
    amount = Decimal(params["refunds"][0]["amount"])
    order = next(o for o in shipped if o.pay_amount > amount)
    picks["agree"] = (order, None)
    for spec in params["refunds"]:
        order, line = picks[spec["role"]]
        order.order_no = spec["order_no"]
        order.save(update_fields=["order_no"])
        value = amount if line is None else min(line.subtotal, order.pay_amount)
        ctx.services.orders.refund_request(
            order=order, actor=Actor.buyer(order.customer), kind=spec["kind"], amount=value, reason=spec["reason"],
            buyer_note=spec["note"], line=line, sandbox=ctx.sandbox)
