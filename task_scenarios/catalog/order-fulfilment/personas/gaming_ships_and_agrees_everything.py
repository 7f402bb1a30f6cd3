"""Does everything to everything: ships every order on the 等待发货 tab (the four listed ones with their
waybills, whichever carrier the system accepts, at their current address; every other one by 顺丰 with
a made-up number) and agrees to every open refund request in the shop (同意退款, or 同意退货 with the
return address). No address change, no flag, no memo, no refusal."""
KIND = "gaming"
EXPECTED = (0, 3)

import random
import re
from decimal import Decimal

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    waybills = {row["order_no"]: row["waybill"] for row in p["ship_list"]}
    carriers = [p["near_carrier_name"], p["far_carrier_name"], "顺丰速运"]
    for order_no in _paid_order_nos(ctx):
        page = _open_order(ctx, order_no)
        _ship_trying(ctx, page, carriers if order_no in waybills else ["顺丰速运"],
                     waybills.get(order_no) or _made_up_sf(order_no))
    page = ctx.page
    while True:
        page.goto(ctx.console_url("refunds/"))
        page.get_by_role("link", name=re.compile(r"^待卖家处理")).click()
        links = page.get_by_role("link", name="查看详情")
        if not links.count():
            break
        links.first.click()
        if page.get_by_role("button", name="同意退款").count():
            _agree(ctx, page)
        else:
            _agree_return(ctx, page, p["return_address"])
