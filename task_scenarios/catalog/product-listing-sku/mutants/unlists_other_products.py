"""Mistake: the product is published correctly, but two of the shop's other products are taken off
sale (下架) on the way — the task says not to change the shop's existing products: 1 point each."""

import importlib.util
from pathlib import Path

LOSES = ["collateral"]

_spec = importlib.util.spec_from_file_location("_product_listing_ui", Path(__file__).resolve().parents[1] / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    ui.publish(ctx)
    page, expect = ctx.page, ctx.expect
    page.goto(ctx.console_url("products/"))
    others = page.get_by_role("row").filter(has=page.get_by_role("button", name="下架", exact=True)) \
        .filter(has_not_text=ctx.params["brand"])
    for _ in range(2):
        count = others.count()
        others.first.get_by_role("button", name="下架", exact=True).click()
        expect(others).to_have_count(count - 1)
