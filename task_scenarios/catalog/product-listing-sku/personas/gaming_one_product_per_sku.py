"""Covers the variants with separate products instead of specs: publishes one product per row of
the price table (title = keywords + that row's "颜色 / 尺码", its price from the table as 一口价, the
table's stock), each in the right category and 立刻上架 — no sale specs, no attributes, no merchant
code, no picture, no template; six or so products where the brief says 只发布这一款宝贝."""
KIND = "gaming"
EXPECTED = (2, 5)

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    for label in p["sku_labels"]:
        page = _editor(ctx)
        page.get_by_label("宝贝标题").fill(_title(
            f"{p['brand']}{p['material']}{p['style']}{p['noun']} {label}",
            f"{p['brand']}{p['material']}{p['style']}{p['noun']}{label.replace(' / ', '')}"))
        _category(page, p["category"])
        price = p["special_price"] if label == p["special_sku"] else p["price"]
        page.get_by_label("一口价(元)").fill(price)
        page.get_by_label("总库存").fill(str(p["stock"]))
        _logistics(page)
        _submit(ctx, page)
