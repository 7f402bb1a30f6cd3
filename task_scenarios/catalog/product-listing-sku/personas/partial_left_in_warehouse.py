"""Fills in everything exactly as the brief says (own title: brand, material, style, noun, "新款"),
but leaves 上架设置 at 放入仓库 "to check it once more before it goes live" and never puts it on sale:
requirement 8 (发布后立刻上架) is missed, buyers cannot find or buy it."""
KIND = "partial"
EXPECTED = (16, 18)

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    _full(ctx, status="放入仓库", title=_title(
        f"{p['brand']}{p['material']}{p['style']}{p['noun']} 新款",
        f"{p['brand']}{p['material']}{p['style']}{p['noun']}"))
