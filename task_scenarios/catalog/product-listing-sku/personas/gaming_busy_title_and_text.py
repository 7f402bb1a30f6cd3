"""Busy-looking nothing: a correct title, then everything else written out as text instead of
entered — the 卖点 lists brand, material and merchant code, the 宝贝详情 holds the whole price/stock
table, the spec values and the template name. Only the 一口价/总库存 are filled (the common price,
the per-SKU stock). No category, so 立刻上架 is refused; it publishes to 放入仓库 instead. No
attributes, no SKU table, no merchant code, no picture, no template."""
KIND = "gaming"
EXPECTED = (1, 4)

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    page = _editor(ctx)
    page.get_by_label("宝贝标题").fill(_title(
        f"{p['brand']}2026新款{p['material']}{p['style']}{p['noun']}",
        f"{p['brand']}{p['material']}{p['style']}{p['noun']}"))
    page.get_by_label("卖点/副标题").fill(
        f"品牌：{p['brand']}　材质：{p['material_attr']}　商家编码：{p['merchant_code']}")
    rows = "".join(
        f"<li>{label}：¥{p['special_price'] if label == p['special_sku'] else p['price']}，库存{p['stock']}件</li>"
        for label in p["sku_labels"])
    page.get_by_label("宝贝详情").fill(
        f"<h3>{p['spec1']} / {p['spec2']}</h3><ul>{rows}</ul>"
        f"<p>分类：{p['category_top']} &gt; {p['category']}；运费：{p['shipping_template']}</p>")
    page.get_by_label("一口价(元)").fill(p["price"])
    page.get_by_label("总库存").fill(str(p["stock"]))
    _logistics(page)
    page.get_by_role("button", name="发布", exact=True).click()
    ctx.expect(page.get_by_text("不能上架").first).to_be_visible()
    _logistics(page, status="放入仓库")
    _submit(ctx, page)
