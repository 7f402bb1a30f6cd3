"""Batch-fills every SKU with the common price and stock and never changes the one SKU the table
prices differently: that SKU sells at the wrong price. Everything else right (own title order)."""
KIND = "wrong"
EXPECTED = (16, 19)

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    _full(ctx, special=False, title=_title(
        f"{p['style']}{p['material']}{p['noun']} {p['brand']} 2026新款",
        f"{p['style']}{p['material']}{p['noun']} {p['brand']}"))
