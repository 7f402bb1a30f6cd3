"""Links the banner to the product page of the searched item (opens the first search hit and copies
that address) instead of the search result page; everything else right."""
KIND = "wrong"
EXPECTED = (16, 18)

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
    _search_url(ctx, p["banner_keyword"])
    ctx.page.locator("a[href*='/item/']").first.click()
    ctx.page.wait_for_url(re.compile(r"/item/\d+/"))
    _full(ctx, link=ctx.page.url)
