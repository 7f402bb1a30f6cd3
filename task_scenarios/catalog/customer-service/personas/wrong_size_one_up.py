"""Misreads the size table by one row: recommends the size of the row next to the one that holds the
buyer's height and weight (the row below it; for the largest size, the row above), “to be safe, one
size up”. Everything else (other answers, greeting, keyword replies) is right."""
KIND = "wrong"
EXPECTED = (16, 18)

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
    for buyer in p["buyers"]:
        page = _open_chat(ctx, buyer["nickname"])
        question = _question(page)
        if _topic(question) == "size":
            right, height, weight = _size_for(p, question)
            size, _h, _w = _size_for(p, question, step=1)
            if size == right:  # already the largest size: the row above
                size = p["size_table"][-2]["size"]
            _send(ctx, page, f"亲，您{height}cm、{weight}斤，保险起见建议选{size}码，穿着更舒适哦～")
        else:
            _send(ctx, page, _answer(p, question))
    _edit_greeting(ctx, f"您好，欢迎光临{p['shop_name']}！请问有什么可以帮您？")
    for keywords, reply, position in _rules(p):
        _add_keyword_rule(ctx, keywords, reply, position)
