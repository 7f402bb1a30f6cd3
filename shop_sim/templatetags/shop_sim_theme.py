"""The storefront's theme colour made legible.

店铺装修 lets a candidate pick any theme colour; the storefront shows it on the shop sign. Text in
that colour, or white text on it (buttons, the navigation bar), must still reach WCAG AA contrast
(4.5:1), so those use ``theme_ink``: the same hue darkened just enough.
"""

import re

from django import template

register = template.Library()

HEX_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_INK = "#c83c00"
# The lightest backgrounds the storefront puts ink-coloured text on (white text on the ink is easier).
LIGHT_BACKGROUNDS = ((0xf4, 0xf4, 0xf4), (0xff, 0xf2, 0xe8))


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _readable(rgb: tuple[int, int, int]) -> bool:
    return all((_luminance(bg) + 0.05) / (_luminance(rgb) + 0.05) >= 4.5 for bg in LIGHT_BACKGROUNDS)


@register.filter
def theme_ink(color: str) -> str:
    """``color`` (#RRGGBB) mixed with black until white on it, and it on the light backgrounds, read at 4.5:1."""
    if not HEX_COLOR_RE.match(color or ""):
        return DEFAULT_INK
    base = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    for step in range(0, 101, 2):
        rgb = tuple(round(c * (100 - step) / 100) for c in base)
        if _readable(rgb):
            break
    return "#" + "".join(f"{c:02x}" for c in rgb)
