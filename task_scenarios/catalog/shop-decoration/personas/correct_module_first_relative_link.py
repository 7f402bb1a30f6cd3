"""Works bottom-up: adds the 宝贝推荐 module first, then the navigation, then the pictures and the basic
info last; banner link as a relative path copied from the address bar without the host (/s/…/search/?q=…)."""
KIND = "correct"
EXPECTED = (19, 20)

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
    url = _search_url(ctx, p["banner_keyword"])
    relative = "/" + url.split("://", 1)[1].split("/", 1)[1]
    banner, logo = _material(ctx, p["banner_file"]), _material(ctx, p["logo_file"])
    page = _deco(ctx)
    _module_add(ctx, page, kind="宝贝推荐", title=p["module_title"], products=p["module_products"])
    for name in p["nav_categories"]:
        _nav_add(ctx, page, name, category=name)
    _banner(ctx, page, banner, link=relative)
    _logo(ctx, page, logo)
    _basic(ctx, page, name=p["shop_name"], slogan=p["slogan"], colour=p["theme_color"]["hex"])
