"""Edits the shop's existing 首次接待语 to name the shop but does not notice the rule is 停用 and leaves
the 启用 box unticked, so no greeting is ever sent. Replies to the buyers and the keyword replies are
right."""
KIND = "wrong"
EXPECTED = (17, 19)

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
        _send(ctx, page, _answer(p, _question(page)))
    _edit_greeting(ctx, f"您好，欢迎光临{p['shop_name']}！请问有什么可以帮您？", enable=False)
    for keywords, reply, position in _rules(p):
        _add_keyword_rule(ctx, keywords, reply, position)
