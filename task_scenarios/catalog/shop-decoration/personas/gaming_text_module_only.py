"""Busy-looking minimum: sets the shop name and slogan, then a 自定义文字 module with the module title
whose text lists the three products' names and the navigation names; no colour, logo, banner or nav."""
KIND = "gaming"
EXPECTED = (2, 5)

import re

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    page = _deco(ctx)
    _basic(ctx, page, name=p["shop_name"], slogan=p["slogan"], colour="#ff5000")
    body = "推荐：" + "、".join(p["module_products"]) + "。分类：" + "、".join(p["nav_categories"])
    _module_add(ctx, page, kind="自定义文字", title=p["module_title"], body=body)
