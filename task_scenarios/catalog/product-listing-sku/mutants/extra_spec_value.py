"""Mistake: a spec value the task does not ask for is added to 规格二 (one size or length too many),
so the matrix has extra SKUs. The asked-for SKUs are all there with the right prices and stock: only
the SKU-table criterion loses (each extra SKU a share)."""

import importlib.util
from pathlib import Path

LOSES = ["sku_matrix"]

_spec = importlib.util.spec_from_file_location("_product_listing_ui", Path(__file__).resolve().parents[1] / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    ui.publish(ctx, values2=[*ctx.params["values2"], "均码"])
