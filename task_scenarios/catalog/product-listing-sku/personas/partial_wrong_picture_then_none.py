"""Downloads the 800×600 picture from 文件中心 and tries it as 主图; the editor refuses it (not
square), the candidate does not understand why and presses 发布 again with no picture chosen. All
the rest is right, so the product is on sale without any main picture (requirement 6 missed)."""
KIND = "partial"
EXPECTED = (16, 18)

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    wrong = _material(ctx, p["image_distractor"])
    page = _editor(ctx)
    page.get_by_label("宝贝标题").fill(_title(
        f"{p['brand']}{p['noun']} {p['material']}{p['style']} 2026新款",
        f"{p['brand']}{p['noun']} {p['material']}{p['style']}"))
    _category(page, p["category"])
    _attributes(page, [("品牌", p["brand"]), ("材质", p["material_attr"])])
    _specs(ctx, page, [(p["spec1"], p["values1"]), (p["spec2"], p["values2"])])
    _batch(page, price=p["price"], stock=p["stock"])
    _sku(page, p["special_sku"], price=p["special_price"])
    page.get_by_label("商家编码").fill(p["merchant_code"])
    page.get_by_label("上传主图").set_input_files(str(wrong))
    _logistics(page, template=p["shipping_template"])
    page.get_by_role("button", name="发布", exact=True).click()
    ctx.expect(page.get_by_role("alert").first).to_be_visible()
    ctx.expect(page.get_by_text("正方形").first).to_be_visible()
    _submit(ctx, page)
