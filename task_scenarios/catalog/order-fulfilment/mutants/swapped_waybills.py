"""Sticks the labels on the wrong parcels: orders A and D (same carrier) get each other's waybill.

Everything else is right, so the buyer of D sees A's tracking number in 我的订单.
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_order_fulfilment_ui", Path(__file__).resolve().parent.parent / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)

LOSES = ["ship_near_region", "ship_address_changed"]


def run(ctx):
    params = ctx.params
    a, d = params["orders"]["a"], params["orders"]["d"]
    ui.ship_all(ctx, params, waybills={"a": d["waybill"]})
    ui.change_address(ctx, d["order_no"], params["new_address"])
    ui.ship(ctx, d["order_no"], d["carrier_name"], a["waybill"])
    ui.flag_and_memo(ctx, d["order_no"], params["flag_label"], params["memo"])
    for refund in params["refunds"]:
        ui.refund_by_policy(ctx, refund, params)
