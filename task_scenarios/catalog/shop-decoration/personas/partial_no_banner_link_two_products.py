"""Everything except two slips: the banner is uploaded without a link, and the module recommends only
the first two of the three products."""
KIND = "partial"
EXPECTED = (15, 18)

import re

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    _full(ctx, link="", module_products=ctx.params["module_products"][:2])
