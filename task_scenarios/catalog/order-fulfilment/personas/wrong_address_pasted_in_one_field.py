"""Misreads 修改收货地址 as “replace the address line”: pastes the buyer's whole message (name, phone,
province, city, district, street) into 详细地址 and leaves 收货人/手机号码/省份/城市/区/县 as they were;
ships that order with the carrier of the new (pasted) region. Flag, memo, the other three shipments
and the refunds are right."""
KIND = "wrong"
EXPECTED = (15, 17)

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


def run(ctx):
    p = ctx.params
    d = p["orders"]["d"]
    page = _open_order(ctx, d["order_no"])
    page.get_by_label("详细地址").fill(p["new_address_text"])
    page.get_by_role("button", name="保存收货地址").click()
    ctx.expect(page.get_by_text("收货地址已修改")).to_be_visible()
    _flag_memo(ctx, page, p["flag_label"], p["memo"])
    for row in p["ship_list"]:
        page = _open_order(ctx, row["order_no"])
        if row["order_no"] == d["order_no"]:
            carrier = p["near_carrier_name"]  # the pasted address is in the contract region
        else:
            carrier = _rule_carrier(ctx, page)
        _ship_here(ctx, page, carrier, row["waybill"])
    for order_no in p["refund_list"]:
        _handle_refund_by_rules(ctx, order_no)
