"""Tolerant comparison: strict where the task is, forgiving where people are.

A candidate who types ``ＳＦ１２３`` (full-width), ``SF 123``, ``¥12.5``, ``12.50元`` or ``2026/1/5`` has
written the same thing as ``SF123``, ``12.50`` and ``2026-01-05``. Every check compares through these
helpers so the same forgiveness applies everywhere; ``strict=True`` turns it off where the exact
form is the point of the task.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
EMPTY_WORDS = frozenset({"", "nan", "nat", "none", "null", "n/a", "na"})
_SPACE_RE = re.compile(r"\s+")
_MONEY_NOISE_RE = re.compile(r"(人民币|rmb|cny|元整|元|圆|块钱|块|[¥￥$,，\s])", re.IGNORECASE)
_DECIMAL_RE = re.compile(r"-?\d+\.\d+")
_CURRENCY_RE = re.compile(r"[¥￥]|元|人民币|rmb|cny", re.IGNORECASE)
_DATE_RES = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ tT].*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def is_empty(value: Any) -> bool:
    """None, NaN, an empty or blank string, or the usual spreadsheet spellings of "nothing"."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return normalize_text(value) in EMPTY_WORDS
    try:  # pandas NaT / NA
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict)) else False
    except (TypeError, ValueError, ImportError):
        return False


def normalize_text(value: Any, *, keep_spaces: bool = False) -> str:
    """NFKC (全角 → 半角, ideographic space → space), case-folded, whitespace removed (or collapsed)."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold().strip()
    return _SPACE_RE.sub(" ", text) if keep_spaces else _SPACE_RE.sub("", text)


def normalize_money(value: Any) -> Decimal | None:
    """¥12.5, 12.50元, ￥1,299 → Decimal('12.50'), Decimal('1299.00'); None if not an amount."""
    if isinstance(value, bool) or is_empty(value):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    text = _MONEY_NOISE_RE.sub("", unicodedata.normalize("NFKC", str(value)))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def normalize_number(value: Any) -> Decimal | None:
    """A number however written (``0``, ``0.00``, ``１２``, ``1,000``); None if not a number."""
    if isinstance(value, bool) or is_empty(value):
        return None
    if isinstance(value, float):
        return Decimal(repr(value)).normalize()
    if isinstance(value, (int, Decimal)):
        return Decimal(value).normalize()
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number.normalize() if number.is_finite() else None


def normalize_phone(value: Any) -> str | None:
    """Digits only, +86/86 prefix dropped: an 11-digit mainland mobile number, else None."""
    if isinstance(value, bool) or is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value)))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if len(digits) == 11 and digits.startswith("1") else None


def normalize_date(value: Any) -> str | None:
    """2026/1/5, 2026年1月5日, 2026.01.05, 20260105, a datetime → '2026-01-05'; None if not a date."""
    if isinstance(value, bool) or is_empty(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date().isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in _DATE_RES:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
            except ValueError:
                return None
    return None


def normalize(value: Any, how: str = "text") -> Any:
    """One value normalised the named way: text, exact, number, money, phone, date."""
    if how == "exact":
        return None if value is None else str(value)
    if how == "money":
        return normalize_money(value)
    if how == "number":
        return normalize_number(value)
    if how == "phone":
        return normalize_phone(value)
    if how == "date":
        return normalize_date(value)
    return "" if is_empty(value) else normalize_text(value)


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return normalize_number(value)
    if isinstance(value, str):
        return normalize_money(value) if _MONEY_NOISE_RE.search(value) else normalize_number(value)
    return None


_KEY_PARTS_RE = re.compile(r"\s*(?:/|／|×|\*|\||,|，|、|;|；)\s*")


def key_parts(value: Any) -> tuple[str, ...]:
    """A row's key by meaning: the set of values it names, in no particular order.

    A JSON object gives its values ({颜色: 白色, 尺码: M} and {尺码: M, 颜色: 白色} are one key), a list its
    items, a text its parts split at ``/ × * | , ， 、 ;`` ("白色 / M" = "m/白色"); each part compares
    like text (全角/半角, case, spaces: ``ＸＬ`` = ``xl``). Sorted, so two keys are equal when they
    name the same values."""
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        items = [value]
    parts: list[str] = []
    for item in items:
        if is_empty(item):
            continue
        pieces = _KEY_PARTS_RE.split(unicodedata.normalize("NFKC", str(item))) if isinstance(item, str) else [item]
        parts.extend(normalize_text(p) for p in pieces if not is_empty(p))
    return tuple(sorted(p for p in parts if p))


def values_equal(expected: Any, actual: Any, *, strict: bool = False) -> bool:
    """Tolerant equality: numbers by value (0 = 0.00 = ¥0), text by ``normalize_text``, empty = empty,
    lists as multisets, dicts key by key (extra keys on the actual side allowed). ``strict`` compares
    the text forms exactly (after str())."""
    if strict:
        return _strict_text(expected) == _strict_text(actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return _as_bool(expected) is not None and _as_bool(expected) == _as_bool(actual)
    if is_empty(expected) or is_empty(actual):
        return is_empty(expected) and is_empty(actual)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and values_equal(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(expected) != len(actual):
            return False
        remaining = list(actual)
        for item in expected:
            for index, candidate in enumerate(remaining):
                if values_equal(item, candidate):
                    del remaining[index]
                    break
            else:
                return False
        return True
    if _numeric_side(expected) or _numeric_side(actual):
        left, right = _as_number(expected), _as_number(actual)
        if left is not None and right is not None:
            return left == right
    if isinstance(expected, (datetime, date)) or isinstance(actual, (datetime, date)):
        return normalize_date(expected) is not None and normalize_date(expected) == normalize_date(actual)
    return normalize_text(expected) == normalize_text(actual)


def _numeric_side(value: Any) -> bool:
    """Compare as numbers only when one side is a number, a written amount (¥/元) or a decimal
    ("0.00"): two plain digit strings stay text, so the code "001" is not the code "1"."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and bool(_CURRENCY_RE.search(value) or _DECIMAL_RE.fullmatch(value.strip()))


def _strict_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = normalize_text(value)
    if text in {"true", "1", "yes", "是", "y"}:
        return True
    if text in {"false", "0", "no", "否", "n", ""}:
        return False
    return None


def contains_text(haystack: Any, needle: Any) -> bool:
    """``needle`` occurs in ``haystack`` after normalisation (全角/半角, case, spaces ignored)."""
    want = normalize_text(needle)
    return bool(want) and want in normalize_text(haystack)


def compare(op: str, expected: Any, actual: Any, *, strict: bool = False) -> bool:
    """One comparison operator of a rubric: eq ne in contains gt gte lt lte empty place address."""
    if op == "eq":
        return values_equal(expected, actual, strict=strict)
    if op == "ne":
        return not values_equal(expected, actual, strict=strict)
    if op == "in":
        return any(values_equal(option, actual, strict=strict) for option in expected)
    if op == "contains":
        if isinstance(actual, (list, tuple)):
            return any(values_equal(expected, item, strict=strict) for item in actual)
        return (str(expected) in str(actual or "")) if strict else contains_text(actual, expected)
    if op == "empty":
        blank = (not actual) if isinstance(actual, (list, dict)) else is_empty(actual)
        return blank == bool(expected)
    if op == "place":
        return values_equal(expected, actual, strict=True) if strict else same_place(expected, actual)
    if op == "address":
        return (str(expected) in str(actual or "")) if strict else same_address(expected, actual)
    left, right = _as_number(actual), _as_number(expected)
    if left is None or right is None:
        return False
    return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]


def display(value: Any) -> str:
    """A value as a candidate should read it in a message: empty is 空, amounts keep two decimals."""
    if is_empty(value) if not isinstance(value, (list, dict)) else not value:
        return "空"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (list, tuple)):
        return "、".join(display(v) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{k}: {display(v)}" for k, v in value.items())
    return str(value)


# -- Chinese administrative names and addresses ------------------------------------------------------
# The administrative divisions come from cpca (its national address code table), never from a list
# written here: 厦门 is 厦门市, 福建 is 福建省, 浙江杭州余杭区 is 浙江省杭州市余杭区.

_ADDRESS_LABEL_RE = re.compile(
    r"(收件人|收货人|联系人|姓名|名字|联系电话|手机号码|手机号|手机|电话|退货地址|收货地址|详细地址|地址)\s*[:：]")
_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})(?!\d)")
_PLACE_LEVELS = ("省", "市", "区")


def _cpca_places(texts: list[str]) -> list[tuple[str | None, str | None, str | None, str]]:
    """(province, city, district, the rest) for each text; cpca is imported on first use (its table
    loads in about a second)."""
    import cpca

    frame = cpca.transform(texts)
    out = []
    for row in frame.itertuples(index=False):
        values = [None if is_empty(getattr(row, name, None)) else str(getattr(row, name)) for name in _PLACE_LEVELS]
        city = values[1]
        if city in ("市辖区", "县"):  # the municipalities' placeholder level: 上海市·市辖区·浦东新区
            values[1] = None
        rest = getattr(row, "地址", None)
        out.append((values[0], values[1], values[2], "" if is_empty(rest) else str(rest)))
    return out


def place_parts(text: Any) -> tuple[str | None, str | None, str | None]:
    """The (province, city, district) an administrative name or an address names, as the national
    table writes them; (None, None, None) if it names none."""
    if is_empty(text):
        return (None, None, None)
    province, city, district, _rest = _cpca_places([unicodedata.normalize("NFKC", str(text)).strip()])[0]
    return (province, city, district)


def same_place(expected: Any, actual: Any) -> bool:
    """Does ``actual`` name the same administrative division as ``expected``, with or without its
    suffix (厦门 = 厦门市, 福建 = 福建省, 大理 = 大理白族自治州)? The division the expected name
    stops at must be the one the actual text names at that level, and the levels above must agree."""
    if normalize_text(expected) == normalize_text(actual):
        return not is_empty(expected)
    want, got = place_parts(expected), place_parts(actual)
    deepest = max((i for i, name in enumerate(want) if name), default=None)
    if deepest is None or got[deepest] != want[deepest]:
        return False
    return all(w is None or g is None or w == g for w, g in zip(want[:deepest], got[:deepest]))


def mobile_numbers(text: Any) -> list[str]:
    """Every mainland mobile number written in ``text`` (spaces, dashes, +86 allowed), as 11 digits."""
    plain = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return [re.sub(r"\D", "", m.group(1)) for m in _MOBILE_RE.finditer(plain)]


def address_parts(text: Any) -> dict[str, Any]:
    """A written address — ``姓名，电话，省市区详细地址`` or labelled ``收件人：… 电话：… 地址：…`` —
    as {"phone", "province", "city", "district", "detail", "text"}: the phone is the first mobile
    number, the divisions come from cpca, the detail is what follows the district."""
    plain = unicodedata.normalize("NFKC", "" if text is None else str(text))
    phones = mobile_numbers(plain)
    place_text = _ADDRESS_LABEL_RE.sub(" ", _MOBILE_RE.sub(" ", plain))
    province, city, district, rest = _cpca_places([place_text])[0]
    return {"phone": phones[0] if phones else None, "province": province, "city": city, "district": district,
            "detail": normalize_text(rest), "text": normalize_text(place_text)}


def same_address(expected: Any, actual: Any) -> bool:
    """``actual`` (free text, any order, labelled or not) gives the address ``expected`` gives: the
    same mobile number, the same province/city/district (suffixes optional), the same detail, and the
    person's name if the expected address starts with one."""
    if is_empty(expected) or is_empty(actual):
        return False
    want, got = address_parts(expected), address_parts(actual)
    if want["phone"] and want["phone"] not in mobile_numbers(actual):
        return False
    for level in ("province", "city", "district"):
        if want[level] and got[level] != want[level]:
            return False
    if want["detail"] and want["detail"] not in normalize_text(unicodedata.normalize("NFKC", str(actual))):
        return False
    name = _leading_name(expected)
    return not name or normalize_text(name) in normalize_text(actual)


def _leading_name(text: Any) -> str:
    """The person an address is for, when it is written first (``周仓管，138…``)."""
    plain = _ADDRESS_LABEL_RE.sub("", unicodedata.normalize("NFKC", str(text)).strip())
    head = re.split(r"[,，、;；\s]", plain, maxsplit=1)[0]
    return head if head and not re.search(r"\d", head) and len(head) <= 12 and head != plain else ""


# -- phrases in chat: numerals, clock times, sizes ------------------------------------------------

_CLOCK_RE = re.compile(r"(上午|早上|中午|下午|傍晚|晚上)?(\d{1,2})(?:点钟?|时|:)(半|(\d{2})分?)?")
_AFTERNOON = frozenset({"下午", "傍晚", "晚上"})


def _clock(match: re.Match) -> str:
    part, hour, half, minute = match.group(1), int(match.group(2)), match.group(3), match.group(4)
    if hour > 24 or (minute is not None and int(minute) > 59):
        return match.group(0)
    if part in _AFTERNOON and hour < 12:
        hour += 12
    return f"{hour}:{'30' if half == '半' else (minute or '00')}"


def normalize_phrase(value: Any) -> str:
    """``normalize_text`` plus what people write differently for the same fact: Chinese numerals as
    digits (cn2an: 四十八小时 = 48小时, 七天 = 7天, 两天 = 2天) and clock times in one form
    (下午四点 = 下午4点 = 16点 = 16:00 → ``16:00``). Both sides of a comparison go through it."""
    text = normalize_text(value)
    if not text:
        return text
    try:
        import warnings

        import cn2an

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            text = cn2an.transform(text, "cn2an")
    except Exception:  # cn2an refuses some mixed forms; the text as it was still compares
        pass
    return _CLOCK_RE.sub(_clock, text)


def phrase_in(haystack: Any, needle: Any) -> bool:
    """``needle`` occurs in ``haystack``, both read with ``normalize_phrase``."""
    want = normalize_phrase(needle)
    return bool(want) and want in normalize_phrase(haystack)


def labels_named(text: Any, choices: list[list[str]]) -> list[int]:
    """Which of ``choices`` (each a list of labels for one option, e.g. ``["XXL", "2XL"]``) the text
    names as a word of its own: case-insensitive, full-width allowed, ``M`` not found in ``cm`` nor
    ``XL`` in ``XXL``. Returns the indices of the options named, in order."""
    said = normalize_text(text)
    named = []
    for index, labels in enumerate(choices):
        for label in labels:
            want = normalize_text(label)
            if want and re.search(rf"(?<![a-z0-9]){re.escape(want)}(?![a-z])", said):
                named.append(index)
                break
    return named
