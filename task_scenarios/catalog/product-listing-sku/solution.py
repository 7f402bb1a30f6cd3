"""Reference solution: the product published in 发布宝贝 exactly as the brief says (see _ui.py).

The title is the supplier's title without its banned words (销量第一, 最好用的): brand, year, 新款,
material, style, noun — about 40 bytes, every keyword in it.
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_product_listing_ui", Path(__file__).resolve().parent / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    ui.publish(ctx)
