"""Kind ``navigation``: the shop's navigation bar as a buyer uses it, each entry keyed by where it leads.

A buyer neither sees nor cares whether an entry was made with 链接到分类 or by pasting the category
page's address: the check opens the storefront home page as a buyer, reads the shop's own entries
(name and link, in the order shown), follows each link inside the shop and compares the landing
page by meaning — the same category page (whatever the spelling of the link: absolute, relative,
extra query parameters), or a listing that shows a buyer the same heading and the same products.

The entries are then scored as a set against the expected ones; the denominator is always the
expected entries, never what happens to be there:

* each expected entry earns one share; half when only its name or only its destination is right;
* an entry the instructions forbid (``forbidden``: 不要为“X”添加导航) costs ``forbidden_cost`` shares,
  any other entry nobody asked for ``extra_cost`` shares;
* with ``ordered`` (按顺序添加), matched entries out of the expected order cost ``order_cost`` shares.

A storefront that cannot be opened raises PageUnavailable: the criterion is not evaluated (未评定).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from autograder.browser import BrowserSessionError
from autograder.checks.page import PC_VIEWPORT, PageUnavailable, _first_line, fold_text
from autograder.pages import PageError
from autograder.registry import CheckKind, CheckParams, CheckResult, register

CENT = Decimal("0.01")
HALF = Decimal("0.5")
ENTRY_SELECTOR = ".sf-nav .sf-nav-entry"
LISTING_ROUTES = ("category", "search", "all_products")
MAX_ENTRIES_FOLLOWED = 30
_ITEM_ID = re.compile(r"/item/(\d+)/")

_ENTRIES_JS = "els => els.map(e => ({label: (e.innerText || e.textContent || '').trim(), " \
              "href: e.tagName === 'A' ? (e.href || '') : ''}))"
_PRODUCTS_JS = "els => els.map(e => e.getAttribute('href') || '')"


class NavTarget(CheckParams):
    """One expected entry: its name, and the shop category (by name) a buyer must land on."""

    label: str = Field(min_length=1, max_length=30, description="导航名称")
    category: str = Field(min_length=1, max_length=60, description="点击后应打开的店铺分类（分类名称）")


class NavigationParams(CheckParams):
    """The expected navigation entries, those that must not be there, and whether order counts."""

    expect: list[NavTarget] = Field(min_length=1, max_length=30,
                                    description="期望的导航；只写一个名称时，导航名称与分类名称相同")
    forbidden: list[str] = Field(default_factory=list, max_length=30,
                                 description="不应有导航的分类（按名称；导航名称或打开的页面是它即算）")
    ordered: bool = Field(False, description="true：说明要求按顺序添加，顺序不对扣 order_cost 份")
    extra_cost: Decimal = Field(HALF, ge=0, le=10, description="每个多余的导航扣几份（一份 = 一个期望导航的分值）")
    forbidden_cost: Decimal = Field(Decimal(1), ge=0, le=10, description="每个不应添加的导航扣几份")
    order_cost: Decimal = Field(Decimal(1), ge=0, le=10, description="顺序不对扣几份")

    @model_validator(mode="before")
    @classmethod
    def _bare_names(cls, data: Any) -> Any:
        """``expect: [上衣, 裤装]``: each name is both the entry's label and its category."""
        if isinstance(data, dict) and isinstance(data.get("expect"), list):
            data = {**data, "expect": [{"label": v, "category": v} if isinstance(v, str) else v
                                       for v in data["expect"]]}
        return data


# ---------------------------------------------------------------------------------------------
# Where a link leads, and whether two pages are the same to a buyer (pure, unit-tested)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Landing:
    """The page a buyer reached: its route inside the shop, heading and listed products."""

    route: tuple = ()  # ("category", 12) / ("search",) …; () = not a page of this shop
    heading: str = ""
    products: frozenset = frozenset()
    problem: str = ""  # why there is no page: no link, off-site, HTTP error

    @property
    def reached(self) -> bool:
        return not self.problem and bool(self.route)

    def describe(self) -> str:
        if self.problem:
            return self.problem
        return _("打开了“%(heading)s”页面") % {"heading": self.heading} if self.heading else _("打开了本店的一个页面")


def same_page(landing: Landing | None, reference: Landing | None) -> bool:
    """The same page to a buyer: the same route (a category page is that category's, whatever the
    link's spelling), or a listing with the same heading and the same (non-empty) products."""
    if landing is None or reference is None or not landing.reached or not reference.reached:
        return False
    if landing.route == reference.route:
        return True
    return (landing.route[0] in LISTING_ROUTES and reference.route[0] in LISTING_ROUTES
            and bool(landing.products) and landing.products == reference.products
            and fold_text(landing.heading) == fold_text(reference.heading))


@dataclass(frozen=True)
class Entry:
    """A navigation entry as the buyer sees it, and where it leads."""

    label: str
    landing: Landing


@dataclass
class NavScore:
    fraction: Decimal
    lines: list[str] = field(default_factory=list)
    detail: dict = field(default_factory=dict)


def _names(items) -> str:
    return "、".join(f"“{item}”" for item in items) or _("（无）")


def _shares(value: Decimal) -> str:
    return format(value.normalize(), "f")


def score_navigation(params: NavigationParams, entries: list[Entry], references: dict[str, Landing | None]) -> NavScore:
    """Score the shown entries against the expected ones (``references``: category name → its page)."""
    expected = params.expect
    used: set[int] = set()
    pairs: dict[int, tuple[int, Decimal, str]] = {}  # expected index → (entry index, credit, line)

    def label_ok(entry: Entry, target: NavTarget) -> bool:
        return fold_text(entry.label) == fold_text(target.label)

    def lands_ok(entry: Entry, target: NavTarget) -> bool:
        return same_page(entry.landing, references.get(target.category))

    for number, target in enumerate(expected):
        for index, entry in enumerate(entries):
            if index not in used and label_ok(entry, target) and lands_ok(entry, target):
                used.add(index)
                pairs[number] = (index, Decimal(1), "✓ " + _("“%(label)s”：打开分类“%(cat)s”的页面") % {
                    "label": target.label, "cat": target.category})
                break
    for number, target in enumerate(expected):
        if number in pairs:
            continue
        for index, entry in enumerate(entries):
            if index not in used and lands_ok(entry, target):
                used.add(index)
                pairs[number] = (index, HALF, "½ " + _("“%(label)s”：导航名称是“%(actual)s”，应为“%(label)s”（链接正确）") % {
                    "label": target.label, "actual": entry.label})
                break
    for number, target in enumerate(expected):
        if number in pairs:
            continue
        for index, entry in enumerate(entries):
            if index not in used and label_ok(entry, target):
                used.add(index)
                pairs[number] = (index, HALF, "½ " + _("“%(label)s”：点击后应打开分类“%(cat)s”的页面，实际%(landing)s") % {
                    "label": target.label, "cat": target.category, "landing": entry.landing.describe()})
                break

    lines = [_("买家在店铺首页看到的导航：%(names)s") % {"names": _names(e.label for e in entries)}]
    credit = Decimal(0)
    for number, target in enumerate(expected):
        if number in pairs:
            credit += pairs[number][1]
            lines.append(pairs[number][2])
        else:
            lines.append("✗ " + _("缺少导航“%(label)s”（应链接到分类“%(cat)s”）") % {
                "label": target.label, "cat": target.category})

    forbidden_labels = {fold_text(name) for name in params.forbidden}
    cost = Decimal(0)
    extras, forbidden = [], []
    for index, entry in enumerate(entries):
        if index in used:
            continue
        if fold_text(entry.label) in forbidden_labels or any(
                same_page(entry.landing, references.get(name)) for name in params.forbidden):
            forbidden.append(entry.label)
            cost += params.forbidden_cost
            lines.append("✗ " + _("不应添加的导航“%(label)s”：说明要求不要为%(names)s添加导航（扣 %(n)s 份）") % {
                "label": entry.label, "names": _names(params.forbidden), "n": _shares(params.forbidden_cost)})
        else:
            extras.append(entry.label)
            cost += params.extra_cost
            lines.append("✗ " + _("多余的导航“%(label)s”：说明没有要求（扣 %(n)s 份）") % {
                "label": entry.label, "n": _shares(params.extra_cost)})

    in_order = True
    if params.ordered and len(pairs) >= 2:
        shown = [pairs[number][0] for number in sorted(pairs)]
        in_order = shown == sorted(shown)
        if not in_order:
            cost += params.order_cost
            actual = [expected[number].label for number in sorted(pairs, key=lambda n: pairs[n][0])]
            lines.append("✗ " + _("顺序不对：应依次为 %(want)s，实际为 %(actual)s（扣 %(n)s 份）") % {
                "want": _names(t.label for t in expected), "actual": _names(actual),
                "n": _shares(params.order_cost)})

    fraction = max(Decimal(0), credit - cost) / len(expected)
    detail = {"entries": [{"label": e.label, "landing": e.landing.describe()} for e in entries],
              "credit": str(credit), "cost": str(cost), "extra": extras, "forbidden": forbidden, "in_order": in_order}
    return NavScore(fraction=min(Decimal(1), fraction), lines=lines, detail=detail)


# ---------------------------------------------------------------------------------------------
# The kind
# ---------------------------------------------------------------------------------------------

@register
class NavigationCheck(CheckKind):
    """The navigation bar on the storefront home page, as a buyer who clicks each entry sees it."""

    name = "navigation"
    Params = NavigationParams
    needs_browser = True

    def run(self, ctx, params: NavigationParams) -> CheckResult:
        points = Decimal(str(ctx.points))
        try:
            page = ctx.browser_page(as_role="buyer")
        except BrowserSessionError as exc:
            raise PageUnavailable(_("无法以买家身份打开店铺前台：%(reason)s") % {"reason": exc}) from exc
        except Exception as exc:
            raise PageUnavailable(_("无法以买家身份打开店铺前台：浏览器不可用（%(error)s）") % {
                "error": _first_line(exc)}) from exc
        try:
            entries, references = self._look(ctx, params, page)
        except PageUnavailable:
            raise
        except Exception as exc:
            raise PageUnavailable(_("检查店铺导航时出错：%(error)s") % {"error": _first_line(exc)}) from exc

        result = score_navigation(params, entries, references)
        score = min(points, (points * result.fraction).quantize(CENT, rounding=ROUND_HALF_UP))
        head = _("导航：得分 %(score)s/%(max)s") % {"score": score, "max": points.quantize(CENT)}
        expected = {"expect": [t.model_dump() for t in params.expect], "forbidden": params.forbidden,
                    "ordered": params.ordered}
        return CheckResult(score=score, max=points, message="\n".join([head, *result.lines]),
                           expected=expected, actual=result.detail)

    def _look(self, ctx, params: NavigationParams, page) -> tuple[list[Entry], dict[str, Landing | None]]:
        page.set_viewport(PC_VIEWPORT["width"], PC_VIEWPORT["height"])
        home = ctx.storefront_url("/")
        status = self._goto(page, home)
        if status is None or status >= 400:
            raise PageUnavailable(_("无法打开店铺首页：服务器返回 HTTP %(status)s") % {"status": status or "?"})
        shown = page.evaluate_all(ENTRY_SELECTOR, _ENTRIES_JS)
        root = urlsplit(home)
        cache: dict[str, Landing] = {}

        def follow(href: str) -> Landing:
            if href not in cache:
                cache[href] = self._landing(page, href, root) if len(cache) < MAX_ENTRIES_FOLLOWED \
                    else Landing(problem=_("（导航过多，未逐个打开）"))
            return cache[href]

        entries = [Entry(label=item["label"], landing=follow(item["href"]) if item["href"]
                         else Landing(problem=_("没有可点击的链接"))) for item in shown]

        from shop_sim.models import Category

        names = {t.category for t in params.expect} | set(params.forbidden)
        found = {}
        for category in Category.objects.for_sandbox(ctx.sandbox).filter(name__in=names).order_by("pk"):
            found.setdefault(category.name, category)
        references: dict[str, Landing | None] = {}
        for name in sorted(names):
            category = found.get(name)
            references[name] = follow(ctx.storefront_url(f"/category/{category.pk}/")) if category else None
        return entries, references

    @staticmethod
    def _goto(page, url: str) -> int | None:
        try:
            return page.goto(url)
        except PageError as exc:
            raise PageUnavailable(_("无法打开店铺前台：%(error)s") % {"error": _first_line(exc)}) from exc

    def _landing(self, page, href: str, root) -> Landing:
        """Follow ``href`` as the buyer; only links inside this shop are opened (never another site)."""
        target = urlsplit(href)
        if (target.scheme, target.netloc) != (root.scheme, root.netloc) or not target.path.startswith(root.path):
            return Landing(problem=_("链接到本店以外的网址"))
        status = self._goto(page, href)
        if status is None or status >= 400:
            return Landing(problem=_("链接打不开（HTTP %(status)s）") % {"status": status or "?"})
        landed = urlsplit(page.url)
        if not landed.path.startswith(root.path):
            return Landing(problem=_("链接跳转到了本店以外的页面"))
        try:
            match = resolve(landed.path)
        except Resolver404:
            return Landing(problem=_("链接打不开"))
        if match.namespace != "storefront":
            return Landing(problem=_("链接跳转到了本店以外的页面"))
        route = (match.url_name, *(v for k, v in sorted(match.kwargs.items()) if k != "storefront_key"))
        if match.url_name == "search":  # a search is the page of its words
            route += (" ".join(parse_qs(landed.query).get("q", [""])[0].split()),)
        headings = page.inner_texts("main h1")
        links = page.evaluate_all(".sf-main .sf-grid a[href]", _PRODUCTS_JS)
        products = frozenset(int(m.group(1)) for m in (_ITEM_ID.search(h) for h in links) if m)
        return Landing(route=route, heading=(headings[0].strip() if headings else ""), products=products)
