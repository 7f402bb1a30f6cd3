"""Takes the supplier's title and cuts it to 60 bytes instead of writing one: the cut still carries the
extreme words ("全网销量第一" …). Everything else right."""
KIND = "wrong"
EXPECTED = (15, 17)

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
    title = ""
    for ch in p["supplier_title"]:
        if _title_bytes(title + ch) > 60:
            break
        title += ch
    page.get_by_label("宝贝标题").fill(title.strip())
    _select_category(page, p["category_top"], p["category"])
    _fill_attributes(page, [("品牌", p["brand"]), ("材质", p["material_attr"])])
    _specs(ctx, page, [(p["spec1"], ",".join(p["values1"])), (p["spec2"], ",".join(p["values2"]))])
    for label, (price, stock) in _price_table(p).items():
        _fill_sku(page, label, price, stock)
    page.get_by_label("商家编码").fill(p["merchant_code"])
    page.get_by_label("上传主图").set_input_files(str(ctx.asset_path(p["main_image"])))
    page.get_by_label("运费模板").select_option(label=p["shipping_template"])
    page.get_by_label("上架设置").select_option(label="立刻上架（出售中）")
    _publish(ctx, page)
