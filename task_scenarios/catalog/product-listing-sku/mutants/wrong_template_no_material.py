"""Mistake: the look-alike shipping template is chosen and the 材质 attribute is left out."""

import importlib.util
from pathlib import Path

LOSES = ["material_attribute", "shipping_template"]

_spec = importlib.util.spec_from_file_location("_product_listing_ui", Path(__file__).resolve().parents[1] / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    ui.publish(ctx, shipping_template=ctx.params["other_template"], material=False)
