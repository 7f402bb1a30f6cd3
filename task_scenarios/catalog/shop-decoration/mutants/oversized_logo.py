"""Mistake: the 300 × 120 wordmark is chosen as the 店标. The editor refuses it (the slot takes at
most 100 × 100) and the candidate moves on without uploading the right file: the shop has no logo."""

import importlib.util
from pathlib import Path

LOSES = ["shop_logo"]

_spec = importlib.util.spec_from_file_location("_shop_decoration_ui", Path(__file__).resolve().parents[1] / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)


def run(ctx):
    ui.decorate(ctx, logo_file=ctx.params["logo_distractor"])
