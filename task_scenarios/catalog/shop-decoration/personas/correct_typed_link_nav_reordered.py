"""Types the banner link by hand with the word unencoded (…/search/?q=词), adds the three navigation
entries in the wrong order first (3, 1, 2) and fixes the order with 上移/下移; colour typed in lower case."""
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
    a, b, c = p["nav_categories"]
    page = _full(ctx, link=ctx.storefront_url(f"search/?q={p['banner_keyword']}"), nav_order=[c, a, b])
    # put them in the plan's order with 上移, looking at the list after each move
    cells = page.locator("#deco-nav table tbody tr:not(.edit-row) td:nth-child(2)")
    for _ in range(6):
        names = [t.strip() for t in cells.all_inner_texts()]
        if names == [a, b, c]:
            break
        i = next(k for k, (x, y) in enumerate(zip(names, [a, b, c])) if x != y)
        button = page.locator("#deco-nav").get_by_role("button", name=f"上移 导航“{[a, b, c][i]}”")
        assert button.count() == 1, f"list {names}, want {[a, b, c]}"
        button.click()
        ctx.expect(cells).not_to_have_text(names)
    ctx.expect(cells).to_have_text([a, b, c])
