"""Types with the IME in full-width mode (４８小时, 满９９元) and works in another order: first a quick
“您好，在的～” to each buyer (last listed first), then each full answer in a message of its own; the
keyword replies are added invoice first with 顿号-separated keywords and explicit priorities
(30/20/10, 运费 highest); the greeting is a new 首次接待语 (“欢迎光临<店名>～…”). All facts right."""
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


FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def run(ctx):
    p = ctx.params
    buyers = list(reversed(p["buyers"]))
    for buyer in buyers:
        page = _open_chat(ctx, buyer["nickname"])
        _send(ctx, page, "您好，在的～请稍等，马上为您查询！")
    for buyer in buyers:
        page = _open_chat(ctx, buyer["nickname"])
        question = _question(page)
        if _topic(question) == "size":
            size, height, weight = _size_for(p, question)
            label = "2XL（XXL）" if size == "XXL" else size
            _send(ctx, page, f"亲，按您{height}cm、{weight}斤的身材，这款{p['garment']}建议选{label}码哦～".translate(FULL)
                  .replace(label.translate(FULL), label))
        else:
            _send(ctx, page, _answer(p, question).translate(FULL))
    for keywords, reply, position in reversed(_rules(p)):
        _add_keyword_rule(ctx, keywords, reply.translate(FULL), position * 10)
    _add_greeting(ctx, f"欢迎光临{p['shop_name']}～亲，有什么可以帮您的吗？")
