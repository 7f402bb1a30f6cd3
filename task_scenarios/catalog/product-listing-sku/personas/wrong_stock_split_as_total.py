"""Reads the 库存 column as the product's total stock and shares it out over the SKUs (stock ÷
number of SKUs each, the remainder on the first row), so the SKU total equals the table's
per-SKU figure. Prices, special SKU and everything else are right."""
KIND = "wrong"
EXPECTED = (16, 19)

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    image = _material(ctx, p["main_image"])
    page = _editor(ctx)
    page.get_by_label("宝贝标题").fill(_title(
        f"{p['brand']}{p['material']}{p['style']}{p['noun']} 2026新款",
        f"{p['brand']}{p['material']}{p['style']}{p['noun']}"))
    _category(page, p["category"])
    _attributes(page, [("品牌", p["brand"]), ("材质", p["material_attr"])])
    count = _specs(ctx, page, [(p["spec1"], p["values1"]), (p["spec2"], p["values2"])])
    share, rest = divmod(int(p["stock"]), count)
    _batch(page, price=p["price"], stock=share)
    labels = _labels(p["values1"], p["values2"])
    _sku(page, labels[0], stock=share + rest)
    _sku(page, p["special_sku"], price=p["special_price"])
    page.get_by_label("商家编码").fill(p["merchant_code"])
    page.get_by_label("上传主图").set_input_files(str(image))
    _logistics(page, template=p["shipping_template"])
    _submit(ctx, page)
