"""The storefront's theme colour made legible.

店铺装修 lets a candidate pick any theme colour; the storefront shows it on the shop sign. Text in
that colour, or white text on it (buttons, the navigation bar), must still reach WCAG AA contrast
(4.5:1), so those use ``theme_ink``: the same hue darkened just enough.
"""

import re

from django import template

register = template.Library()

HEX_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# 4.5:1 against the lightest tinted backgrounds the storefront puts text on (#f4f4f4 ≈ 0.91 of white).
INK_CONTRAST = 4.5 / 0.91


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@register.filter
def theme_ink(color: str) -> str:
    """``color`` (#RRGGBB) mixed with black until white on it, and it on white, read at 4.5:1."""
    if not HEX_COLOR_RE.match(color or ""):
        return "#c83c00"
    rgb = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    factor = 1.0
    while factor > 0 and 1.05 / (_luminance(tuple(c * factor for c in rgb)) + 0.05) < INK_CONTRAST:
        factor -= 0.02
    return "#" + "".join(f"{round(c * max(factor, 0)):02x}" for c in rgb)
