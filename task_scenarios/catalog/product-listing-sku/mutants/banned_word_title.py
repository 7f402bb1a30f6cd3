"""Mistake: the selling phrase 销量第一 from the supplier's title is kept in the product title."""

import importlib.util
from pathlib import Path

LOSES = ["title_copy"]

_spec = importlib.util.spec_from_file_location("_product_listing_ui", Path(__file__).resolve().parents[1] / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    ui.publish(ctx, title=ctx.params["sample_title"] + "销量第一")
