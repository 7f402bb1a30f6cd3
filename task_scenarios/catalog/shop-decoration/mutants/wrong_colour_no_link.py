"""Mistake: the theme colour is the neighbouring swatch of the palette, and the banner is uploaded
without its link (a banner that leads nowhere earns only the image part)."""

import importlib.util
from pathlib import Path

LOSES = ["shop_sign", "banner"]

_spec = importlib.util.spec_from_file_location("_shop_decoration_ui", Path(__file__).resolve().parents[1] / "_ui.py")
ui = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ui)

PALETTE = ["#e4393c", "#1677ff", "#13a07b", "#8c5cf6", "#eb2f96", "#1d3a6e", "#8b5a2b"]


def run(ctx):
    wanted = ctx.params["theme_color"]["hex"]
    neighbour = PALETTE[(PALETTE.index(wanted) + 1) % len(PALETTE)]
    ui.decorate(ctx, theme_hex=neighbour, banner_link=False)
