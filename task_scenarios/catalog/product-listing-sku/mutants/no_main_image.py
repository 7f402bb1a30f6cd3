"""Mistake: the supplier's pictures are never downloaded, so the product is published without a main
image. Everything else is right: the main-image criterion is lost, and buyers see no picture."""

import importlib.util
from pathlib import Path

LOSES = ["main_image", "storefront"]

_spec = importlib.util.spec_from_file_location("_product_listing_ui", Path(__file__).resolve().parents[1] / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    ui.publish(ctx, picture=False)
