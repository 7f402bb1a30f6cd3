"""Answers the buyers well, but trains the bot on the example sentences only: each keyword rule's
only keyword is the example question, so paraphrases get no answer; the greeting is switched on
without the shop name."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_customer_service_ui", Path(__file__).resolve().parent.parent / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)

LOSES = ["greeting", "keywords_shipping", "keywords_postage", "keywords_invoice"]


def run(ctx):
    params = ctx.params
    shipping, size, invoice = params["buyers"]
    ui.reply(ctx, shipping["nickname"], ui.shipping_answer(params))
    ui.reply(ctx, size["nickname"], ui.size_answer(params))
    ui.reply(ctx, invoice["nickname"], ui.invoice_returns_answer(params))
    ui.greeting_set(ctx, "亲，欢迎光临本店，有什么可以帮您的吗？")
    examples = params["examples"]
    ui.keyword_rule_add(ctx, [examples["shipping"].rstrip("？?")], ui.shipping_answer(params))
    ui.keyword_rule_add(ctx, [examples["postage"].rstrip("？?")], ui.postage_answer(params))
    ui.keyword_rule_add(ctx, [examples["invoice"].rstrip("？?")], ui.invoice_answer(params))
