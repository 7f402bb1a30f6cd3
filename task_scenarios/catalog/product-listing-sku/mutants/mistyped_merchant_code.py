"""Mistake: one digit of the merchant code is mistyped. Everything else is right, and the product is
still the candidate's (found by the brand in its title): only the merchant-code point is lost."""

import importlib.util
from pathlib import Path

LOSES = ["merchant_code"]

_spec = importlib.util.spec_from_file_location("_product_listing_ui", Path(__file__).resolve().parents[1] / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    code = ctx.params["merchant_code"]
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    ui.publish(ctx, merchant_code=wrong)
