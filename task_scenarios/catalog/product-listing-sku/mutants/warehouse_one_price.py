"""Mistake: every SKU gets the batch price (the differently priced SKU is forgotten) and the
product is put in the warehouse instead of on sale, so buyers cannot find it."""

import importlib.util
from pathlib import Path

LOSES = ["sku_special_price", "on_sale", "storefront"]

_spec = importlib.util.spec_from_file_location("_product_listing_ui", Path(__file__).resolve().parents[1] / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    ui.publish(ctx, set_special_price=False, status="放入仓库")
