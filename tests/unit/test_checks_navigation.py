"""The navigation kind's scoring, without a browser: entries keyed by where a buyer lands, scored as
a set against the expected ones (missing, half right, extra, forbidden, order)."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from autograder.checks.navigation import Entry, Landing, NavigationParams, same_page, score_navigation
from autograder.registry import get_kind

CATS = {"新品上市": 11, "上衣": 12, "裤装": 13, "外套": 14}
REFS = {name: Landing(route=("category", pk), heading=name, products=frozenset({pk * 10, pk * 10 + 1}))
        for name, pk in CATS.items()}


def cat(name: str) -> Landing:
    return REFS[name]


def params(**overrides) -> NavigationParams:
    data = {"expect": ["新品上市", "上衣", "裤装"], "forbidden": ["外套"], "ordered": True,
            "forbidden_cost": 2, **overrides}
    return NavigationParams.model_validate(data)


def score(entries, **overrides) -> Decimal:
    return on3(score_navigation(params(**overrides), entries, REFS))


def on3(result) -> Decimal:
    """The fraction as points of a 3-point criterion."""
    return (result.fraction * 3).quantize(Decimal("0.01"))


def test_bare_names_are_label_and_category():
    p = params()
    assert [(t.label, t.category) for t in p.expect] == [("新品上市", "新品上市"), ("上衣", "上衣"), ("裤装", "裤装")]
    assert get_kind("navigation").Params is NavigationParams
    with pytest.raises(ValidationError):
        NavigationParams.model_validate({"expect": []})
    with pytest.raises(ValidationError):
        NavigationParams.model_validate({"expect": ["上衣"], "extra": 1})


def test_the_same_category_page_however_the_link_was_made_is_the_same_page():
    # a pasted address of the category page (another spelling, ?sort=…) resolves to the same route
    assert same_page(Landing(route=("category", 12), heading="上衣"), cat("上衣"))
    # a listing a buyer cannot tell apart: same heading, same products
    assert same_page(Landing(route=("all_products",), heading="上衣", products=frozenset({120, 121})), cat("上衣"))
    # not the same: another category, a search for the name, an empty listing, no page at all
    assert not same_page(cat("裤装"), cat("上衣"))
    assert not same_page(Landing(route=("search", "上衣"), heading="搜索“上衣”", products=frozenset({120, 121})),
                         cat("上衣"))
    assert not same_page(Landing(route=("all_products",), heading="上衣"),
                         Landing(route=("category", 99), heading="上衣"))
    assert not same_page(Landing(problem="链接打不开（HTTP 404）"), cat("上衣"))
    assert not same_page(cat("上衣"), None)


def test_three_right_entries_in_order_earn_everything():
    entries = [Entry(n, cat(n)) for n in ("新品上市", "上衣", "裤装")]
    assert score(entries) == 3
    # a pasted link of the category page is the category (keyed by landing, not by the stored link)
    pasted = [Entry("新品上市", Landing(route=("category", 11), heading="新品上市")), *entries[1:]]
    assert score(pasted) == 3
    # full-width / spacing in a label is the same name
    assert score([Entry("新品 上市", cat("新品上市")), *entries[1:]]) == 3


def test_missing_entries_cost_their_share_of_the_expected_set():
    assert score([Entry("新品上市", cat("新品上市")), Entry("上衣", cat("上衣"))]) == 2
    assert score([]) == 0


def test_half_right_entries_earn_half():
    wrong_label = [Entry("新品", cat("新品上市")), Entry("上衣", cat("上衣")), Entry("裤装", cat("裤装"))]
    assert score(wrong_label) == Decimal("2.5")
    wrong_link = [Entry("新品上市", cat("外套")), Entry("上衣", cat("上衣")), Entry("裤装", cat("裤装"))]
    result = score_navigation(params(), wrong_link, REFS)
    assert on3(result) == Decimal("2.5")
    assert any("点击后应打开分类“新品上市”的页面" in line for line in result.lines)
    dead = [Entry("新品上市", Landing(problem="没有可点击的链接")), Entry("上衣", cat("上衣")), Entry("裤装", cat("裤装"))]
    assert score(dead) == Decimal("2.5")


def test_a_forbidden_entry_costs_what_the_scenario_declares_and_extras_cost_less():
    right = [Entry(n, cat(n)) for n in ("新品上市", "上衣", "裤装")]
    result = score_navigation(params(), [*right, Entry("外套", cat("外套"))], REFS)
    assert on3(result) == 1  # 3 shares − 2 for the forbidden one
    assert any("不应添加的导航“外套”" in line for line in result.lines)
    # forbidden by where it leads, whatever it is called
    assert score([*right, Entry("秋冬外套", cat("外套"))]) == 1
    # an entry nobody asked for (not forbidden) costs half a share
    assert score([*right, Entry("关于我们", Landing(route=("all_products",), heading="所有宝贝"))]) == Decimal("2.5")
    # a shotgun of entries cannot earn more than nothing
    shotgun = [*right, Entry("外套", cat("外套")), *[Entry(f"分类{i}", Landing(route=("category", 50 + i))) for i in range(6)]]
    assert score(shotgun) == 0


def test_order_counts_only_when_the_instructions_ask_for_it():
    shuffled = [Entry(n, cat(n)) for n in ("裤装", "新品上市", "上衣")]
    result = score_navigation(params(), shuffled, REFS)
    assert on3(result) == 2
    assert any("顺序不对" in line for line in result.lines)
    assert score(shuffled, ordered=False) == 3
    # an extra entry in between does not make the order wrong
    between = [Entry("新品上市", cat("新品上市")), Entry("外套", cat("外套")), Entry("上衣", cat("上衣")),
               Entry("裤装", cat("裤装"))]
    assert not any("顺序不对" in line for line in score_navigation(params(), between, REFS).lines)


def test_a_duplicate_entry_is_an_extra_and_a_missing_category_matches_nothing():
    right = [Entry(n, cat(n)) for n in ("新品上市", "上衣", "裤装")]
    assert score([*right, Entry("上衣", cat("上衣"))]) == Decimal("2.5")
    refs = {**REFS, "裤装": None}  # the category no longer exists in the shop
    assert on3(score_navigation(params(), right, refs)) == Decimal("2.5")  # label only: half
