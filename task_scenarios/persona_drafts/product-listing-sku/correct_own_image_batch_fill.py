"""Has no supplier picture at hand, so makes a plain 1000×1000 PNG (square, over 800); separates spec
values with 、; uses 批量填充SKU for the common price and stock, then corrects the one special SKU;
adds a 卖点 and a short 宝贝详情; title: brand + keywords + "新品"."""
KIND = "correct"
EXPECTED = (19, 20)

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
    title = f"{p['brand']}{p['material']}{p['style']}{p['noun']}新品"
    assert _title_bytes(title) <= 60
    page.get_by_label("宝贝标题").fill(title)
    page.get_by_label("卖点/副标题").fill(f"{p['material']}面料 {p['style']}设计")
    _select_category(page, p["category_top"], p["category"])
    _fill_attributes(page, [("品牌", p["brand"]), ("材质", p["material_attr"])])
    _specs(ctx, page, [(p["spec1"], "、".join(p["values1"])), (p["spec2"], "、".join(p["values2"]))])
    page.get_by_label("批量价格").fill(p["price"])
    page.get_by_label("批量库存").fill(str(p["stock"]))
    page.get_by_role("button", name="批量填充SKU").click()
    page.get_by_label(f"{p['special_sku']} 价格", exact=True).fill(p["special_price"])
    page.get_by_label("商家编码").fill(p["merchant_code"])
    page.get_by_label("上传主图").set_input_files(str(_own_square_png(ctx, size=1000)))
    page.get_by_label("宝贝详情").fill(f"<p>{p['brand']}{p['noun']}，{p['material']}材质。</p>")
    page.get_by_label("运费模板").select_option(label=p["shipping_template"])
    page.get_by_label("上架设置").select_option(label="立刻上架（出售中）")
    _publish(ctx, page)
