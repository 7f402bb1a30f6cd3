"""Busy-looking nothing: answers every listed buyer at once with “亲，您好，请稍等～” and never comes back,
switches the old generic greeting on without the shop name, and adds keyword rules for 发货/快递/运费/
发票 whose reply is only “亲，请稍等，客服马上为您解答～”."""
KIND = "gaming"
EXPECTED = (0, 2)

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
        _send(ctx, page, "亲，您好，请稍等～")
    page = ctx.page
    page.goto(ctx.console_url("autoreply/"))
    page.get_by_role("row").filter(has_text="首次接待语").first.get_by_role("button", name="启用").click()
    ctx.expect(page.get_by_text("规则已启用")).to_be_visible()
    _add_keyword_rule(ctx, "发货、快递、物流、运费、邮费、包邮、发票、开票", "亲，请稍等，客服马上为您解答～", 1)
