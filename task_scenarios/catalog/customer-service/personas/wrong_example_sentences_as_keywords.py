"""Takes the instructions' example questions as the keywords: each keyword reply is triggered only by
its example sentence (e.g. “什么时候发货”, with and without the question mark), so other ways of asking
get no answer. Replies to buyers, the greeting and the replies' texts are right."""
KIND = "wrong"
EXPECTED = (12, 15)

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
    replies = {reply_topic: reply for reply_topic, (_k, reply, _pos) in zip(("postage", "shipping", "invoice"), _rules(p))}
    for position, topic in enumerate(("shipping", "postage", "invoice"), start=1):
        example = p["examples"][topic]
        words = "，".join(dict.fromkeys([example, example.rstrip("？?")]))
        _add_keyword_rule(ctx, words, replies[topic], position)
