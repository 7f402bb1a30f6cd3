"""Misses rule 4 (先改地址、后发货): works down the 快递面单 table and ships the order to change at its old
address — picks the carrier for the old (other-region) address, and when the system refuses the
waybill for that carrier, picks the carrier the waybill fits. Then finds the address can no longer be
changed, still puts the flag and memo on; the other three orders and the refunds are handled right."""
KIND = "wrong"
EXPECTED = (14, 16)

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
    for row in p["ship_list"]:
        page = _open_order(ctx, row["order_no"])
        first = _rule_carrier(ctx, page)
        _ship_trying(ctx, page, [first] + [c for c in (p["near_carrier_name"], p["far_carrier_name"], "顺丰速运")
                                           if c != first], row["waybill"])
    page = _open_order(ctx, d["order_no"])
    ctx.expect(page.get_by_role("button", name="保存收货地址")).to_have_count(0)  # no longer possible
    _flag_memo(ctx, page, p["flag_label"], p["memo"])
    for order_no in p["refund_list"]:
        _handle_refund_by_rules(ctx, order_no)
