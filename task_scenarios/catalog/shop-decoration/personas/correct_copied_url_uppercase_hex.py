"""Follows the plan in order; types the colour in upper case (#E4393C), copies the search URL from the
address bar as the hint says (percent-encoded, absolute), adds a 图片说明 to the banner."""
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
    _full(ctx, colour=ctx.params["theme_color"]["hex"].upper(), banner_alt=ctx.params["slogan"])
