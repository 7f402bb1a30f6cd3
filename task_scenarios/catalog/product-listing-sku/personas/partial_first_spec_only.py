"""Sets up only the first spec (e.g. 颜色) — one SKU per value — with the common price, the stock of
all its rows added up, and the special price on the value that has the special row; title, category,
attributes, code, picture, template and 上架 all right."""
KIND = "partial"
EXPECTED = (12, 15)

import re

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_b_{Path(__file__).parent.name}", Path(__file__).with_name("_shared_b.py"))
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
    _specs(ctx, page, [(p["spec1"], ",".join(p["values1"]))])
    special_value = p["special_sku"].split(" / ")[0]
    for value in p["values1"]:
        price = p["special_price"] if value == special_value else p["price"]
        _fill_sku(page, value, price, p["stock"] * len(p["values2"]))
    page.get_by_label("商家编码").fill(p["merchant_code"])
    page.get_by_label("上传主图").set_input_files(str(ctx.asset_path(p["main_image"])))
    page.get_by_label("运费模板").select_option(label=p["shipping_template"])
    page.get_by_label("上架设置").select_option(label="立刻上架（出售中）")
    _publish(ctx, page)
