"""Kind ``page``: open a storefront or console page in Chromium and check what a person would see.

A page check is a list of weighted assertions about one page (visible text, elements by role,
attributes, computed styles, images), so a half-right page earns part of the points and the
message says which parts were right. Text matching is tolerant the way people are (全角/半角,
spaces, ¥/元, 0 vs 0.00); geometry and colours are exact up to a stated tolerance. An image
shown distorted can halve its assertion, the contest rule "变形的图片该项得分减半".

A page that cannot be looked at (no browser, a crash, a missing page, a redirect to a login)
raises PageUnavailable: the engine records the criterion as not evaluated (未评定) for the
examiner, never a silent 0 the candidate did not earn.
"""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from itertools import count
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from playwright.sync_api import Page
from pydantic import AliasChoices, Discriminator, Field, Tag, field_validator, model_validator

from autograder.browser import BrowserSessionError
from autograder.pages import PageError, first_of, role_selector, text_selector
from autograder.registry import CheckKind, CheckParams, CheckResult, NotEvaluated, register

ARIA_ROLES = frozenset(Page.get_by_role.__annotations__["role"].__args__)
MOBILE_VIEWPORT = {"width": 375, "height": 812}
PC_VIEWPORT = {"width": 1366, "height": 900}
IMAGE_LOAD_WAIT_MS = 3_000
WAIT_FOR_TIMEOUT_MS = 5_000
CENT = Decimal("0.01")
HALF = Decimal("0.5")

class PageUnavailable(NotEvaluated):
    """The page could not be checked; the message says why, in words an examiner can act on."""


# ---------------------------------------------------------------------------------------------
# Normalisation (pure functions, unit-tested without a browser)
# ---------------------------------------------------------------------------------------------

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−－"})
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MONEY = re.compile(rf"(?:(¥)\s*)?({_NUM})(?:\s*-\s*({_NUM}))?\s*(元)?")
_SPACE = re.compile(r"\s+")


def _yuan(number: str) -> str:
    return str(Decimal(number.replace(",", "")).quantize(CENT, rounding=ROUND_HALF_UP))


def _money_sub(match: re.Match) -> str:
    if not (match.group(1) or match.group(4)):
        return match.group(0)
    low, high = match.group(2), match.group(3)
    return "¥" + _yuan(low) + (f"-{_yuan(high)}" if high else "")


def canonical_money(text: str) -> str:
    """Rewrite every amount marked with ¥ or 元 as ``¥<n>.<nn>`` (a range as ``¥a-b``), so
    "¥99", "99元", "99.00 元" and "￥ 99.0" all read the same. Expects NFKC text (￥ → ¥)."""
    return _MONEY.sub(_money_sub, text)


def fold_text(text: str) -> str:
    """The tolerant form of visible text: NFKC (全角 → 半角), one dash, money canonical, case
    folded, whitespace removed (Chinese text does not depend on spaces; layout inserts them)."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = canonical_money(text)
    return _SPACE.sub("", text.casefold())


def text_contains(haystack: str, needle: str) -> bool:
    return fold_text(needle) in fold_text(haystack)


def fold_value(value: str) -> str:
    """Attribute values: NFKC and collapsed whitespace, but case and spacing inside kept."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", value)).strip()


_RGB = re.compile(
    r"rgba?\(\s*([\d.]+%?)\s*[,\s]\s*([\d.]+%?)\s*[,\s]\s*([\d.]+%?)\s*(?:[,/]\s*([\d.]+%?)\s*)?\)$")
_HEX = re.compile(r"#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$")


def _channel(value: str) -> int:
    number = float(value[:-1]) * 2.55 if value.endswith("%") else float(value)
    return max(0, min(255, round(number)))


def _alpha(value: str | None) -> float:
    if value is None:
        return 1.0
    number = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    return max(0.0, min(1.0, number))


def parse_color(value: str) -> tuple[int, int, int, float] | None:
    """A CSS colour (hex, rgb()/rgba() in comma or space syntax, hsl(), a name) as RGBA, else None."""
    text = value.strip().lower()
    if not text:
        return None
    if text == "transparent":
        return (0, 0, 0, 0.0)
    match = _HEX.match(text)
    if match:
        digits = match.group(1)
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), round(alpha, 3))
    match = _RGB.match(text)
    if match:
        try:
            return (*(_channel(match.group(i)) for i in (1, 2, 3)), _alpha(match.group(4)))
        except ValueError:
            return None
    from PIL import ImageColor

    try:
        rgb = ImageColor.getrgb(text)
    except ValueError:
        return None
    return (*rgb[:3], rgb[3] / 255 if len(rgb) == 4 else 1.0)


def color_hex(rgba: tuple[int, int, int, float]) -> str:
    r, g, b, a = rgba
    text = f"#{r:02x}{g:02x}{b:02x}"
    return text if a >= 0.999 else f"{text} / {a:.2f}"


def colors_equal(expected: tuple, actual: tuple, tolerance: int = 0) -> bool:
    return (all(abs(e - a) <= tolerance for e, a in zip(expected[:3], actual[:3]))
            and abs(expected[3] - actual[3]) <= 0.01)


THUMB = (16, 16)
SAME_PICTURE_DISTANCE = 12  # mean grey-level difference (0–255) of two 16×16 thumbnails


def thumbnail(data: bytes) -> list[int] | None:
    """A 16×16 grey thumbnail that ignores the proportions (transparency on white), or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    canvas.alpha_composite(rgba)
    return list(canvas.convert("L").resize(THUMB, Image.Resampling.BOX).tobytes())


def squeezed_source(image: bytes, sources: dict[str, bytes], tolerance: float) -> tuple[str, int, int] | None:
    """(name, width, height) of the handed-out picture ``image`` was made from by changing its
    proportions (squeezed or stretched before upload), else None. The picture is the closest
    source by thumbnail; a source of the same proportions (the file itself, resized) is fine."""
    from PIL import Image

    mine = thumbnail(image)
    if mine is None:
        return None
    with Image.open(io.BytesIO(image)) as img:
        width, height = img.size
    best = None
    for name, data in sources.items():
        theirs = thumbnail(data)
        if theirs is None:
            continue
        distance = sum(abs(a - b) for a, b in zip(mine, theirs)) / len(mine)
        if distance <= SAME_PICTURE_DISTANCE and (best is None or distance < best[0]):
            with Image.open(io.BytesIO(data)) as src:
                best = (distance, name, *src.size)
    if best is None or min(width, height, best[2], best[3]) <= 0:
        return None
    _, name, sw, sh = best
    if abs((width / height) / (sw / sh) - 1) > tolerance:
        return name, sw, sh
    return None


def parse_aspect(value: str) -> float:
    """"16:9" → 1.777…; the width-to-height ratio an image must have."""
    width, height = value.split(":")
    return float(width) / float(height)


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------

Selector = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\n\r]+$",
                                description="CSS 选择器，例如 .sf-sign 或 #sf-main-img")]


class _Assert(CheckParams):
    weight: Decimal = Field(Decimal(1), gt=0, le=1000,
                            description="该项在本检查中的权重；得分 = 通过项权重之和 ÷ 总权重 × 分值")


class TextAssert(_Assert):
    """Visible text is (or is not) on the page."""

    text: str = Field(min_length=1, max_length=500,
                      description="应出现（或不应出现）的可见文字；忽略空白、全角/半角，¥/元 与 0/0.00 等价")
    present: bool = Field(True, description="true：必须出现；false：不得出现")
    within: Selector | None = Field(None, description="只在此 CSS 选择器匹配的区域内查找（可选）")


class RoleAssert(_Assert):
    """Elements found the way assistive technology finds them: ARIA role and accessible name."""

    role: str = Field(description="ARIA 角色，如 link、img、button、heading、row")
    name: str | None = Field(None, max_length=200, description="可访问名称（默认包含匹配，不区分大小写）")
    exact: bool = Field(False, description="true 时名称须完全一致")
    level: int | None = Field(None, ge=1, le=6, description="标题级别（仅 role: heading）")
    count_min: int = Field(1, ge=0, le=1000, description="至少多少个")
    count_max: int | None = Field(None, ge=0, le=1000, description="至多多少个（可选；0 表示不得出现）")

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ARIA_ROLES:
            raise ValueError(_("未知的 ARIA 角色“%(role)s”") % {"role": value})
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if self.level is not None and self.role != "heading":
            raise ValueError(_("level 只能与 role: heading 一起使用"))
        if self.count_max is not None and self.count_max < self.count_min:
            raise ValueError(_("count_max 不能小于 count_min"))
        return self


class AttributeAssert(_Assert):
    """An attribute of the matched elements: present, equal to, containing, or matching a value."""

    selector: Selector
    attribute: str = Field(pattern=r"^[A-Za-z_:][-A-Za-z0-9_:.]*$", max_length=60, description="属性名，如 alt、href")
    equals: str | None = Field(None, description="属性值须等于（忽略首尾空白、全角/半角）")
    contains: str | None = Field(None, description="属性值须包含")
    matches: str | None = Field(None, description="属性值须匹配的正则表达式（re.search）")
    every: bool = Field(False, description="false：任一匹配元素满足即可；true：全部匹配元素都须满足")

    @model_validator(mode="after")
    def _one_comparison(self):
        given = [name for name in ("equals", "contains", "matches") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(_("equals、contains、matches 只能给出其中一个"))
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as exc:
                raise ValueError(_("matches 不是有效的正则表达式：%(error)s") % {"error": exc}) from None
        return self


class StyleAssert(_Assert):
    """A computed CSS property of the matched elements (colours compared as colours)."""

    selector: Selector
    style: str = Field(pattern=r"^-{0,2}[a-z][a-z0-9-]*$", max_length=60, description="CSS 属性名，如 background-color")
    equals: str = Field(min_length=1, max_length=200,
                        description="期望的计算值；颜色可写 #ff5000、rgb(255, 80, 0) 或颜色名")
    tolerance: int = Field(0, ge=0, le=255, description="颜色每个通道允许的差值")
    every: bool = Field(False, description="false：任一匹配元素满足即可；true：全部都须满足")


class ImageAssert(_Assert):
    """Images that loaded, with their natural size and proportions; optionally not distorted."""

    image: Selector = Field(description="匹配 <img> 元素的 CSS 选择器")
    min_width: int | None = Field(None, ge=1, description="原图最小宽度（像素）")
    min_height: int | None = Field(None, ge=1, description="原图最小高度（像素）")
    max_width: int | None = Field(None, ge=1, description="原图最大宽度（像素）")
    max_height: int | None = Field(None, ge=1, description="原图最大高度（像素）")
    aspect: str | None = Field(None, pattern=r"^\d+(\.\d+)?:\d+(\.\d+)?$", description="原图宽高比，如 1:1、16:9")
    aspect_tolerance: float = Field(0.02, ge=0, le=0.5, description="宽高比允许的相对偏差（默认 2%）")
    loaded: bool = Field(True, description="true：图片须成功加载（破图不计）")
    count_min: int = Field(1, ge=1, le=100, description="至少多少张满足要求的图片（少于要求该项 0 分）")
    distortion: Literal["ignore", "halve", "fail"] = Field(
        "ignore", description="图片显示变形（显示宽高比与原图相差超过 distortion_tolerance）时：halve 该项减半，fail 该项 0 分")
    distortion_tolerance: float = Field(0.05, ge=0, le=0.5, description="判定变形的宽高比相对差（默认 5%）")
    sources: list[str] = Field(
        default_factory=list, max_length=20,
        description="下发给考生的图片（文件中心下发文件的文件名）：图片若是把其中一张改变宽高比后再上传的，也按变形处理")

    @model_validator(mode="after")
    def _consistent(self):
        sized = any(getattr(self, f) is not None for f in ("min_width", "min_height", "max_width", "max_height", "aspect"))
        if sized and not self.loaded:
            raise ValueError(_("检查图片尺寸或比例时 loaded 必须为 true"))
        if self.aspect is not None and 0 in (float(side) for side in self.aspect.split(":")):
            raise ValueError(_("aspect 的宽和高都须大于 0"))
        for low, high in (("min_width", "max_width"), ("min_height", "max_height")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and hi < lo:
                raise ValueError(_("%(high)s 不能小于 %(low)s") % {"high": high, "low": low})
        return self


_ASSERT_KEYS = (("text", "text"), ("role", "role"), ("image", "image"), ("style", "style"), ("attribute", "attribute"))


def _assert_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, tag in _ASSERT_KEYS:
            if key in value:
                return tag
        return None
    return {TextAssert: "text", RoleAssert: "role", ImageAssert: "image", StyleAssert: "style",
            AttributeAssert: "attribute"}.get(type(value))


PageAssert = Annotated[
    Union[Annotated[TextAssert, Tag("text")], Annotated[RoleAssert, Tag("role")],
          Annotated[AttributeAssert, Tag("attribute")], Annotated[StyleAssert, Tag("style")],
          Annotated[ImageAssert, Tag("image")]],
    Discriminator(_assert_tag, custom_error_type="page_assert_kind",
                  custom_error_message="每项断言须含 text、role、image，或 selector 加 attribute / style 之一"),
]


class PageParams(CheckParams):
    """One page, who looks at it, and what must be true of it."""

    area: Literal["storefront", "console"] = Field(
        "storefront", description="storefront：店铺前台 /s/<店铺密钥>/；console：商家后台 /console/")
    path: str = Field(min_length=1, max_length=500,
                      description="相对于所在区域根目录的路径，须以 / 开头，例如 /item/12/ 或 /products/?status=on_sale")
    as_role: Literal["buyer", "candidate"] = Field(
        "buyer", validation_alias=AliasChoices("as_role", "as"),
        description="以谁的身份打开：buyer 买家（匿名，或 buyer 指定的会员）；candidate 考生（后台必须）。默认：前台 buyer，后台 candidate")
    buyer: str | None = Field(None, min_length=1, max_length=40,
                              description="以店铺中已有会员（会员名）身份登录前台，例如查看“我的订单”")
    viewport: Literal["pc", "mobile"] = Field("pc", description="pc：1366×900；mobile：375×812")
    wait_for: str | None = Field(None, min_length=1, max_length=300,
                                 description="打开后先等待出现的文字或 CSS 选择器（最多 5 秒）")
    screenshot: bool | Literal["full_page"] | None = Field(
        None, description="截图作为证据：不填时仅在本项未得满分时截取可视区域；true 总是截取可视区域；"
                          "full_page 总是截取整页；false 不截图")
    asserts: list[PageAssert] = Field(min_length=1, max_length=50, description="断言列表，每项可设 weight")

    @model_validator(mode="before")
    @classmethod
    def _role_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and "as_role" not in data and "as" not in data and data.get("area") == "console":
            data = {**data, "as_role": "candidate"}
        return data

    @field_validator("path")
    @classmethod
    def _relative_path(cls, value: str) -> str:
        if not value.startswith("/") or value.startswith("//"):
            raise ValueError(_("路径须以单个 / 开头，相对于店铺或后台的根目录，例如 /item/12/"))
        if "\\" in value or "://" in value or re.search(r"[\x00-\x1f\x7f]", value):
            raise ValueError(_("路径只能是站内相对路径"))
        if any(segment in (".", "..") for segment in urlsplit(value).path.split("/")):
            raise ValueError(_("路径中不能有 . 或 .. 段"))
        return value

    @model_validator(mode="after")
    def _who_may_look(self):
        if self.area == "console" and self.as_role != "candidate":
            raise ValueError(_("商家后台页面只能以考生身份（as_role: candidate）打开"))
        if self.buyer and (self.area != "storefront" or self.as_role != "buyer"):
            raise ValueError(_("buyer（会员名）只能用于以买家身份打开店铺前台"))
        return self


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------

class Outcome:
    """One assertion's result: the fraction of its weight earned and a line for the message."""

    def __init__(self, factor: Decimal, line: str, actual: Any = None):
        self.factor = factor
        self.line = line
        self.actual = actual


def _role_label(role: str) -> str:
    """The role in words a candidate knows (链接, 按钮 …), the ARIA name for the rare ones."""
    labels = {"link": _("链接"), "button": _("按钮"), "img": _("图片"), "heading": _("标题"), "textbox": _("输入框"),
              "checkbox": _("复选框"), "radio": _("单选项"), "combobox": _("下拉框"), "listitem": _("列表项"),
              "row": _("表格行"), "cell": _("单元格"), "navigation": _("导航"), "table": _("表格"), "tab": _("标签页")}
    return labels.get(role, role)


def _handed_out(ctx, name: str) -> bytes | None:
    """The bytes of the file ``name`` the task handed out (文件中心, 下发文件), else None."""
    sandbox = getattr(ctx, "sandbox", None)
    if sandbox is None:
        return None
    from shop_sim.models import ShopFile

    shop_file = (ShopFile.objects.for_sandbox(sandbox).filter(kind=ShopFile.Kind.PROVIDED, name=name)
                 .order_by("pk").first())
    if shop_file is None or not shop_file.file:
        return None
    try:
        with shop_file.file.open("rb") as handle:
            return handle.read()
    except OSError:
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else exc.__class__.__name__


def _quote_values(values: list, limit: int = 3) -> str:
    shown = ["「" + (_("（无）") if v is None else str(v)[:80]) + "」" for v in values[:limit]]
    more = len(values) - limit
    return "".join(shown) + (_("等 %(n)s 个") % {"n": len(values)} if more > 0 else "")


class _Evaluator:
    def __init__(self, page, handed_out=None):
        self.page = page
        self.handed_out = handed_out or (lambda name: None)  # name → bytes of a handed-out file
        self._texts: dict[str, str | None] = {}

    def visible_text(self, within: str | None) -> str | None:
        key = within or "body"
        if key not in self._texts:
            texts = self.page.inner_texts(key)
            self._texts[key] = "\n".join(texts) if texts else None
        return self._texts[key]

    def run(self, spec) -> Outcome:
        method = {TextAssert: self.text, RoleAssert: self.role, AttributeAssert: self.attribute,
                  StyleAssert: self.style, ImageAssert: self.image}[type(spec)]
        try:
            return method(spec)
        except PageError as exc:  # the browser could not look: the whole page is not evaluated
            raise PageUnavailable(_("检查出错：%(error)s") % {"error": _first_line(exc)}) from exc

    def text(self, spec: TextAssert) -> Outcome:
        haystack = self.visible_text(spec.within)
        if haystack is None:
            found = False
            where = _("（未找到区域 %(sel)s）") % {"sel": spec.within}
        else:
            found = text_contains(haystack, spec.text)
            where = ""
        if spec.present:
            line = (_("页面显示了“%(text)s”") if found else _("页面未显示“%(text)s”")) % {"text": spec.text}
        else:
            line = (_("页面不应显示“%(text)s”，但显示了") if found else _("页面未显示“%(text)s”（符合要求）")) % {"text": spec.text}
        return Outcome(Decimal(found == spec.present), line + where, {"found": found})

    def role(self, spec: RoleAssert) -> Outcome:
        def count_for(name):
            return self.page.count(role_selector(spec.role, name=name, exact=spec.exact, level=spec.level))

        n = count_for(spec.name)
        if spec.name and n < spec.count_min:
            folded = unicodedata.normalize("NFKC", spec.name)
            if folded != spec.name:
                n = max(n, count_for(folded))
        ok = n >= spec.count_min and (spec.count_max is None or n <= spec.count_max)
        role = _role_label(spec.role)
        what = f"{role}“{spec.name}”" if spec.name else role
        if spec.count_max is None:
            want = _("至少 %(n)s 个") % {"n": spec.count_min}
        elif spec.count_max == spec.count_min:
            want = _("%(n)s 个") % {"n": spec.count_min}
        else:
            want = _("%(lo)s 到 %(hi)s 个") % {"lo": spec.count_min, "hi": spec.count_max}
        line = _("元素 %(what)s：期望 %(want)s，实际 %(n)s 个") % {"what": what, "want": want, "n": n}
        return Outcome(Decimal(ok), line, {"count": n})

    def attribute(self, spec: AttributeAssert) -> Outcome:
        values = self.page.evaluate_all(
            spec.selector, "(els, name) => els.map(e => e.getAttribute(name))", spec.attribute)
        if spec.equals is not None:
            want, test = _("等于“%(v)s”") % {"v": spec.equals}, lambda v: fold_value(v) == fold_value(spec.equals)
        elif spec.contains is not None:
            want, test = _("包含“%(v)s”") % {"v": spec.contains}, lambda v: fold_value(spec.contains) in fold_value(v)
        elif spec.matches is not None:
            want, test = _("匹配 %(v)s") % {"v": spec.matches}, lambda v: re.search(spec.matches, v) is not None
        else:
            want, test = _("存在"), lambda v: True
        label = _("元素 %(sel)s 的属性 %(attr)s") % {"sel": spec.selector, "attr": spec.attribute}
        if not values:
            return Outcome(Decimal(0), label + _("：未找到元素"), {"values": []})
        results = [v is not None and test(v) for v in values]
        ok = all(results) if spec.every else any(results)
        line = label + _("：期望%(want)s，实际 %(actual)s") % {"want": want, "actual": _quote_values(values)}
        return Outcome(Decimal(ok), line, {"values": values[:10]})

    def style(self, spec: StyleAssert) -> Outcome:
        values = self.page.evaluate_all(
            spec.selector, "(els, prop) => els.map(e => getComputedStyle(e).getPropertyValue(prop))", spec.style)
        label = _("元素 %(sel)s 的样式 %(prop)s") % {"sel": spec.selector, "prop": spec.style}
        if not values:
            return Outcome(Decimal(0), label + _("：未找到元素"), {"values": []})
        expected_color = parse_color(spec.equals)

        def test(value: str) -> bool:
            actual_color = parse_color(value) if expected_color else None
            if expected_color and actual_color:
                return colors_equal(expected_color, actual_color, spec.tolerance)
            return _SPACE.sub(" ", value.strip().lower()) == _SPACE.sub(" ", spec.equals.strip().lower())

        def show(value: str) -> str:
            color = parse_color(value) if expected_color else None
            return color_hex(color) if color else value

        results = [test(v) for v in values]
        ok = all(results) if spec.every else any(results)
        want = color_hex(expected_color) if expected_color else spec.equals
        line = label + _("：期望 %(want)s，实际 %(actual)s") % {
            "want": want, "actual": _quote_values([show(v) for v in values])}
        return Outcome(Decimal(ok), line, {"values": values[:10]})

    _IMAGE_JS = """
    async (els, waitMs) => {
      const imgs = els.filter(e => e.tagName === 'IMG');
      // Lazy images below the fold have not loaded yet: load them now, then put the attribute back.
      const lazy = imgs.filter(i => !i.complete && i.loading === 'lazy').map(i => [i, i.getAttribute('loading')]);
      for (const [img] of lazy) img.loading = 'eager';
      const deadline = Date.now() + waitMs;
      await Promise.all(imgs.filter(i => !i.complete).map(img => new Promise(done => {
        img.addEventListener('load', done, {once: true});
        img.addEventListener('error', done, {once: true});
        setTimeout(done, Math.max(0, deadline - Date.now()));
      })));
      for (const [img, original] of lazy) img.setAttribute('loading', original);
      const px = v => parseFloat(v) || 0;
      return els.map(e => {
        const s = getComputedStyle(e), r = e.getBoundingClientRect();
        const w = r.width - px(s.borderLeftWidth) - px(s.borderRightWidth) - px(s.paddingLeft) - px(s.paddingRight);
        const h = r.height - px(s.borderTopWidth) - px(s.borderBottomWidth) - px(s.paddingTop) - px(s.paddingBottom);
        return {img: e.tagName === 'IMG', src: e.currentSrc || e.getAttribute('src') || '',
                complete: !!e.complete, nw: e.naturalWidth || 0, nh: e.naturalHeight || 0,
                rw: Math.max(0, w), rh: Math.max(0, h), fit: s.objectFit,
                shown: r.width > 0 && r.height > 0 && s.visibility !== 'hidden'};
      });
    }"""

    def image(self, spec: ImageAssert) -> Outcome:
        found = self.page.evaluate_all(spec.image, self._IMAGE_JS, IMAGE_LOAD_WAIT_MS)
        label = _("图片 %(sel)s") % {"sel": spec.image}
        images = [i for i in found if i["img"]]
        if not images:
            reason = _("：未找到图片") if not found else _("：匹配到的元素不是 <img>")
            return Outcome(Decimal(0), label + reason, {"images": []})
        problems, good = [], []
        for number, info in enumerate(images, start=1):
            issue = self._image_issue(spec, info)
            if issue:
                problems.append(_("第 %(n)s 张%(issue)s") % {"n": number, "issue": issue} if len(images) > 1 else issue)
            else:
                good.append(info)
        actual = {"images": [{k: info[k] for k in ("src", "nw", "nh", "rw", "rh", "complete")} for info in images[:10]]}
        if len(good) < spec.count_min and len(images) == 1 == spec.count_min:
            return Outcome(Decimal(0), label + _("：") + problems[0], actual)
        if len(good) < spec.count_min:
            line = label + _("：需要至少 %(need)s 张符合要求，实际 %(have)s 张") % {"need": spec.count_min, "have": len(good)}
            if problems:
                line += _("；") + _("；").join(problems[:3])
            return Outcome(Decimal(0), line, actual)
        distorted = [info for info in good if self._distorted(spec, info)]
        line = label + _("：%(have)s 张符合要求") % {"have": len(good)} + self._size_summary(good[0])
        squeezed = None
        if not distorted and spec.sources and spec.distortion != "ignore":
            squeezed = self._squeezed(spec, good)
        if squeezed and spec.distortion != "ignore":
            name, sw, sh, info = squeezed
            line += _("；但图片变形：是把下发的 %(name)s（%(sw)s×%(sh)s）改变比例成 %(nw)s×%(nh)s 后上传的") % {
                "name": name, "sw": sw, "sh": sh, "nw": info["nw"], "nh": info["nh"]}
            distorted = [info]
        elif distorted and spec.distortion != "ignore":
            info = distorted[0]
            line += _("；但显示变形：原图 %(nw)s×%(nh)s，显示为 %(rw)s×%(rh)s") % {
                "nw": info["nw"], "nh": info["nh"], "rw": round(info["rw"]), "rh": round(info["rh"])}
        if (squeezed or distorted) and spec.distortion != "ignore":
            if spec.distortion == "halve":
                return Outcome(HALF, line + _("（该项得分减半）"), {**actual, "distorted": True})
            return Outcome(Decimal(0), line + _("（该项不得分）"), {**actual, "distorted": True})
        return Outcome(Decimal(1), line, actual)

    _BYTES_JS = """
    async (src) => {
      const response = await fetch(src);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (!response.ok || bytes.length > 4000000) return null;
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      return btoa(text);
    }"""

    def _squeezed(self, spec: ImageAssert, good: list[dict]):
        """The first image that is a handed-out picture with its proportions changed, as the
        buyer's browser loads it: (source name, source width, source height, info), else None."""
        sources = {name: data for name in spec.sources if (data := self.handed_out(name))}
        if not sources:
            return None
        for info in good:
            encoded = self.page.evaluate(self._BYTES_JS, info["src"]) if info["src"] else None
            if not encoded:
                continue
            found = squeezed_source(base64.b64decode(encoded), sources, spec.distortion_tolerance)
            if found:
                return (*found, info)
        return None

    @staticmethod
    def _size_summary(info: dict) -> str:
        return _("（原图 %(w)s×%(h)s）") % {"w": info["nw"], "h": info["nh"]}

    @staticmethod
    def _bound(width: int | None, height: int | None, word: str) -> str:
        if width and height:
            return f"{word} {width}×{height}"
        return (_("宽%(word)s %(n)s") if width else _("高%(word)s %(n)s")) % {"word": word, "n": width or height}

    @classmethod
    def _image_issue(cls, spec: ImageAssert, info: dict) -> str:
        if spec.loaded and not (info["complete"] and info["nw"] > 0):
            return _("未能加载（破图）")
        w, h = info["nw"], info["nh"]
        size = f"{w}×{h}"
        if (spec.min_width and w < spec.min_width) or (spec.min_height and h < spec.min_height):
            return _("尺寸不足：要求%(want)s，实际 %(size)s") % {
                "want": cls._bound(spec.min_width, spec.min_height, _("至少")), "size": size}
        if (spec.max_width and w > spec.max_width) or (spec.max_height and h > spec.max_height):
            return _("尺寸过大：要求%(want)s，实际 %(size)s") % {
                "want": cls._bound(spec.max_width, spec.max_height, _("至多")), "size": size}
        if spec.aspect is not None and h > 0:
            want = parse_aspect(spec.aspect)
            if abs((w / h) / want - 1) > spec.aspect_tolerance:
                return _("比例不符：要求 %(want)s，实际 %(size)s") % {"want": spec.aspect, "size": size}
        return ""

    @staticmethod
    def _distorted(spec: ImageAssert, info: dict) -> bool:
        """Stretched on screen: shown at another ratio than its own, with object-fit "fill" (the
        default; contain/cover/scale-down/none keep the proportions)."""
        if not info["shown"] or info["fit"] not in ("fill", "") or min(info["nw"], info["nh"], info["rw"], info["rh"]) <= 0:
            return False
        natural = info["nw"] / info["nh"]
        shown = info["rw"] / info["rh"]
        return abs(shown / natural - 1) > spec.distortion_tolerance


# ---------------------------------------------------------------------------------------------
# The kind
# ---------------------------------------------------------------------------------------------

def _score(points: Decimal, earned: Decimal, total: Decimal) -> Decimal:
    if total <= 0:
        return Decimal(0)
    return min(points, (points * earned / total).quantize(CENT, rounding=ROUND_HALF_UP))


def _describe(spec) -> dict:
    return spec.model_dump(mode="json", exclude_defaults=True)


@register
class PageCheck(CheckKind):
    """Open a page as a buyer or as the candidate; weighted assertions; a screenshot as evidence.

    Uses from the grading context: ``browser_page(as_role=..., buyer_nickname=...)`` (the keyword
    only when ``buyer`` is set), an ``autograder.pages.CheckPage`` — a local Playwright tab or a
    WebDriver one, the check cannot tell — ``storefront_url(path)``, ``console_url(path)``,
    ``points``, and when present ``evidence_path(name)`` and ``criterion_id`` (screenshots are
    named ``<criterion_id>-<n>.jpg``).
    """

    name = "page"
    Params = PageParams
    needs_browser = True

    def run(self, ctx, params: PageParams) -> CheckResult:
        points = Decimal(str(ctx.points))
        where = _("%(area)s页面 %(path)s（%(who)s）") % {
            "area": _("店铺前台") if params.area == "storefront" else _("商家后台"), "path": params.path,
            "who": (_("买家 %(name)s") % {"name": params.buyer}) if params.buyer
            else (_("买家") if params.as_role == "buyer" else _("考生"))}
        expected = [_describe(spec) for spec in params.asserts]

        try:
            extra = {"buyer_nickname": params.buyer} if params.buyer else {}
            page = ctx.browser_page(as_role=params.as_role, **extra)
        except BrowserSessionError as exc:
            raise PageUnavailable(_("无法打开%(where)s：%(reason)s") % {"where": where, "reason": exc}) from exc
        except Exception as exc:
            raise PageUnavailable(_("无法打开%(where)s：浏览器不可用（%(error)s）") % {
                "where": where, "error": _first_line(exc)}) from exc

        try:
            return self._graded(ctx, params, page, points, where, expected)
        except PageUnavailable:
            raise
        except Exception as exc:  # a crashed page or browser: not evaluated, with the reason
            raise PageUnavailable(_("检查%(where)s时出错：%(error)s") % {
                "where": where, "error": _first_line(exc)}) from exc

    def _graded(self, ctx, params: PageParams, page, points, where, expected) -> CheckResult:
        url = ctx.storefront_url(params.path) if params.area == "storefront" else ctx.console_url(params.path)
        viewport = MOBILE_VIEWPORT if params.viewport == "mobile" else PC_VIEWPORT
        page.set_viewport(viewport["width"], viewport["height"])
        try:
            status = page.goto(url)
        except PageError as exc:
            raise PageUnavailable(_("无法打开%(where)s：%(error)s") % {"where": where, "error": _first_line(exc)}) from exc
        if status is None or status >= 400:
            status = status if status is not None else "?"
            raise PageUnavailable(_("无法打开%(where)s：服务器返回 HTTP %(status)s") % {"where": where, "status": status})
        root = urlsplit(url).path.split("/")[1]
        landed = urlsplit(page.url).path
        if not landed.startswith(f"/{root}/"):
            raise PageUnavailable(_("打开%(where)s时被重定向到 %(to)s（未登录或无权限）") % {"where": where, "to": landed})

        notes = []
        if params.wait_for and not self._wait_for(page, params.wait_for):
            notes.append(_("⚠ 等待“%(what)s”超时（%(s)s 秒），以下按当时的页面判断") % {
                "what": params.wait_for, "s": WAIT_FOR_TIMEOUT_MS // 1000})

        evaluator = _Evaluator(page, handed_out=lambda name: _handed_out(ctx, name))
        outcomes = [evaluator.run(spec) for spec in params.asserts]
        total = sum((spec.weight for spec in params.asserts), Decimal(0))
        earned = sum((spec.weight * o.factor for spec, o in zip(params.asserts, outcomes)), Decimal(0))
        score = _score(points, earned, total)
        evidence = self._screenshot(ctx, params, page, passed=score >= points)
        passed = sum(1 for o in outcomes if o.factor == 1)
        lines = [_("%(where)s：%(passed)s/%(n)s 项通过，得分 %(score)s/%(max)s") % {
            "where": where, "passed": passed, "n": len(outcomes), "score": score,
            "max": points.quantize(CENT)}]
        lines += notes
        for o in outcomes:
            mark = "✓" if o.factor == 1 else ("½" if o.factor == HALF else "✗")
            lines.append(f"{mark} {o.line}")
        actual = [{"passed": o.factor == 1, "factor": str(o.factor), "detail": o.line, **(o.actual or {})}
                  for o in outcomes]
        return CheckResult(score=score, max=points, message="\n".join(lines), expected=expected,
                           actual=actual, evidence=evidence)

    @staticmethod
    def _wait_for(page, target: str) -> bool:
        """Wait for text, or for a CSS selector when the string is one (whichever appears)."""
        is_css = page.evaluate("s => { try { document.querySelector(s); return true; } catch (e) { return false; } }",
                               target)
        selector = first_of(target, text_selector(target)) if is_css else first_of(text_selector(target))
        return page.wait_visible(selector, WAIT_FOR_TIMEOUT_MS)

    @staticmethod
    def _screenshot(ctx, params: PageParams, page, *, passed: bool) -> list[dict]:
        """A JPEG screenshot at ``ctx.evidence_path("<criterion>-<n>.jpg")`` where evidence is needed.

        Screenshots were a fifth of grading's browser time, and a full-marks page needs no proof:
        by default (``screenshot`` not given; ``GRADER_SCREENSHOTS`` = ``on_fail``) only a check
        that lost points keeps one, of the viewport. ``true`` always keeps the viewport,
        ``full_page`` always the whole page, ``false`` never; operators may make every check keep
        one (``GRADER_SCREENSHOTS`` = ``viewport`` or ``full_page``) for audits."""
        evidence_path = getattr(ctx, "evidence_path", None)
        mode = params.screenshot
        if mode is None:
            from django.conf import settings

            mode = getattr(settings, "GRADER_SCREENSHOTS", "on_fail")
            mode = {"on_fail": passed is False, "viewport": True}.get(mode, mode)
        if not mode or evidence_path is None:
            return []
        stem = getattr(ctx, "criterion_id", None) or "page"
        try:
            for n in count(1):
                target = evidence_path(f"{stem}-{n}.jpg")
                if target is None:
                    return []
                target = Path(target)
                if not target.exists():
                    break
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(target, full_page=mode == "full_page")
        except (PageError, OSError):
            return []
        return [{"kind": "screenshot", "path": str(target), "url": urlsplit(page.url).path}]
