"""Reads 七天无理由退货 as always returnable and never reads the buyer's note: agrees to both 退货退款
requests with the return address (including the opened food / washed clothes one that rule 3 says to
refuse); the 仅退款 request, the address change, flag, memo and all four shipments are right."""
KIND = "wrong"
EXPECTED = (16, 18)

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
    for order_no in p["refund_list"]:
        page = _open_refund(ctx, order_no)
        r = _read_refund(page)
        if r["kind"] == "仅退款":
            if r["reason"] in REFUND_ONLY_REASONS and r["amount"] <= Decimal(p["refund_only_limit"]):
                _agree(ctx, page)
        elif r["reason"] == "七天无理由退货":
            _agree_return(ctx, page, p["return_address"])
