"""Reference solution: the order desk's morning, done in 交易管理 like a person (steps in _ui.py).

Carriers follow the shop's rule — region, or SF where the buyer asked and paid the difference — and
order D's address is changed before it ships, so its carrier follows the new address.
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_order_fulfilment_ui", Path(__file__).resolve().parent / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    params = ctx.params
    ui.ship_all(ctx, params)
    d = params["orders"]["d"]
    ui.change_address(ctx, d["order_no"], params["new_address"])
    ui.ship(ctx, d["order_no"], d["carrier_name"], d["waybill"])
    ui.flag_and_memo(ctx, d["order_no"], params["flag_label"], params["memo"])
    for refund in params["refunds"]:
        ui.refund_by_policy(ctx, refund, params)
