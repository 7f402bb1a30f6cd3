"""The customer-service steps as a person does them in 客服工作台 and 自动回复, shared by the
solution and its mutants; each waits for the console to show the result before going on."""

from __future__ import annotations


def reply(ctx, nickname: str, text: str) -> None:
    """Open the buyer's conversation from the inbox list and send ``text``."""
    page, expect = ctx.page, ctx.expect
    page.goto(ctx.console_url("chat/"))
    page.locator("[data-chat-session-list]").get_by_role("link").filter(has_text=nickname).click()
    expect(page.get_by_role("heading", name=f"与{nickname}的对话")).to_be_visible()
    page.get_by_label("回复内容").fill(text)
    page.get_by_role("button", name="发送").click()
    expect(page.locator("[data-chat-messages]")).to_contain_text(text)


def greeting_set(ctx, text: str) -> None:
    """Edit the shop's (switched-off) first greeting, give it ``text`` and switch it on."""
    page, expect = ctx.page, ctx.expect
    page.goto(ctx.console_url("autoreply/"))
    page.get_by_role("row").filter(has_text="首次接待语").get_by_role("link", name="编辑").click()
    page.get_by_label("回复内容").fill(text)
    page.get_by_label("启用").check()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("自动回复规则已保存")


def keyword_rule_add(ctx, keywords: list[str], text: str) -> None:
    page, expect = ctx.page, ctx.expect
    page.goto(ctx.console_url("autoreply/"))
    page.get_by_role("link", name="添加关键词回复").click()
    expect(page.get_by_label("类型")).to_have_value("keyword")
    page.get_by_label("关键词").fill("，".join(keywords))
    page.get_by_label("回复内容").fill(text)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("自动回复规则已添加")


# -- what the shop's 店铺资料 says, in a 客服's words ------------------------------------------------

def shipping_answer(params: dict) -> str:
    return f"亲，本店{params['ship_promise']}，默认发{params['carrier']}，一般2-4天就能收到哦～"


def size_answer(params: dict, size: str | None = None) -> str:
    return f"亲，按您的身高体重，对照尺码表建议拍{size or params['size_answer']}码，穿着合身哦～"


def invoice_returns_answer(params: dict) -> str:
    return f"亲，本店{params['invoice']}；收到后如不合适，{params['returns']}，请放心购买～"


def postage_answer(params: dict) -> str:
    return (f"亲，全店满{params['free_shipping']}元包邮（新疆、西藏等偏远地区除外），"
            f"不满{params['free_shipping']}元收运费{params['shipping_fee']}元哦～")


def invoice_answer(params: dict) -> str:
    return f"亲，本店{params['invoice']}～"


def greeting_text(params: dict) -> str:
    return f"亲，欢迎光临{params['shop_name']}，有什么可以帮您的吗？"


SHIPPING_KEYWORDS = ["发货", "发出", "快递", "物流", "几天到"]
POSTAGE_KEYWORDS = ["包邮", "运费", "邮费", "免邮"]
INVOICE_KEYWORDS = ["发票", "开票"]
