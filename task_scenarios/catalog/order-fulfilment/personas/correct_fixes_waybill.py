"""Works down the 快递面单 table in its order (changing the address of the order to change, with flag and
memo, just before shipping it), types the first waybill with one wrong digit and corrects it with
修改运单号, types a 顺丰 number in lower case with spaces, first enters the new phone number in
full-width digits (the form refuses it; retyped), refunds last in reverse order, own wording of the
refusal. Everything ends correct."""
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


FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _typo(number):
    last = number[-1]
    return number[:-1] + ("1" if last != "1" else "2")


def run(ctx):
    p = ctx.params
    d = p["orders"]["d"]
    new = p["new_address"]
    for index, row in enumerate(p["ship_list"]):
        page = _open_order(ctx, row["order_no"])
        if row["order_no"] == d["order_no"]:
            page.get_by_label("收货人").fill(new["receiver_name"])
            page.get_by_label("手机号码").fill(new["receiver_phone"].translate(FULL))
            page.get_by_label("省份").select_option(label=new["province"])
            page.get_by_label("城市").fill(new["city"])
            page.get_by_label("区/县").fill(new["district"])
            page.get_by_label("详细地址").fill(new["address_detail"])
            page.get_by_role("button", name="保存收货地址").click()
            ctx.expect(page.get_by_text("请填写正确的手机号码")).to_be_visible()
            _change_address(ctx, page, new)
            _flag_memo(ctx, page, p["flag_label"], p["memo"])
        carrier = _rule_carrier(ctx, page)
        waybill = row["waybill"]
        if carrier == "顺丰速运":
            waybill = waybill.lower()[:6] + " " + waybill[6:10] + " " + waybill[10:]
        _ship_here(ctx, page, carrier, _typo(waybill) if index == 0 else waybill)
        if index == 0:  # notices the typo on the detail page and fixes it
            section = page.locator("section", has=page.get_by_role("heading", name="修改运单号"))
            section.get_by_label("运单号").fill(row["waybill"])
            section.get_by_role("button", name="保存运单号").click()
            ctx.expect(page.get_by_text("运单号已修改")).to_be_visible()
    for order_no in reversed(p["refund_list"]):
        _handle_refund_by_rules(ctx, order_no, refuse_note="您好，商品已经拆封或剪吊牌、洗涤过了，已影响二次销售，"
                                                           "不符合七天无理由退货条件，还请谅解。")
