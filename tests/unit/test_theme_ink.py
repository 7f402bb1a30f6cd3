"""The storefront's theme ink: whatever theme colour a candidate picks in 店铺装修, text in the ink and
white text on it reach WCAG AA (4.5:1) on the storefront's light backgrounds, and a colour that is
already dark enough is left as it is."""

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from shop_sim.templatetags.shop_sim_theme import theme_ink


def _luminance(color: str) -> float:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(color[i:i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@given(st.integers(0, 0xFFFFFF))
def test_any_theme_colour_gives_an_ink_readable_on_white_and_under_white(value):
    ink = theme_ink(f"#{value:06x}")
    for background in ("#ffffff", "#f4f4f4", "#fff2e8"):  # the storefront's lightest text backgrounds
        assert _contrast(ink, background) >= 4.5, (f"#{value:06x}", ink, background)


@pytest.mark.parametrize("color", ["#000000", "#1456d6", "#7a1f00"])
def test_a_dark_enough_colour_is_its_own_ink(color):
    assert theme_ink(color) == color


def test_the_default_orange_is_darkened_and_bad_input_gets_the_default_ink():
    assert theme_ink("#ff5000") == "#c73e00"
    assert theme_ink("red;} body{display:none") == "#c83c00"
    assert theme_ink("") == "#c83c00"


def test_templates_load_the_filter():
    rendered = Template("{% load shop_sim_theme %}{{ color|theme_ink }}").render(Context({"color": "#ffff00"}))
    assert rendered == "#707000"
