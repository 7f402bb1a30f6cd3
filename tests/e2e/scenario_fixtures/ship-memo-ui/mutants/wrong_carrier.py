"""Ships both orders with another carrier (with waybills in that carrier's format); the rest is right."""

from pathlib import Path

from autograder.solution import script_import

LOSES = ["ship_first", "ship_second", "waybills"]

solution = script_import(Path(__file__).resolve().parent.parent / "solution.py")


def run(ctx):
    params = ctx.params
    name, waybills = ("圆通速递", ["YT6012345678901", "YT6012345678902"]) if params["carrier"] == "SF" else \
        ("顺丰速运", ["SF123456789012", "SF123456789013"])
    for order_no, waybill in zip(params["order_nos"], waybills):
        solution.ship(ctx, order_no, name, waybill)
    solution.memo(ctx, params["order_nos"][0], params["memos"][0], params["flag_name"])
    solution.memo(ctx, params["order_nos"][1], params["memos"][1])
    solution.slogan(ctx, params["slogan"])
