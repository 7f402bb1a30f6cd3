"""The order-desk steps as a person does them in 交易管理, shared by the solution and its mutants.

Orders are found the way a clerk finds them — the search box of 已卖出的宝贝, then 详情 — and refunds
from the 退款管理 list by their order number; every action waits for the console's confirmation.
"""

from __future__ import annotations


def open_order(ctx, order_no: str):
    page, expect = ctx.page, ctx.expect
    page.goto(ctx.console_url("orders/"))
    page.get_by_label("搜索", exact=True).fill(order_no)
    page.get_by_role("button", name="搜索订单").click()
    block = page.locator("tbody.order").filter(has_text=order_no)
    block.get_by_role("link", name="详情").click()
    expect(page.locator(".facts").first).to_contain_text(order_no)
    return page


def ship(ctx, order_no: str, carrier_name: str, waybill: str) -> None:
    page = open_order(ctx, order_no)
    form = page.locator("#ship")
    form.get_by_label("物流公司").select_option(label=carrier_name)
    form.get_by_label("运单号").fill(waybill)
    form.get_by_role("button", name="确认发货").click()
    ctx.expect(page.get_by_role("status")).to_contain_text("已发货")


def change_address(ctx, order_no: str, address: dict) -> None:
    page = open_order(ctx, order_no)
    form = page.locator("#address")
    form.get_by_label("收货人").fill(address["receiver_name"])
    form.get_by_label("手机号码").fill(address["receiver_phone"])
    form.get_by_label("省份").select_option(label=address["province"])
    form.get_by_label("城市").fill(address["city"])
    form.get_by_label("区/县").fill(address["district"])
    form.get_by_label("详细地址").fill(address["address_detail"])
    form.get_by_role("button", name="保存收货地址").click()
    ctx.expect(page.get_by_role("status")).to_contain_text("收货地址已修改")


def flag_and_memo(ctx, order_no: str, flag_label: str, memo: str) -> None:
    page = open_order(ctx, order_no)
    form = page.locator("#memo")
    form.get_by_label(flag_label, exact=True).check()
    form.get_by_label("卖家备注").fill(memo)
    form.get_by_role("button", name="保存备注").click()
    ctx.expect(page.get_by_role("status")).to_contain_text("旗帜和备注已保存")


def open_refund(ctx, order_no: str):
    page, expect = ctx.page, ctx.expect
    page.goto(ctx.console_url("refunds/"))
    page.get_by_role("link", name="待卖家处理").click()
    row = page.get_by_role("row").filter(has_text=order_no)
    row.get_by_role("link", name="查看详情").click()
    expect(page.get_by_role("heading", name="退款详情", level=1)).to_be_visible()
    expect(page.locator("#refund-order-h + .facts")).to_contain_text(order_no)
    return page


def refund_agree(ctx, order_no: str) -> None:
    page = open_refund(ctx, order_no)
    page.locator("#agree").get_by_role("button", name="同意退款").click()
    ctx.expect(page.get_by_role("status")).to_contain_text("已同意退款")


def refund_agree_return(ctx, order_no: str, address: str) -> None:
    page = open_refund(ctx, order_no)
    form = page.locator("#agree-return")
    form.get_by_label("退货地址").fill(address)
    form.get_by_role("button", name="同意退货").click()
    ctx.expect(page.get_by_role("status")).to_contain_text("已同意退货")


def refund_refuse(ctx, order_no: str, reason: str, note: str) -> None:
    page = open_refund(ctx, order_no)
    form = page.locator("#refuse")
    form.get_by_label("拒绝原因").select_option(label=reason)
    form.get_by_label("拒绝说明").fill(note)
    form.get_by_role("button", name="拒绝退款").click()
    ctx.expect(page.get_by_role("status")).to_contain_text("已拒绝退款")


def refund_by_policy(ctx, refund: dict, params: dict) -> None:
    """What the policy says for this request (the solution reads the request as the instructions say)."""
    if refund["role"] == "agree":
        refund_agree(ctx, refund["order_no"])
    elif refund["role"] == "return":
        refund_agree_return(ctx, refund["order_no"], params["return_address"])
    else:
        note = "食品已拆封，不适用七天无理由退货" if params["refuse_case"] == "food" \
            else "吊牌已剪/已洗涤，不适用七天无理由退货"
        refund_refuse(ctx, refund["order_no"], params["refuse_reason"], note)


def ship_all(ctx, params: dict, *, waybills: dict | None = None) -> None:
    """Ship the three plain orders by the carrier rule (``waybills`` overrides numbers by role)."""
    for role in "abc":
        spec = params["orders"][role]
        ship(ctx, spec["order_no"], spec["carrier_name"], (waybills or {}).get(role, spec["waybill"]))
