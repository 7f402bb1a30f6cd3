"""Reference solution: the whole brief, done in 店铺装修 like a person (see _ui.py for the steps).

The banner link is what a person copies from the address bar after searching the storefront for
the given word; the logo is the 80 × 80 file, the one that fits the 店标 slot.
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_shop_decoration_ui", Path(__file__).resolve().parent / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    ui.decorate(ctx)
