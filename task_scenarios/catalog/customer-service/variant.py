"""客户服务: answer three buyers who write in as the attempt begins, from the shop's 店铺资料, and set
up the auto-replies (a greeting with the shop name, keyword replies that survive paraphrases).

The facts (carrier, shipping promise, free-shipping threshold, invoice and return policy, the size
table) are the variant's; so are the buyers, their questions and the hidden test questions for the
keyword rules. ``setup`` (frozen clock) names the shop, adds the buyers and leaves the auto-replies
unconfigured; ``start`` (real clock) sends the buyers' questions, so the first-response time is
measured from the moment the candidate could see them.
"""

from __future__ import annotations

from shop_sim.models import AutoReplyRule, Customer, ShopDecoration

BRANDS = ("木槿集", "初棉", "素语", "衣间", "拾光里", "北岸", "棉小屋", "禾风", "青橙", "南栀", "半夏", "知行")
SHOP_SUFFIXES = ("服饰旗舰店", "女装店", "男装专营店", "原创设计店", "休闲服饰店", "官方旗舰店")
CARRIERS = (("中通快递", ["中通"]), ("圆通速递", ["圆通"]), ("韵达快递", ["韵达"]), ("申通快递", ["申通"]),
            ("顺丰速运", ["顺丰"]), ("极兔速递", ["极兔"]))
# (promise, accepted phrasings): 16:00前 also accepts 16点前 / 下午4点前 / 下午四点前 (normalize_phrase)
SHIP_PROMISES = (
    ("付款后48小时内发货", ["48小时", "48h", "2天内", "48个小时"]),
    ("付款后24小时内发货", ["24小时", "24h", "1天内", "24个小时"]),
    ("每天16:00前付款当天发货，16:00后次日发货", ["16:00前", "4点前", "16:00之前", "4点之前", "16:00以前"]),
    ("每天17:00前付款当天发货，17:00后次日发货", ["17:00前", "5点前", "17:00之前", "5点之前", "17:00以前"]),
)
FREE_SHIPPING = (59, 69, 79, 88, 99, 129)
INVOICE_TYPES = {
    "电子普通发票": ["电子普通发票", "电子普票", "电子发票", "电子普通票", "电子版普通发票", "电子版发票"],
    "纸质普通发票": ["纸质普通发票", "纸质发票", "纸质普票", "纸质普通票", "纸质版发票", "纸质版普通发票"],
    "增值税专用发票": ["增值税专用发票", "专用发票", "专票", "增值税专票"],
}
INVOICES = (  # (policy, its type, how to get it: (label, phrasings))
    ("可开具电子普通发票，请在订单留言中写明发票抬头和税号，确认收货后开具", "电子普通发票",
     ("留言写明发票抬头和税号", ["税号"])),
    ("可开具纸质普通发票，请在订单留言中写明发票抬头和税号，发票随货寄出", "纸质普通发票",
     ("发票随货寄出", ["随货", "跟货", "和货一起", "与货一起", "跟包裹一起", "随包裹"])),
    ("可开具增值税专用发票，请联系客服提供开票资料，确认收货后7个工作日内寄出", "增值税专用发票",
     ("确认收货后寄出", ["确认收货"])),
)
SEVEN_DAYS = ["7天无理由", "7天内无理由", "7日无理由", "7日内无理由", "7天可以无理由", "7天内可以无理由"]
RETURNS = (
    ("支持7天无理由退换货（吊牌完好、未洗涤），退货运费由买家承担", []),
    ("支持7天无理由退换货（吊牌完好、未洗涤），本店已赠送运费险", [{"say": ["运费险"], "label": "赠送运费险"}]),
)
# Small talk and the other questions buyers ask that no keyword reply of the three topics should answer.
NOT_A_TOPIC = ("在吗？", "你好", "衣服不合适可以退吗", "有优惠券吗", "谢谢亲")
GARMENTS = ("T恤", "卫衣", "衬衫", "针织开衫", "休闲裤")
SIZES = ("S", "M", "L", "XL", "XXL")
ANSWER_SIZES = SIZES  # sizes are matched as words of their own: XL is not found in XXL
NICK_HEADS = ("爱喝奶茶的", "会画画的", "追剧的", "跑步的", "养猫的", "学日语的", "看海的", "种花的")
NICK_TAILS = ("小鹿", "橘子", "云朵", "饭团", "豆包", "小满", "年糕", "芒果")
FORBIDDEN = ["不知道", "不清楚", "自己看", "自己去看", "爱买不买"]
FIRST_RESPONSE_SECONDS = 180

# Hidden test questions per topic: an example the instructions show, and paraphrases.
TOPICS = {
    "shipping": ("什么时候发货", "几天能发货？", "今天下单什么时候发出", "多久能发货呀", "拍下后多久发货",
                 "发什么快递", "用的什么快递？", "一般几天发出", "下单后多久发出呀", "走什么物流"),
    "postage": ("包邮吗", "包不包邮？", "运费多少", "要运费吗", "邮费怎么算", "需要付运费吗", "免运费吗",
                "邮费多少钱"),
    "invoice": ("可以开发票吗", "能开票吗", "有发票吗", "开票怎么开", "发票怎么开", "可以开票吗", "发票能开吗"),
}


def size_choices() -> list[list[str]]:
    """Each size's labels: a recommendation names exactly one of them (XXL is also written 2XL)."""
    return [[size] + (["2XL"] if size == "XXL" else []) for size in SIZES]


def fact(say: list[str], label: str, unless: list[str] | None = None) -> dict:
    return {"say": say, "label": label, "unless": unless or []}


def _size_table(rng) -> list[dict]:
    height = rng.choice((150, 152, 155))
    weight = rng.choice((80, 85, 90))
    rows = []
    for size in SIZES:
        step_h, step_w = rng.choice((5, 6, 7, 8)), rng.choice((15, 18, 20))
        rows.append({"size": size, "height_min": height, "height_max": height + step_h,
                     "weight_min": weight, "weight_max": weight + step_w})
        height, weight = height + step_h, weight + step_w
    return rows


def derive(rng):
    brand = rng.choice(BRANDS)
    shop_name = brand + rng.choice(SHOP_SUFFIXES)
    carrier, carrier_variants = rng.choice(CARRIERS)
    promise, promise_variants = rng.choice(SHIP_PROMISES)
    threshold = rng.choice(FREE_SHIPPING)
    fee = rng.choice((6, 8, 10))
    invoice, invoice_type, (how_label, how_say) = rng.choice(INVOICES)
    returns, return_extra = rng.choice(RETURNS)
    garment = rng.choice(GARMENTS)
    table = _size_table(rng)
    answer = rng.choice(ANSWER_SIZES)
    row = next(r for r in table if r["size"] == answer)
    height = rng.randint(row["height_min"] + 1, row["height_max"] - 1)
    weight = rng.randint(row["weight_min"] + 1, row["weight_max"] - 1)
    nicks = rng.sample([h + t for h in NICK_HEADS for t in NICK_TAILS], 3)
    nicks = [f"{n}{rng.randint(100, 999)}" for n in nicks]

    other_carriers = [name for c, names in CARRIERS if c != carrier for name in names]
    other_promises = [v for p, variants in SHIP_PROMISES if p != promise for v in variants]
    facts = {
        "promise": fact(promise_variants, promise, other_promises),
        "carrier": fact(carrier_variants, carrier, other_carriers),
        "threshold": fact([f"满{threshold}", f"{threshold}元以上", f"{threshold}元及以上", f"{threshold}块以上",
                           f"{threshold}元起"], f"满{threshold}元包邮"),
        "free": fact(["包邮", "免运费", "免邮"], "包邮"),
        "invoice_type": fact(INVOICE_TYPES[invoice_type], invoice_type),  # 不能开专票 may be said: no rivals
        "invoice_how": fact(how_say, how_label),
        "returns": fact(SEVEN_DAYS, "7天无理由退换货"),
    }
    shipping_facts = [facts["promise"], facts["carrier"]]
    postage_facts = [facts["threshold"], facts["free"]]
    invoice_facts = [facts["invoice_type"], facts["invoice_how"]]
    return_facts = [facts["returns"], *return_extra]
    buyers = [
        {"nickname": nicks[0], "topic": "shipping",
         "question": rng.choice(("你好，今天拍的话什么时候能发货？发什么快递呀？", "在吗？现在下单几天能发货，用的哪家快递？",
                                 "亲，我想今天下单，什么时候发货？走什么快递？")),
         "must_mention": shipping_facts,
         "off_topic": [facts["threshold"], facts["invoice_type"], facts["returns"]]},
        {"nickname": nicks[1], "topic": "size",
         "question": rng.choice((f"我身高{height}cm，体重{weight}斤，这款{garment}穿什么码合适？",
                                 f"你好，{height}cm、{weight}斤，{garment}拍哪个码？",
                                 f"身高{height}，体重{weight}斤，{garment}选多大码呀？")),
         "recommend": {"choices": size_choices(), "answer": answer, "label": "尺码"},
         "off_topic": [facts["promise"], facts["carrier"], facts["threshold"], facts["invoice_type"],
                       facts["returns"]]},
        {"nickname": nicks[2], "topic": "invoice_returns",
         "question": rng.choice(("可以开发票吗？收到不合适能退吗？", "买了要报销，能开发票吗？另外不合适可以退换吗？",
                                 "你好，能开发票吗？衣服不合身的话能退吗？")),
         "must_mention": invoice_facts + return_facts,
         "off_topic": [facts["promise"], facts["carrier"], facts["threshold"]]},
    ]
    topic_facts = {"shipping": shipping_facts, "postage": postage_facts, "invoice": invoice_facts}
    off_topic = {"shipping": [facts["threshold"], facts["invoice_type"], facts["returns"]],
                 "postage": [facts["promise"], facts["carrier"], facts["invoice_type"], facts["returns"]],
                 "invoice": [facts["promise"], facts["carrier"], facts["threshold"], facts["returns"]]}
    hidden = {}
    examples = {}
    for topic, pool in TOPICS.items():
        example = rng.choice(pool)
        core = example.rstrip("？?")  # a keyword cut from the example must not catch a paraphrase
        others = [q for q in pool if q != example and core not in q]
        asked = [example] + rng.sample(others, 2)
        examples[topic] = example
        hidden[topic] = [{"text": text, "must_mention": topic_facts[topic]} for text in asked]
    # precision: the other topics' test questions and small talk must not get this topic's answer
    not_hidden = {topic: [q["text"] for other in TOPICS if other != topic for q in hidden[other]] + list(NOT_A_TOPIC)
                  for topic in TOPICS}
    return {
        "shop_name": shop_name,
        "carrier": carrier, "ship_promise": promise, "free_shipping": threshold, "shipping_fee": fee,
        "invoice": invoice, "returns": returns, "garment": garment, "size_table": table,
        "size_answer": answer, "buyers": buyers, "forbidden": FORBIDDEN,
        "first_response_seconds": FIRST_RESPONSE_SECONDS,
        "examples": examples, "hidden": hidden, "not_hidden": not_hidden, "off_topic": off_topic,
        "greeting_must_mention": [[shop_name]],
    }


def setup(ctx, params):
    """The shop as handed out: renamed, three new buyers, and no auto-reply that answers anything yet
    (the greeting is switched off and generic, the old keyword replies are gone)."""
    ShopDecoration.objects.for_sandbox(ctx.sandbox).update(shop_name=params["shop_name"])
    rules = ctx.objects(AutoReplyRule)
    rules.filter(kind=AutoReplyRule.Kind.KEYWORD).delete()
    rules.filter(kind=AutoReplyRule.Kind.GREETING).update(reply="您好，欢迎光临，有什么可以帮您？", enabled=False)
    taken = set(ctx.objects(Customer).values_list("nickname", flat=True))
    for buyer in params["buyers"]:
        if buyer["nickname"] in taken:
            raise RuntimeError(f"nickname {buyer['nickname']} already exists")
        Customer.objects.create(sandbox=ctx.sandbox, nickname=buyer["nickname"])


def start(ctx, params):
    """The buyers write in when the candidate first opens the task (real clock; see
    task_scenarios.setup.scenario_instance_start), through the live chat's own service."""
    for buyer in params["buyers"]:
        customer = ctx.objects(Customer).get(nickname=buyer["nickname"])
        ctx.services.chat.chat_buyer_message(sandbox=ctx.sandbox, customer=customer, body=buyer["question"])
