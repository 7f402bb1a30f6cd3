"""What several persona drafts of order-fulfilment do alike (helpers a candidate would write once).
Not a persona: the loader skips files whose name starts with "_"."""

import random
import re
from decimal import Decimal


REFUND_ONLY_REASONS = ("未收到货", "快递一直未送到")


def _dd(page, term):
    """The value next to a <dt> label on a detail page (what the candidate reads)."""
    return page.locator("dt", has_text=term).first.locator("xpath=following-sibling::dd[1]").inner_text().strip()


def _open_order(ctx, order_no):
    page = ctx.page
    page.goto(ctx.console_url("orders/"))
    page.get_by_label("搜索", exact=True).fill(order_no)
    page.get_by_role("button", name="搜索订单").click()
    page.locator("tbody").filter(has_text=order_no).get_by_role("link", name="详情").click()
    ctx.expect(page.get_by_role("heading", name="订单详情")).to_be_visible()
    return page


def _open_refund(ctx, order_no):
    page = ctx.page
    page.goto(ctx.console_url("refunds/"))
    page.get_by_role("link", name=re.compile(r"^待卖家处理")).click()
    while True:
        row = page.get_by_role("row").filter(has_text=order_no)
        if row.count():
            row.first.get_by_role("link", name="查看详情").click()
            ctx.expect(page.get_by_role("heading", name="退款详情")).to_be_visible()
            return page
        page.get_by_role("link", name="下一页").click()


def _rule_carrier(ctx, page):
    """The shop's carrier rule applied to what the order page shows now."""
    p = ctx.params
    message = _dd(page, "买家留言")
    if "顺丰" in message and "差价" in message:
        return "顺丰速运"
    address = _dd(page, "收货地址")
    if any(address.startswith(prov) for prov in p["region_provinces"]):
        return p["near_carrier_name"]
    return p["far_carrier_name"]


def _ship_here(ctx, page, carrier, waybill):
    page.get_by_label("物流公司").select_option(label=carrier)
    page.get_by_label("运单号").fill(waybill)
    page.get_by_role("button", name="确认发货").click()
    ctx.expect(page.get_by_role("heading", name=re.compile("订单状态"))).to_contain_text("已发货")


def _change_address(ctx, page, new, *, city=None):
    page.get_by_label("收货人").fill(new["receiver_name"])
    page.get_by_label("手机号码").fill(new["receiver_phone"])
    page.get_by_label("省份").select_option(label=new["province"])
    page.get_by_label("城市").fill(city or new["city"])
    page.get_by_label("区/县").fill(new["district"])
    page.get_by_label("详细地址").fill(new["address_detail"])
    page.get_by_role("button", name="保存收货地址").click()
    ctx.expect(page.get_by_text("收货地址已修改")).to_be_visible()


def _flag_memo(ctx, page, flag_label, memo):
    page.get_by_role("radio", name=flag_label).check()
    page.get_by_label("卖家备注").fill(memo)
    page.get_by_role("button", name="保存备注").click()
    ctx.expect(page.get_by_text("旗帜和备注已保存")).to_be_visible()


def _read_refund(page):
    return {"kind": _dd(page, "退款类型"), "reason": _dd(page, "退款原因"),
            "amount": Decimal(_dd(page, "退款金额").lstrip("¥")), "note": _dd(page, "买家说明")}


def _agree(ctx, page):
    page.get_by_role("button", name="同意退款").click()
    ctx.expect(page.get_by_role("heading", name=re.compile("退款状态"))).not_to_contain_text("等待卖家处理")


def _agree_return(ctx, page, address):
    page.get_by_label("退货地址").fill(address)
    page.get_by_role("button", name="同意退货").click()
    ctx.expect(page.get_by_role("heading", name=re.compile("退款状态"))).not_to_contain_text("等待卖家处理")


def _refuse(ctx, page, reason, note):
    page.get_by_label("拒绝原因").select_option(label=reason)
    page.get_by_label("拒绝说明").fill(note)
    page.get_by_role("button", name="拒绝退款").click()
    ctx.expect(page.get_by_role("heading", name=re.compile("退款状态"))).not_to_contain_text("等待卖家处理")


def _handle_refund_by_rules(ctx, order_no, *, return_address=None, refuse_note=None):
    """Read the request, then apply the shop's three refund rules."""
    p = ctx.params
    page = _open_refund(ctx, order_no)
    r = _read_refund(page)
    if r["kind"] == "仅退款" and r["reason"] in REFUND_ONLY_REASONS and r["amount"] <= Decimal(p["refund_only_limit"]):
        _agree(ctx, page)
    elif r["kind"] == "退货退款" and not re.search("拆|吃|尝|剪|洗|穿过", r["note"]):
        _agree_return(ctx, page, return_address or p["return_address"])
    else:
        _refuse(ctx, page, p["refuse_reason"], refuse_note or "商品已拆封/已剪吊牌或洗涤，影响二次销售，不适用七天无理由退货。")


def _ship_trying(ctx, page, carriers, waybill):
    """Try carriers in turn until the system accepts the waybill (it refuses a number of another format)."""
    heading = page.get_by_role("heading", name=re.compile("订单状态"))
    for carrier in carriers:
        page.get_by_label("物流公司").select_option(label=carrier)
        page.get_by_label("运单号").fill(waybill)
        page.get_by_role("button", name="确认发货").click()
        page.wait_for_load_state()
        if "已发货" in heading.inner_text():
            return carrier
    raise AssertionError(f"no carrier accepted {waybill}")


def _paid_order_nos(ctx):
    """Every order on the 等待发货 tab (all pages)."""
    page = ctx.page
    page.goto(ctx.console_url("orders/"))
    page.get_by_role("link", name=re.compile(r"^等待发货")).click()
    numbers = []
    while True:
        for text in page.locator(".order-no").all_inner_texts():
            numbers.append(text.split("：")[-1].strip())
        nxt = page.get_by_role("link", name="下一页")
        if not nxt.count():
            return numbers
        nxt.click()


def _made_up_sf(order_no):
    rng = random.Random(order_no)
    return "SF" + "".join(str(rng.randint(0, 9)) for _ in range(13))
