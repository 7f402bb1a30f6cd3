"""Avoids the multi-spec work: a proper title, category, attributes, code, picture and template, but one
spec "规格" with the single value "默认" — one SKU at the common price with the total stock."""
KIND = "gaming"
EXPECTED = (4, 6)

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
    page.get_by_label("宝贝标题").fill(f"{p['brand']}{p['material']}{p['style']}{p['noun']}")
    _select_category(page, p["category_top"], p["category"])
    _fill_attributes(page, [("品牌", p["brand"]), ("材质", p["material_attr"])])
    _specs(ctx, page, [("规格", "默认")])
    _fill_sku(page, "默认", p["price"], p["total_stock"])
    page.get_by_label("商家编码").fill(p["merchant_code"])
    page.get_by_label("上传主图").set_input_files(str(ctx.asset_path(p["main_image"])))
    page.get_by_label("运费模板").select_option(label=p["shipping_template"])
    page.get_by_label("上架设置").select_option(label="立刻上架（出售中）")
    _publish(ctx, page)
