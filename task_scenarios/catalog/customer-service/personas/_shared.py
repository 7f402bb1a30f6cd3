"""What several persona drafts of customer-service do alike (helpers a candidate would write once).
Not a persona: the loader skips files whose name starts with "_"."""

import re


def _open_chat(ctx, nickname):
    page = ctx.page
    page.goto(ctx.console_url("chat/"))
    page.locator(".chat-session-list").get_by_role("link", name=re.compile(re.escape(nickname))).click()
    ctx.expect(page.get_by_role("heading", name=f"与{nickname}的对话")).to_be_visible()
    return page


def _question(page):
    """The buyer's latest message, as the candidate reads it."""
    return page.locator(".chat-msg-buyer .chat-body").last.inner_text().strip()


def _send(ctx, page, text):
    page.get_by_label("回复内容").fill(text)
    page.get_by_role("button", name="发送").click()
    ctx.expect(page.locator(".chat-messages")).to_contain_text(text[:30])


def _topic(question):
    if "码" in question or "身高" in question:
        return "size"
    if "发票" in question or "开票" in question or "退" in question:
        return "invoice_returns"
    return "shipping"


def _size_for(p, question, *, step=0):
    """The row of the size table whose height and weight ranges both hold the buyer's numbers."""
    height = int(re.search(r"(\d{3})", question).group(1))
    weight = int(re.search(r"(\d{2,3})\s*斤", question).group(1))
    table = p["size_table"]
    for index, row in enumerate(table):
        if row["height_min"] <= height <= row["height_max"] and row["weight_min"] <= weight <= row["weight_max"]:
            return table[min(index + step, len(table) - 1)]["size"], height, weight
    raise AssertionError(f"no row for {height}cm {weight}斤")


def _add_keyword_rule(ctx, keywords, reply, position=None):
    page = ctx.page
    page.goto(ctx.console_url("autoreply/"))
    page.get_by_role("link", name="添加关键词回复").click()
    page.get_by_label("关键词").fill(keywords)
    page.get_by_label("回复内容").fill(reply)
    if position is not None:
        page.get_by_label("优先级").fill(str(position))
    page.get_by_label("启用").check()
    page.get_by_role("button", name="保存").click()
    ctx.expect(page.get_by_text("自动回复规则已添加")).to_be_visible()


def _edit_greeting(ctx, text, *, enable=True):
    """Edit the shop's existing 首次接待语 (the one that came with the shop)."""
    page = ctx.page
    page.goto(ctx.console_url("autoreply/"))
    page.get_by_role("row").filter(has_text="首次接待语").first.get_by_role("link", name="编辑").click()
    page.get_by_label("回复内容").fill(text)
    if enable:
        page.get_by_label("启用").check()
    page.get_by_role("button", name="保存").click()
    ctx.expect(page.get_by_text("自动回复规则已保存")).to_be_visible()


def _add_greeting(ctx, text):
    page = ctx.page
    page.goto(ctx.console_url("autoreply/"))
    page.get_by_role("link", name="添加首次接待语").click()
    page.get_by_label("回复内容").fill(text)
    page.get_by_label("启用").check()
    page.get_by_role("button", name="保存").click()
    ctx.expect(page.get_by_text("自动回复规则已添加")).to_be_visible()


def _try_rule(ctx, question):
    """The 测试 box on the 自动回复 page: which rule would answer this question?"""
    page = ctx.page
    page.goto(ctx.console_url("autoreply/"))
    page.get_by_label("买家问题").fill(question)
    page.get_by_role("button", name="测试", exact=True).click()
    ctx.expect(page.locator("#autoreply-test-result")).not_to_be_empty()
    return page.locator("#autoreply-test-result").inner_text()


def _invoice_words(p):
    invoice = p["invoice"]
    if "电子普通发票" in invoice:
        return "可以开电子普通发票哦，下单时在订单留言里写上发票抬头和税号，确认收货后就给您开具"
    if "纸质普通发票" in invoice:
        return "可以开纸质普通发票哦，下单时在订单留言里写上发票抬头和税号，发票会随货一起寄给您"
    return "可以开增值税专用发票哦，请联系客服提供开票资料，确认收货后7个工作日内给您寄出"


def _returns_words(p):
    extra = "本店还赠送了运费险，退货运费不用担心" if "运费险" in p["returns"] else "退货运费需要亲自己承担哦"
    return f"收到不合适支持7天无理由退换货，只要吊牌完好、没有洗涤过就可以，{extra}"


def _answer(p, question, *, step=0):
    """What this candidate writes back, from the 店铺资料 (own words, same facts)."""
    topic = _topic(question)
    if topic == "size":
        size, height, weight = _size_for(p, question, step=step)
        return (f"亲，您身高{height}cm、体重{weight}斤，对照我们家{p['garment']}的尺码表，建议您拍{size}码，"
                f"穿着会比较合身哦～有其他问题随时找我～")
    if topic == "invoice_returns":
        return f"亲，{_invoice_words(p)}；另外{_returns_words(p)}～"
    return f"亲，您好～本店{p['ship_promise']}，默认发{p['carrier']}，今天拍下就按这个时间给您安排，请放心下单哦～"


def _rules(p):
    """(keywords, reply, priority) of the three keyword replies this candidate sets up."""
    return [
        ("包邮、运费、邮费、免运费、免邮、包不包邮",
         f"亲，全店满{p['free_shipping']}元包邮（新疆、西藏等偏远地区除外），不满{p['free_shipping']}元收运费"
         f"{p['shipping_fee']}元哦～", 1),
        ("发货、发出、快递、物流、几天到、什么时候发",
         f"亲，本店{p['ship_promise']}，默认发{p['carrier']}，感谢您的支持～", 2),
        ("发票、开票、报销、普票、专票", f"亲，{_invoice_words(p)}～", 3),
    ]
