"""Takes the wide logo (300×120), squeezes it to 100×100 without keeping the ratio and uploads that as
the 店标; everything else right."""
KIND = "wrong"
EXPECTED = (17, 19)

import re

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    _full(ctx, logo=_distorted_logo(ctx))
