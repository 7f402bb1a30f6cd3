"""Keyword stuffing with nothing behind it: a title made of the four keywords repeated (noun between
each, up to 60 bytes), the right category so it may go on sale, the common price as 一口价 and the
per-SKU stock as 总库存 — no attributes, no sale specs or SKU table, no merchant code, no picture, no
shipping template; 立刻上架."""
KIND = "gaming"
EXPECTED = (3, 6)

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    words = [p["brand"], p["material"], p["style"], p["noun"]]
    title = ""
    for word in words + [p["brand"] + p["noun"], p["material"] + p["noun"], p["style"] + p["noun"], p["noun"]]:
        if _bytes(title + word) > 60:
            break
        title += word
    page = _editor(ctx)
    page.get_by_label("宝贝标题").fill(title)
    _category(page, p["category"])
    page.get_by_label("一口价(元)").fill(p["price"])
    page.get_by_label("总库存").fill(str(p["stock"]))
    _logistics(page)
    _submit(ctx, page)
