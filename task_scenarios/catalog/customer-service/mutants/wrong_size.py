"""Reads the size table one row off and recommends the neighbouring size; everything else is right."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_customer_service_ui", Path(__file__).resolve().parent.parent / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)

LOSES = ["reply_size"]
NEIGHBOUR = {"S": "M", "M": "L", "L": "XL", "XL": "XXL", "XXL": "XL"}


def run(ctx):
    params = ctx.params
    shipping, size, invoice = params["buyers"]
    ui.reply(ctx, shipping["nickname"], ui.shipping_answer(params))
    ui.reply(ctx, size["nickname"], ui.size_answer(params, NEIGHBOUR[params["size_answer"]]))
    ui.reply(ctx, invoice["nickname"], ui.invoice_returns_answer(params))
    ui.greeting_set(ctx, ui.greeting_text(params))
    ui.keyword_rule_add(ctx, ui.SHIPPING_KEYWORDS, ui.shipping_answer(params))
    ui.keyword_rule_add(ctx, ui.POSTAGE_KEYWORDS, ui.postage_answer(params))
    ui.keyword_rule_add(ctx, ui.INVOICE_KEYWORDS, ui.invoice_answer(params))
