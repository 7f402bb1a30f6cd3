"""The grading engine: rubric order, full marks for the solution, mutants lose what they declare,
crash isolation, determinism, and a report that is never lost."""

import json
from decimal import Decimal

import pytest
from pydantic import Field

from autograder import registry
from autograder.engine import GRADER_VERSION, grade
from autograder.registry import CheckKind, CheckParams, CheckResult
from shop_sim.models import Product
from task_scenarios.loader import load_scenario
from task_scenarios.setup import scenario_instance_create
from tests.unit.scenario_fixtures.helpers import GOOD, run_script, write_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def scenario(django_db_blocker):
    with django_db_blocker.unblock():
        return load_scenario(GOOD)


@pytest.fixture
def instance(scenario, candidate):
    return scenario_instance_create(scenario=scenario, seed=5, owner=candidate)


def scores(report) -> dict[str, Decimal]:
    return {c.id: c.result.score for c in report.criteria}


def test_a_blank_attempt_scores_almost_nothing(scenario, instance):
    report = grade(instance=instance, scenario=scenario)
    assert [c.id for c in report.criteria] == ["ship_orders", "memo", "subtitle_copy", "service_attitude"]
    assert scores(report) == {"ship_orders": 0, "memo": 0, "subtitle_copy": Decimal("0.67"), "service_attitude": 0}
    assert report.max == Decimal("10.00") and report.total == Decimal("0.67")
    assert report.collateral == () and report.deduction == 0
    assert report.pending_manual == ("service_attitude",)
    ship = report.criterion("ship_orders")
    assert ship.description["zh"] == f"用{instance.params['carrier']}发货订单 " + "、".join(instance.params["order_nos"])
    assert "期望 交易状态 卖家已发货" in ship.result.message
    assert (report.scenario_slug, report.scenario_version, report.seed) == ("ship-and-memo", 1, 5)
    assert report.grader_version == GRADER_VERSION and report.duration_seconds >= 0


def test_the_solution_earns_every_machine_scored_point(scenario, instance):
    run_script(scenario.solution_path, instance)
    report = grade(instance=instance, scenario=scenario)
    machine = [c for c in report.criteria if c.machine_scored]
    assert all(c.result.score == c.points for c in machine), [(c.id, c.result.message) for c in machine]
    assert report.total == Decimal("8.00") and report.collateral == ()
    manual = report.criterion("service_attitude")
    assert manual.pending and manual.result.message == "待考评员评分"


@pytest.mark.parametrize("mutant", ["wrong_carrier", "banned_copy"])
def test_each_mutant_loses_exactly_the_criteria_it_declares(scenario, instance, mutant):
    declared = next(m for m in scenario.mutants if m.name == mutant)
    run_script(declared.path, instance)
    report = grade(instance=instance, scenario=scenario)
    lost = {c.id for c in report.criteria if c.machine_scored and c.result.score < c.points}
    assert lost == set(declared.loses)


def test_grading_is_deterministic_and_json_ready(scenario, instance):
    run_script(scenario.mutants[0].path, instance)
    first = grade(instance=instance, scenario=scenario).as_dict()
    second = grade(instance=instance, scenario=scenario).as_dict()
    first.pop("duration_seconds"), second.pop("duration_seconds")
    assert first == second
    assert json.loads(json.dumps(first, ensure_ascii=False)) == first


def test_collateral_damage_is_reported_and_deducted(scenario, instance):
    run_script(scenario.solution_path, instance)
    others = Product.objects.for_sandbox(instance.sandbox).exclude(merchant_code=instance.params["product_code"])
    product = others.first()
    Product.objects.filter(pk=product.pk).update(price=Decimal("1.00"))
    report = grade(instance=instance, scenario=scenario)
    [change] = report.collateral
    assert change.model == "product" and change.kind == "changed" and change.fields == ("price",)
    assert f"修改了商品「{product.title[:40]}" in change.message and "→ 1.00" in change.message
    assert report.deduction == Decimal("1.00") and report.total == Decimal("7.00")


def test_a_grade_for_the_wrong_scenario_is_refused(scenario, instance, tmp_path):
    other = load_scenario(write_scenario(tmp_path, "other", points="1", rubric=(
        "  - id: x\n    points: 1\n    description: {zh: x, en: x}\n"
        "    check: {kind: state, model: product, count: {min: 1}}\n")))
    with pytest.raises(ValueError):
        grade(instance=instance, scenario=other)


# -- isolation -----------------------------------------------------------------------------------

class _NoParams(CheckParams):
    """No parameters."""

    note: str = Field(default="", description="Ignored.")


class _Boom(CheckKind):
    name = "test_boom"
    Params = _NoParams

    def run(self, ctx, params):
        raise RuntimeError("boom")


class _Nonsense(CheckKind):
    name = "test_nonsense"
    Params = _NoParams

    def run(self, ctx, params):
        return {"score": 1}


class _TooMuch(CheckKind):
    name = "test_too_much"
    Params = _NoParams

    def run(self, ctx, params):
        return CheckResult(score=ctx.points + 1, max=ctx.points, message="")


class _OwnScale(CheckKind):
    name = "test_own_scale"
    Params = _NoParams

    def run(self, ctx, params):
        return CheckResult(score=1, max=4, message="一半")


class _Browser(CheckKind):
    name = "test_browser"
    Params = _NoParams
    needs_browser = True

    def run(self, ctx, params):
        page = ctx.browser_page(as_role="buyer")
        return CheckResult(score=ctx.points, max=ctx.points, message=f"opened {page}")


TEST_KINDS = (_Boom, _Nonsense, _TooMuch, _OwnScale, _Browser)


@pytest.fixture(scope="module")
def test_kinds():
    registry.load_kinds()
    for kind in TEST_KINDS:
        registry.register(kind)
    yield
    for kind in TEST_KINDS:
        registry._REGISTRY.pop(kind.name, None)


def _criterion(cid: str, kind: str, points: int = 2) -> str:
    return (f"  - id: {cid}\n    points: {points}\n    description: {{zh: {cid}, en: {cid}}}\n"
            f"    check: {{kind: {kind}}}\n")


@pytest.fixture
def isolated(test_kinds, tmp_path, candidate):
    rubric = "".join([
        _criterion("boom", "test_boom"), _criterion("nonsense", "test_nonsense"),
        _criterion("too_much", "test_too_much"), _criterion("own_scale", "test_own_scale"),
        _criterion("browser", "test_browser"),
        "  - id: products\n    points: 2\n    description: {zh: 有商品, en: Products}\n"
        "    check: {kind: state, model: product, count: {min: 1}}\n",
    ])
    scenario = load_scenario(write_scenario(tmp_path, "isolation", points="12", rubric=rubric))
    return scenario, scenario_instance_create(scenario=scenario, seed=0, owner=candidate)


def test_a_crashing_check_costs_only_its_criterion(isolated):
    scenario, instance = isolated
    report = grade(instance=instance, scenario=scenario)
    boom = report.criterion("boom").result
    assert boom.score == 0 and boom.error == "RuntimeError: boom" and boom.message == "未评定：评分检查未能完成（RuntimeError: boom），需考评员重新评分或核定。"
    assert boom.verdict == "not_evaluated"
    assert "returned dict" in report.criterion("nonsense").result.error
    assert "outside" in report.criterion("too_much").result.error
    assert report.criterion("products").result.score == Decimal("2.00")
    own = report.criterion("own_scale").result
    assert (own.score, own.max, own.message) == (Decimal("0.50"), Decimal("2.00"), "一半")
    assert report.total == Decimal("2.50")


def test_a_check_needing_a_browser_without_one_is_an_error_not_a_crash(isolated):
    scenario, instance = isolated
    result = grade(instance=instance, scenario=scenario).criterion("browser").result
    assert result.score == 0 and "no browser available" in result.error


def test_the_browser_session_is_used_when_given(isolated, tmp_path):
    scenario, instance = isolated

    class Session:
        base_url = "http://grader:8000"

        def check_page(self, *, as_role, **options):
            return f"page-as-{as_role}"

    report = grade(instance=instance, scenario=scenario, browser_session=Session(), evidence_dir=tmp_path / "ev")
    browser = report.criterion("browser").result
    assert browser.score == Decimal("2.00") and browser.message == "opened page-as-buyer"
    assert (tmp_path / "ev").is_dir()


def test_a_broken_collateral_diff_does_not_lose_the_report(scenario, instance, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("baseline unreadable")

    monkeypatch.setattr("autograder.engine.collateral_changes", broken)
    report = grade(instance=instance, scenario=scenario)
    assert report.collateral == () and report.collateral_error == "ValueError: baseline unreadable"
    assert len(report.criteria) == 4


# -- the third verdict and criteria that require others (issue #11) -----------------------------------

def _required(cid: str, kind: str, requires: list[str], points: int = 2) -> str:
    return _criterion(cid, kind, points) + f"    requires: [{', '.join(requires)}]\n"


@pytest.fixture
def gated(test_kinds, tmp_path, candidate):
    products = ("  - id: products\n    points: 2\n    description: {zh: 有商品, en: Products}\n"
                "    check: {kind: state, model: product, count: {min: 1}}\n")
    rubric = "".join([
        products, _criterion("half", "test_own_scale"), _criterion("boom", "test_boom"),
        _required("on_products", "test_full", ["products"]), _required("on_half", "test_full", ["half"]),
        _required("on_boom", "test_full", ["boom"]), _required("on_both", "test_full", ["products", "half"]),
    ])
    scenario = load_scenario(write_scenario(tmp_path, "gated", points="14", rubric=rubric))
    return scenario, scenario_instance_create(scenario=scenario, seed=0, owner=candidate)


class _Full(CheckKind):
    name = "test_full"
    Params = _NoParams

    def run(self, ctx, params):
        return CheckResult(score=ctx.points, max=ctx.points, message="做对了")


@pytest.fixture
def full_kind(test_kinds):
    registry.register(_Full)
    yield
    registry._REGISTRY.pop(_Full.name, None)


def test_a_criterion_counts_only_when_what_it_requires_earned_full_points(full_kind, gated):
    scenario, instance = gated
    report = grade(instance=instance, scenario=scenario)
    got = {c.id: (c.result.score, c.result.verdict) for c in report.criteria}
    assert got["products"] == (Decimal("2.00"), "evaluated")
    assert got["on_products"] == (Decimal("2.00"), "evaluated")  # its prerequisite is fully right
    assert got["half"] == (Decimal("0.50"), "evaluated")
    assert got["on_half"] == (0, "evaluated")  # half right is not right: the follow-up earns nothing
    assert got["on_both"] == (0, "evaluated")
    message = report.criterion("on_half").result.message
    assert "不得分" in message and "「half」" in message and "做对了" in message and "products" not in message
    # a prerequisite that could not be judged makes the follow-up 未评定 too, never a silent 0
    assert got["boom"] == (0, "not_evaluated") and got["on_boom"] == (0, "not_evaluated")
    assert report.not_evaluated == ("boom", "on_boom")
    assert report.as_dict()["not_evaluated"] == ["boom", "on_boom"]
    assert report.as_dict()["criteria"][2]["result"]["verdict"] == "not_evaluated"
    assert report.total == Decimal("4.50")


def test_a_not_evaluated_result_cannot_carry_points():
    with pytest.raises(ValueError):
        CheckResult(score=1, max=2, message="", verdict="not_evaluated")
    with pytest.raises(ValueError):
        CheckResult(score=0, max=2, message="", verdict="maybe")


def test_requires_names_an_earlier_criterion(test_kinds, full_kind, tmp_path):
    from task_scenarios.loader import ScenarioLoadError

    rubric = "".join([_required("first", "test_full", ["second"]), _criterion("second", "test_full"),
                      _required("third", "test_full", ["nowhere"]), _required("fourth", "test_full", ["fourth"])])
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(write_scenario(tmp_path, "bad-requires", points="8", rubric=rubric))
    text = str(caught.value)
    assert "rubric[0].requires[0]" in text and "在它之后" in text
    assert "rubric[2].requires[0]" in text and "'nowhere'" in text
    assert "rubric[3].requires[0]" in text
