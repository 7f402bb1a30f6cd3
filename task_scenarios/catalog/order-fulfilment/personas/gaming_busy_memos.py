"""Busy-looking nothing: opens every listed order and refund request, puts the task's flag and a
“已处理” memo on each of the four 快递面单 orders and marks them as handled — but ships nothing, changes
no address and answers no refund request."""
KIND = "gaming"
EXPECTED = (0, 2)

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
    for row in p["ship_list"]:
        page = _open_order(ctx, row["order_no"])
        _flag_memo(ctx, page, p["flag_label"], f"已处理：{p['memo']}，运单 {row['waybill']}")
    for order_no in p["refund_list"]:
        page = _open_refund(ctx, order_no)
        _read_refund(page)
        page.get_by_role("link", name=order_no).click()  # looks at the order, does nothing
        ctx.expect(page.get_by_role("heading", name="订单详情")).to_be_visible()
