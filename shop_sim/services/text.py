"""Text measures shared by the back office.

Taobao limits titles, merchant codes and template names in *bytes*, the way GBK counts them: an
ASCII character is one byte, a Chinese or full-width character two ("at most 30 Chinese characters
(60 characters)"). The console's live counter (``catalog/product_form.html``) applies the same
rule in JavaScript, so the number a candidate sees is the number the server checks.
"""

from __future__ import annotations


def char_bytes(ch: str) -> int:
    """One byte for ASCII and half-width forms (U+FF61–U+FFDC, U+FFE8–U+FFEE), two for the rest.

    Everything non-ASCII counts two because that is what GBK does for CJK, full-width letters and
    Chinese punctuation (，。“”), which is what a merchant types; the rule is kept this simple so
    the browser can apply it identically.
    """
    code = ord(ch)
    if code < 0x80:
        return 1
    if 0xFF61 <= code <= 0xFFDC or 0xFFE8 <= code <= 0xFFEE:
        return 1
    return 2


def byte_length(text: str) -> int:
    """The length of ``text`` as Taobao counts it: CJK and full-width characters count 2."""
    return sum(char_bytes(ch) for ch in text or "")
