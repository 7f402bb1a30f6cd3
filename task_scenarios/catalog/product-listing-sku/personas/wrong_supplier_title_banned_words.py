"""Pastes the supplier's title as the 宝贝标题 despite the note; when the byte counter says it is too
long it deletes the last phrase (from the last space) until it fits, so "全网销量第一" (and, when it
fitted, "最好用的…") stays in the title. Everything else is right."""
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
    title = p["supplier_title"]
    while _bytes(title) > 60 and " " in title:
        title = title.rsplit(" ", 1)[0]
    _full(ctx, title=title)
