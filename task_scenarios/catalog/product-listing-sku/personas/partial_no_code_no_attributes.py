"""Gets the title, category, the whole SKU table (special price included), the main picture, the
template and 上架 right, but skips requirement 3 (no 品牌/材质 attributes) and requirement 5 (no
商家编码): two of the eight requirements missing."""
KIND = "partial"
EXPECTED = (14, 17)

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    _full(ctx, attributes=[], merchant_code="", title=_title(
        f"{p['brand']}2026新款{p['material']}{p['style']}{p['noun']}",
        f"{p['brand']}{p['material']}{p['style']}{p['noun']}"))
