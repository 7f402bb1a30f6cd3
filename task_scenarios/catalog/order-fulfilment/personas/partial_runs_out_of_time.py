"""Settles the three refunds correctly, changes the address of the order to change (flag and memo
too) and ships it, ships one more order from the table — then time runs out: the other two orders of
the 快递面单 table stay unshipped."""
KIND = "partial"
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
    for order_no in p["refund_list"]:
        _handle_refund_by_rules(ctx, order_no)
    d = p["orders"]["d"]
    page = _open_order(ctx, d["order_no"])
    _change_address(ctx, page, p["new_address"])
    _flag_memo(ctx, page, p["flag_label"], p["memo"])
    _ship_here(ctx, page, _rule_carrier(ctx, page), d["waybill"])
    other = next(row for row in p["ship_list"] if row["order_no"] != d["order_no"])
    page = _open_order(ctx, other["order_no"])
    _ship_here(ctx, page, _rule_carrier(ctx, page), other["waybill"])
