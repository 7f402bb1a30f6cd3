"""Shotgun: a navigation entry for every category of the shop and a 宝贝推荐 module with the right
title but every product of the shop selected; nothing else."""
KIND = "gaming"
EXPECTED = (1, 4)

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
    page = _deco(ctx)
    form = page.locator("#deco-nav form[action$='nav/add/']")
    names = [o.strip() for o in form.get_by_label("链接到分类").locator("option").all_inner_texts()][1:]
    for name in names[:12]:
        _nav_add(ctx, page, name.lstrip("— ")[:12], category=name)
    module = page.locator("#deco-modules form[action$='modules/add/']")
    module.get_by_label("模块类型").select_option(label="宝贝推荐")
    module.get_by_label("模块标题").fill(p["module_title"])
    values = module.get_by_label("推荐宝贝").locator("option").evaluate_all("os => os.map(o => o.value)")
    module.get_by_label("推荐宝贝").select_option(value=values)
    module.get_by_role("button", name="添加模块").click()
    ctx.expect(page.locator("#deco-modules table tbody")).to_contain_text(p["module_title"])
