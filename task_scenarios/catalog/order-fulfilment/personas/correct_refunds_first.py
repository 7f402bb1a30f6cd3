"""A careful candidate who starts with 退款管理 (reads each request's type, reason, amount and note before
deciding), then changes the address of the order to change, flags it and ships all four orders by the
rules. Equivalent formats: the city typed without 市 (“杭州”, “上海”), the return address written with
labels (收件人：… 电话：… 地址：…), the refusal explained in the candidate's own words."""
KIND = "correct"
EXPECTED = (19, 20)

import random
import re
from decimal import Decimal

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def _labelled(text):
    keeper, phone, address = [part.strip() for part in text.split("，", 2)]
    return f"收件人：{keeper}  电话：{phone}  地址：{address}"


def run(ctx):
    p = ctx.params
    for order_no in p["refund_list"]:
        _handle_refund_by_rules(ctx, order_no, return_address=_labelled(p["return_address"]),
                                refuse_note="亲，您的商品已拆封/已剪吊牌或洗涤过，影响二次销售，"
                                            "按店铺规定不支持七天无理由退货，非常抱歉。")
    d = p["orders"]["d"]
    new = p["new_address"]
    page = _open_order(ctx, d["order_no"])
    _change_address(ctx, page, new, city=new["city"].removesuffix("市") or new["city"])
    _flag_memo(ctx, page, p["flag_label"], p["memo"])
    for row in p["ship_list"]:
        page = _open_order(ctx, row["order_no"])
        _ship_here(ctx, page, _rule_carrier(ctx, page), row["waybill"])
