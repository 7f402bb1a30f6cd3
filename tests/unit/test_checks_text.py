"""The ``text`` kind: length in chars or bytes, keywords, and the Advertising Law word list."""

from decimal import Decimal

import pytest
import yaml
from pydantic import ValidationError

from autograder.checks.text import BANNED_WORDS_FILE, TextParams, banned_categories, banned_words_found
from shop_sim.models import Product
from tests.unit.scenario_fixtures.helpers import run_check, small_shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


# -- the word list -------------------------------------------------------------------------------

def test_the_maintained_list_has_categories_with_legal_basis():
    data = yaml.safe_load(BANNED_WORDS_FILE.read_text(encoding="utf-8"))
    assert data["version"]
    categories = banned_categories()
    assert {c.id for c in categories} >= {"superlative", "first_only", "level", "first_exclusive", "absolute",
                                          "false_urgency"}
    words = {w for c in categories for w in c.words}
    for word in ("最", "最佳", "最高级", "国家级", "第一", "唯一", "NO.1", "首家", "独家", "顶级", "极致", "史无前例",
                 "万能", "100%", "绝对", "随时涨价", "仅此一次"):
        assert word in words, word
    assert all("广告法" in c.basis or "商标法" in c.basis for c in categories)


@pytest.mark.parametrize("text, found", [
    ("全网最佳口碑", ["最佳"]),
    ("国家级品质，顶级面料", ["国家级", "顶级"]),
    ("销量ＮＯ．１的好物", ["NO.1"]),
    ("No. 1 in town", ["NO.1"]),
    ("效果１００％保证", ["100%"]),
    ("随时涨价，仅此一次", ["随时涨价", "仅此一次"]),
    ("最近上新，第一次购买享优惠", []),
    ("最后一波清仓", ["最后一波"]),
    ("史无前例的万能工具", ["史无前例", "万能"]),
    ("舒适透气，四季百搭", []),
])
def test_banned_words_are_found_tolerantly_and_exceptions_respected(text, found):
    assert [h.word for h in banned_words_found(text)] == found


def test_a_hit_names_its_category_and_basis():
    [hit] = banned_words_found("独家配方")
    assert "首家/独家" in hit.category and hit.basis == "《广告法》第九条第（三）项"
    assert "“独家”" in hit.describe()


# -- the check -------------------------------------------------------------------------------------

@pytest.fixture
def shop():
    sandbox = small_shop()
    product = Product.objects.for_sandbox(sandbox).order_by("pk").first()
    product.merchant_code = "FX-1"
    product.subtitle = "纯棉面料，舒适透气，四季百搭"
    product.save()
    return sandbox


RULES = {"model": "product", "filter": {"merchant_code": "FX-1"}, "field": "subtitle", "min_length": 6,
         "max_length": 30, "keywords": ["纯棉", ["透气", "吸汗"]]}


def set_subtitle(sandbox, text):
    Product.objects.for_sandbox(sandbox).filter(merchant_code="FX-1").update(subtitle=text)


def test_good_copy_full_marks(shop):
    result = run_check("text", RULES, shop, points="3")
    assert result.score == Decimal("3.00") and result.message == "文本符合要求（1 条）"


def test_banned_word_costs_its_share_and_is_named(shop):
    set_subtitle(shop, "纯棉面料，全网最好，透气舒适")
    result = run_check("text", RULES, shop, points="3")
    assert result.score == Decimal("2.00")
    assert "含有禁用词：“最好”（极限用语（“最”字类），《广告法》第九条第（三）项）" in result.message
    assert result.actual["results"][0]["banned"] == ["最好"]


def test_missing_keyword_is_partial_credit(shop):
    set_subtitle(shop, "涤纶面料，吸汗舒适，四季百搭")  # 吸汗 is an accepted variant of 透气
    result = run_check("text", RULES, shop, points="6")
    assert result.score == Decimal("5.00")  # length 1 + keywords ½ + banned 1 of 3
    assert "缺少关键词：纯棉" in result.message


def test_length_in_chars_and_in_taobao_bytes(shop):
    set_subtitle(shop, "纯棉透气")
    short = run_check("text", RULES, shop, points="3")
    assert short.score == Decimal("2.00") and "长度 4 字，至少需要 6 字" in short.message
    set_subtitle(shop, "纯棉透气好衣服好面料")  # 10 chars, 20 bytes
    in_bytes = run_check("text", {**RULES, "min_length": None, "max_length": 16, "unit": "bytes"}, shop, points="3")
    assert in_bytes.score == Decimal("2.00") and "长度 20 字节，最多 16 字节" in in_bytes.message


def test_keywords_any_mode_and_all_or_nothing(shop):
    set_subtitle(shop, "舒适面料，居家百搭好物")
    params = {**RULES, "keywords": ["纯棉", "透气", "舒适"], "keywords_mode": "any"}
    assert run_check("text", params, shop, points="3").score == Decimal("3.00")
    params = {**RULES, "keywords": ["纯棉"], "partial": "all_or_nothing"}
    assert run_check("text", params, shop, points="3").score == 0


def test_html_is_stripped_before_measuring(shop):
    Product.objects.for_sandbox(shop).filter(merchant_code="FX-1").update(detail_html="<p><b>纯棉</b>面料</p>")
    params = {"model": "product", "filter": {"merchant_code": "FX-1"}, "field": "detail_html", "html": True,
              "max_length": 4, "banned_words": False}
    assert run_check("text", params, shop).score == Decimal(10)


def test_several_rows_average_and_no_rows_is_zero(shop):
    second = Product.objects.for_sandbox(shop).order_by("pk")[1]
    Product.objects.filter(pk=second.pk).update(subtitle="国家级工艺")
    params = {"model": "product", "filter": {"subtitle__contains": "工艺"}, "field": "subtitle"}
    assert run_check("text", params, shop).score == 0
    params = {"model": "product", "field": "subtitle", "filter": {}}
    rows = Product.objects.for_sandbox(shop).count()
    result = run_check("text", params, shop)
    assert result.score == (Decimal(10) * (rows - 1) / rows).quantize(Decimal("0.01"))
    assert result.message.startswith(f"商品 {second.title}：含有禁用词：“国家级”")
    nothing = run_check("text", {**RULES, "filter": {"merchant_code": "NONE"}}, shop)
    assert nothing.score == 0 and "没有找到要检查的商品记录" in nothing.message


def test_a_literal_text_and_extra_banned_words():
    result = run_check("text", {"text": "包邮到家，假一赔十", "extra_banned": ["假一赔十"]}, None, points="2")
    assert result.score == 0 and "假一赔十" in result.message
    assert run_check("text", {"text": "包邮到家", "extra_banned": ["假一赔十"]}, None, points="2").score == 2


@pytest.mark.parametrize("bad", [
    {"max_length": 5},
    {"text": "x", "model": "product", "field": "title"},
    {"model": "product", "max_length": 5},
    {"model": "product", "field": "titel", "max_length": 5},
    {"text": "x", "min_length": 9, "max_length": 3},
    {"text": "x", "banned_words": False},
    {"text": "x", "unit": "words"},
])
def test_params_refused(bad):
    with pytest.raises(ValidationError):
        TextParams.model_validate(bad)


# -- gates and keyword stuffing ---------------------------------------------------------------------

GATED = {**RULES, "stuffing": True, "gate": ["length", "banned_words", "stuffing"]}


def test_a_gate_rule_broken_scores_the_text_zero_and_says_why(shop):
    set_subtitle(shop, "纯棉面料，全网最好，透气舒适")
    result = run_check("text", GATED, shop, points="3")
    assert result.score == 0
    assert "禁用词不符合要求，本项不得分" in result.message
    assert result.actual["results"][0]["gate_broken"] == ["banned_words"]


def test_gate_rules_earn_no_share_the_others_share_the_points(shop):
    set_subtitle(shop, "涤纶面料，吸汗舒适，四季百搭")  # one of the two keywords
    assert run_check("text", GATED, shop, points="4").score == Decimal("2.00")
    set_subtitle(shop, "纯棉面料，舒适透气，四季百搭")
    assert run_check("text", GATED, shop, points="4").score == Decimal("4.00")


def test_a_keyword_written_twice_is_stuffing(shop):
    set_subtitle(shop, "纯棉透气纯棉T恤，透气纯棉")
    stuffed = run_check("text", GATED, shop, points="3")
    assert stuffed.score == 0
    assert "关键词堆砌：“纯棉”出现 3 次、“透气/吸汗”出现 2 次" in stuffed.message
    shared = run_check("text", {**RULES, "stuffing": True}, shop, points="4")
    assert shared.score == Decimal("2.00")  # without a gate stuffing halves what the other rules earned
    set_subtitle(shop, "纯棉")
    thin = run_check("text", {**RULES, "stuffing": True}, shop, points="4")
    plain = run_check("text", RULES, shop, points="4")
    assert thin.score == plain.score  # not stuffing earns nothing by itself


@pytest.mark.parametrize("bad", [
    {"text": "x", "gate": ["length"]},                      # a gate on a rule that is not set
    {"text": "x", "stuffing": True},                        # stuffing needs keywords
    {"text": "x", "keywords": ["a"], "gate": ["spelling"]},
])
def test_gate_params_refused(bad):
    with pytest.raises(ValidationError):
        TextParams.model_validate(bad)


def test_one_of_takes_the_best_text_of_several_rows(shop):
    other = Product.objects.for_sandbox(shop).order_by("pk")[1]
    other.merchant_code, other.subtitle = "FX-1", "全网最好"
    other.save()
    averaged = run_check("text", {**GATED, "gate": ["banned_words"]}, shop, points="2")
    assert averaged.score == 1
    best = run_check("text", {**GATED, "gate": ["banned_words"], "one_of": "id"}, shop, points="2")
    assert best.score == 2 and "找到 2 个商品" in best.message
