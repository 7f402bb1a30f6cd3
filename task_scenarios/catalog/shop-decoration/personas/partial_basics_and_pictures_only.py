"""Does steps 1–3 (basic info, logo, banner with its link) and stops: no navigation, no module."""
KIND = "partial"
EXPECTED = (10, 12)

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
    link = _search_url(ctx, p["banner_keyword"])
    logo, banner = _material(ctx, p["logo_file"]), _material(ctx, p["banner_file"])
    page = _deco(ctx)
    _basic(ctx, page, name=p["shop_name"], slogan=p["slogan"], colour=p["theme_color"]["hex"])
    _logo(ctx, page, logo)
    _banner(ctx, page, banner, link=link)
