"""Does the orders right but never changes the slogan."""

from pathlib import Path

from autograder.solution import script_import

LOSES = ["slogan", "slogan_shown"]

solution = script_import(Path(__file__).resolve().parent.parent / "solution.py")


def run(ctx):
    params = ctx.params
    for order_no, waybill in zip(params["order_nos"], params["waybills"]):
        solution.ship(ctx, order_no, params["carrier_name"], waybill)
    solution.memo(ctx, params["order_nos"][0], params["memos"][0], params["flag_name"])
    solution.memo(ctx, params["order_nos"][1], params["memos"][1])
