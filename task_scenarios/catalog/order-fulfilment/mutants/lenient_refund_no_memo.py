"""Treats every 七天无理由 request alike: agrees to the return of the opened food / worn clothes too,
and changes D's address and ships it but never adds the flag and memo."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_order_fulfilment_ui", Path(__file__).resolve().parent.parent / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)

LOSES = ["flag_memo", "refund_refuse", "refund_refuse_note"]


def run(ctx):
    params = ctx.params
    ui.ship_all(ctx, params)
    d = params["orders"]["d"]
    ui.change_address(ctx, d["order_no"], params["new_address"])
    ui.ship(ctx, d["order_no"], d["carrier_name"], d["waybill"])
    for refund in params["refunds"]:
        if refund["role"] == "refuse":
            ui.refund_agree_return(ctx, refund["order_no"], params["return_address"])
        else:
            ui.refund_by_policy(ctx, refund, params)
