"""Does the listed work right, then "clears the queue": ships one more paid order that has no printed
label yet, with a made-up number, and approves one more waiting refund request."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_order_fulfilment_ui", Path(__file__).resolve().parent.parent / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)

LOSES = ["collateral"]


def run(ctx):
    params = ctx.params
    ui.ship_all(ctx, params)
    d = params["orders"]["d"]
    ui.change_address(ctx, d["order_no"], params["new_address"])
    ui.ship(ctx, d["order_no"], d["carrier_name"], d["waybill"])
    ui.flag_and_memo(ctx, d["order_no"], params["flag_label"], params["memo"])
    for refund in params["refunds"]:
        ui.refund_by_policy(ctx, refund, params)
    page, expect = ctx.page, ctx.expect
    # the first order still waiting in the 等待发货 tab
    page.goto(ctx.console_url("orders/"))
    page.get_by_role("link", name="等待发货").click()
    page.locator("tbody.order").first.get_by_role("link", name="详情").click()
    form = page.locator("#ship")
    form.get_by_label("物流公司").select_option(label="中通快递")
    form.get_by_label("运单号").fill("75" + "3141592653" + "58")
    form.get_by_role("button", name="确认发货").click()
    expect(page.get_by_role("status")).to_contain_text("已发货")
    # and one more request from the 待卖家处理 tab, whatever it is
    page.goto(ctx.console_url("refunds/"))
    page.get_by_role("link", name="待卖家处理").click()
    page.get_by_role("row").filter(has=page.get_by_role("link", name="查看详情")).first \
        .get_by_role("link", name="查看详情").click()
    expect(page.get_by_role("heading", name="退款详情", level=1)).to_be_visible()
    if page.locator("#agree").count():
        page.locator("#agree").get_by_role("button", name="同意退款").click()
    else:
        page.locator("#agree-return").get_by_label("退货地址").fill(params["return_address"])
        page.locator("#agree-return").get_by_role("button", name="同意退货").click()
    expect(page.get_by_role("status")).to_be_visible()
