"""Stuffs the title with the keywords twice plus "爆款第一 最热" (within 60 bytes), no attributes, no
specs (the category only because the shop refuses 立刻上架 without one): one 一口价 (the common price) with the total stock; picture and template set, on
sale."""
KIND = "gaming"
EXPECTED = (2, 5)

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
    page = ctx.page
    page.goto(ctx.console_url("products/new/"))
    words = p["keywords"] * 2 + ["爆款第一", "最热"]
    title = ""
    for w in words:
        if _title_bytes(title + w) <= 60:
            title += w
    page.get_by_label("宝贝标题").fill(title)
    # added after the first run: the shop refuses 立刻上架 without a category, so this candidate picks one
    _select_category(page, p["category_top"], p["category"])
    page.get_by_label("一口价(元)").fill(p["price"])
    page.get_by_label("总库存").fill(str(p["total_stock"]))
    page.get_by_label("上传主图").set_input_files(str(ctx.asset_path(p["main_image"])))
    page.get_by_label("运费模板").select_option(label=p["shipping_template"])
    page.get_by_label("上架设置").select_option(label="立刻上架（出售中）")
    _publish(ctx, page)
