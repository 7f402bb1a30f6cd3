"""Enters the sale specs the other way round — 尺码 (or 容量/规格/长度) as 规格一, 颜色 as 规格二 —
so every SKU row reads "<尺码> / <颜色>"; fills the matrix with 批量价格/批量库存 + 批量填充SKU, then
corrects the one differently priced SKU under its swapped name. Own title wording: brand first,
then style, material and the noun, "2026新款" at the end. Attributes, code, image (downloaded from
文件中心), template and 立刻上架 as the brief says. Everything the brief asks for is there."""
KIND = "correct"
EXPECTED = (19, 20)

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
    brand, style, material, noun = p["brand"], p["style"], p["material"], p["noun"]
    page.get_by_label("宝贝标题").fill(_title(f"{brand} {style}{material}{noun} 2026新款",
                                          f"{brand}{style}{material}{noun}"))
    _category(page, p["category"])
    _attributes(page, [("品牌", brand), ("材质", p["material_attr"])])
    _specs(ctx, page, [(p["spec2"], p["values2"]), (p["spec1"], p["values1"])])
    _batch(page, price=p["price"], stock=p["stock"])
    _sku(page, _swap(p["special_sku"]), price=p["special_price"])
    page.get_by_label("商家编码").fill(p["merchant_code"])
    page.get_by_label("上传主图").set_input_files(str(image))
    _logistics(page, template=p["shipping_template"])
    _submit(ctx, page)
