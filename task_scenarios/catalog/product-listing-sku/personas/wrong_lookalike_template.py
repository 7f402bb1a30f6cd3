"""Does everything right except the shipping template: picks the other new template in the list
(the look-alike the shop also has) instead of the one the brief names."""
KIND = "wrong"
EXPECTED = (17, 19)

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    p = ctx.params
    _full(ctx, template=p["other_template"], title=_title(
        f"{p['brand']} {p['material']}{p['style']}{p['noun']} 2026新款",
        f"{p['brand']}{p['material']}{p['style']}{p['noun']}"))
