"""A competent 客服: answers the three buyers first, in the order listed, in their own polite words
with every fact they asked for (shipping time and carrier; the size from the table; invoice type and
how to get it, plus the return policy), then edits the shop's existing 首次接待语 to name the shop and
switches it on, adds three keyword replies (运费/包邮 first, then 发货/快递/物流, then 发票/开票) and tries
one question in the 测试 box."""
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
    for buyer in p["buyers"]:
        page = _open_chat(ctx, buyer["nickname"])
        _send(ctx, page, _answer(p, _question(page)))
    _edit_greeting(ctx, f"您好，欢迎光临{p['shop_name']}！请问有什么可以帮您？")
    for keywords, reply, position in _rules(p):
        _add_keyword_rule(ctx, keywords, reply, position)
    _try_rule(ctx, "包不包邮？")
