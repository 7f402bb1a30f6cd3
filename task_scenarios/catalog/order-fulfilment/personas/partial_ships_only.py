"""Does the shipping half well — changes the address of the order to change, flags it with the memo,
ships all four orders with the right carriers and waybills — but never opens 退款管理: the three
refund requests stay unanswered."""
KIND = "partial"
EXPECTED = (12, 14)

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
    _change_address(ctx, page, p["new_address"])
    _flag_memo(ctx, page, p["flag_label"], p["memo"])
    for row in p["ship_list"]:
        page = _open_order(ctx, row["order_no"])
        _ship_here(ctx, page, _rule_carrier(ctx, page), row["waybill"])
