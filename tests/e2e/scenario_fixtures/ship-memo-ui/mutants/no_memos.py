"""Ships correctly and flags the first order, but writes no memo: the order list shows none either."""

from pathlib import Path

from autograder.solution import script_import

LOSES = ["memo_first", "memo_second", "first_listed", "second_listed"]

solution = script_import(Path(__file__).resolve().parent.parent / "solution.py")


def run(ctx):
    params = ctx.params
    for order_no, waybill in zip(params["order_nos"], params["waybills"]):
        solution.ship(ctx, order_no, params["carrier_name"], waybill)
    page = solution.open_order(ctx, params["order_nos"][0])
    page.get_by_label(params["flag_name"], exact=True).check()
    page.get_by_role("button", name="保存备注").click()
    ctx.expect(page.locator("main")).to_contain_text(params["flag_name"])
    solution.slogan(ctx, params["slogan"])
