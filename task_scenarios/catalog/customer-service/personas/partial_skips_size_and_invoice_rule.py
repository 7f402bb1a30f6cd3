"""Answers the shipping and the invoice/returns buyers correctly but never gets to the size question
(that buyer gets no reply); sets up the greeting with the shop name and the 运费/包邮 and 发货/快递
keyword replies, but not the 发票 one."""
KIND = "partial"
EXPECTED = (13, 15)

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
        if _topic(question) != "size":
            _send(ctx, page, _answer(p, question))
    _edit_greeting(ctx, f"您好，欢迎光临{p['shop_name']}！请问有什么可以帮您？")
    for keywords, reply, position in _rules(p)[:2]:
        _add_keyword_rule(ctx, keywords, reply, position)
