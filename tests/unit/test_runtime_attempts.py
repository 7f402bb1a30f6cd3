"""Attempts: start, the status pipeline, grading into immutable versioned reports, dry runs, crashes,
version mismatches and a grader that cannot run (no server) — and what each must NOT write."""

import shutil
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from autograder import registry
from autograder.engine import GradeReport
from autograder.registry import CheckKind, CheckParams
from sandbox.runtime import services
from sandbox.runtime.models import Attempt, AttemptReport
from sandbox.runtime.services import (
    AttemptError, GraderUnavailable, IllegalAttemptMove, ScenarioVersionMismatch, attempt_grade, attempt_start,
    attempt_submit,
)
from shop_sim.models import Product, Sandbox
from task_scenarios.loader import load_scenario
from task_scenarios.models import ScenarioInstance
from tests.unit.scenario_fixtures.helpers import copy_good, edit, run_script, write_scenario

pytestmark = pytest.mark.django_db
SLUG = "ship-and-memo"


@pytest.fixture
def catalog(settings, tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    copy_good(root, SLUG)
    settings.SCENARIO_CATALOG_DIR = str(root)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return root


@pytest.fixture
def attempt(catalog, candidate):
    return attempt_start(candidate=candidate, scenario_slug=SLUG, seed=5)


def _catalog_folder(attempt):
    from task_scenarios.loader import catalog_root

    return catalog_root() / attempt.instance.slug


def moves(attempt) -> list[tuple[str, str]]:
    attempt.refresh_from_db()
    return [(entry["from"], entry["to"]) for entry in attempt.status_log]


# -- start ------------------------------------------------------------------------------------------

def test_start_builds_the_variant_in_a_sandbox_the_candidate_owns(attempt, candidate, catalog):
    instance = attempt.instance
    scenario = load_scenario(catalog / SLUG)
    assert attempt.candidate == candidate and attempt.mode == Attempt.Mode.PRACTICE
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.submitted_at is None and attempt.graded_at is None
    assert (instance.slug, instance.version, instance.seed) == (SLUG, 1, 5)
    assert str(instance.scenario_uuid) == scenario.uuid and instance.params == scenario.params(5)
    assert instance.sandbox.owner == candidate
    assert attempt.status_log == [{"from": "", "to": "in_progress", "at": attempt.status_log[0]["at"], "by": "cand_a"}]


def test_start_draws_a_31_bit_seed_from_secrets(catalog, candidate, monkeypatch):
    drawn = []

    def randbits(bits):
        drawn.append(bits)
        return 123456

    monkeypatch.setattr(services.secrets, "randbits", randbits)
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, mode=Attempt.Mode.EXAM)
    assert drawn == [31] and attempt.instance.seed == 123456 and attempt.mode == "exam"


@pytest.mark.parametrize("kwargs, message", [
    ({"scenario_slug": "no-such-scenario"}, "无法载入"),
    ({"scenario_slug": "../ship-and-memo"}, "无效"),
    ({"scenario_slug": SLUG, "seed": -1}, "变体种子"),
    ({"scenario_slug": SLUG, "seed": 2**31}, "变体种子"),
    ({"scenario_slug": SLUG, "mode": "quiz"}, "作答模式"),
])
def test_start_refuses_bad_input_and_writes_nothing(catalog, candidate, kwargs, message):
    sandboxes = Sandbox.objects.count()
    with pytest.raises(AttemptError, match=message):
        attempt_start(candidate=candidate, **kwargs)
    assert Attempt.objects.count() == 0 and ScenarioInstance.objects.count() == 0
    assert Sandbox.objects.count() == sandboxes


# -- the pipeline -----------------------------------------------------------------------------------

def test_grading_before_submit_is_refused_and_writes_nothing(attempt):
    with pytest.raises(IllegalAttemptMove, match="作答中 → 评分中"):
        attempt_grade(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.status == "in_progress" and moves(attempt) == [("", "in_progress")]
    assert AttemptReport.objects.count() == 0


def test_submit_freezes_once(attempt, candidate):
    submitted = attempt_submit(attempt=attempt, actor=candidate)
    assert submitted.status == "submitted" and submitted.submitted_at is not None
    assert submitted.status_log[-1]["by"] == "cand_a"
    with pytest.raises(IllegalAttemptMove):
        attempt_submit(attempt=attempt, actor=candidate)
    attempt.refresh_from_db()
    assert attempt.submitted_at == submitted.submitted_at and moves(attempt) == [("", "in_progress"),
                                                                                 ("in_progress", "submitted")]


def test_the_pipeline_is_declared_as_data():
    S = Attempt.Status
    assert services.ATTEMPT_PIPELINE == {S.IN_PROGRESS: {S.SUBMITTED}, S.SUBMITTED: {S.GRADING},
                                         S.GRADING: {S.GRADED, S.SUBMITTED}, S.GRADED: {S.GRADING}}


# -- grading and reports ----------------------------------------------------------------------------

def test_grade_stores_version_1_and_marks_the_attempt_graded(attempt, candidate):
    run_script(_catalog_folder(attempt) / "solution.py", attempt.instance)
    attempt_submit(attempt=attempt, actor=candidate)
    stored = attempt_grade(attempt=attempt)
    assert isinstance(stored, AttemptReport) and stored.version == 1
    assert (stored.total, stored.max) == (Decimal("8.00"), Decimal("10.00"))  # the manual 2 points wait
    assert stored.report["total"] == "8.00" and stored.report["pending_manual"] == ["service_attitude"]
    assert [c["id"] for c in stored.report["criteria"]] == ["ship_orders", "memo", "subtitle_copy", "service_attitude"]
    assert stored.grader_version == stored.report["grader_version"]
    attempt.refresh_from_db()
    assert attempt.status == "graded" and attempt.graded_at is not None
    assert moves(attempt)[-2:] == [("submitted", "grading"), ("grading", "graded")]


def test_regrade_adds_version_2_and_leaves_version_1_as_it_was(attempt, candidate):
    run_script(_catalog_folder(attempt) / "solution.py", attempt.instance)
    attempt_submit(attempt=attempt, actor=candidate)
    first = attempt_grade(attempt=attempt)
    kept = AttemptReport.objects.values().get(pk=first.pk)
    Product.objects.for_sandbox(attempt.instance.sandbox).update(subtitle="")  # the shop differs at the regrade
    second = attempt_grade(attempt=attempt)
    assert second.version == 2 and second.total < first.total
    assert AttemptReport.objects.values().get(pk=first.pk) == kept
    assert list(attempt.reports.values_list("version", flat=True)) == [1, 2]
    assert moves(attempt)[-2:] == [("graded", "grading"), ("grading", "graded")]


def test_reports_cannot_be_changed(attempt, candidate):
    attempt_submit(attempt=attempt, actor=candidate)
    stored = attempt_grade(attempt=attempt)
    total = stored.total
    stored.total = Decimal("99")
    with pytest.raises(TypeError, match="immutable"):
        stored.save()
    with pytest.raises(TypeError, match="immutable"):
        AttemptReport.objects.filter(pk=stored.pk).update(total=Decimal("99"))
    assert AttemptReport.objects.get(pk=stored.pk).total == total


def test_a_dry_run_returns_the_report_and_stores_nothing(attempt, candidate):
    in_progress = attempt_grade(attempt=attempt, dry_run=True)  # a trainer may preview any attempt
    assert isinstance(in_progress, GradeReport) and in_progress.seed == 5
    attempt_submit(attempt=attempt, actor=candidate)
    before = moves(attempt)
    report = attempt_grade(attempt=attempt, dry_run=True)
    assert isinstance(report, GradeReport) and report.max == Decimal("10.00")
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and moves(attempt) == before and attempt.graded_at is None
    assert AttemptReport.objects.count() == 0


class _Boom(CheckKind):
    name = "runtime_test_boom"

    class Params(CheckParams):
        pass

    def run(self, ctx, params):
        raise RuntimeError("boom")


@pytest.fixture
def boom_kind():
    registry.load_kinds()
    registry.register(_Boom)
    yield
    registry._REGISTRY.pop(_Boom.name, None)


def test_a_crashing_check_still_gives_a_stored_report(boom_kind, catalog, candidate):
    write_scenario(catalog, "crashy", points="4", rubric=(
        "  - id: products\n    points: 2\n    description: {zh: 有商品, en: Products}\n"
        "    check: {kind: state, model: product, count: {min: 1}}\n"
        "  - id: boom\n    points: 2\n    description: {zh: 崩溃, en: Boom}\n"
        "    check: {kind: runtime_test_boom}\n"))
    attempt = attempt_start(candidate=candidate, scenario_slug="crashy", seed=1)
    attempt_submit(attempt=attempt, actor=candidate)
    stored = attempt_grade(attempt=attempt)
    boom = stored.report["criteria"][1]["result"]
    assert stored.version == 1 and stored.total == Decimal("2.00")
    assert boom["score"] == "0.00" and boom["error"] == "RuntimeError: boom"
    attempt.refresh_from_db()
    assert attempt.status == "graded"


def test_a_changed_scenario_version_is_refused(attempt, candidate, catalog):
    attempt_submit(attempt=attempt, actor=candidate)
    edit(catalog / SLUG / "scenario.yaml", "version: 1", "version: 2")
    for dry_run in (False, True):
        with pytest.raises(ScenarioVersionMismatch, match="第 1 版.*第 2 版"):
            attempt_grade(attempt=attempt, dry_run=dry_run)
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and AttemptReport.objects.count() == 0
    assert moves(attempt)[-1] == ("in_progress", "submitted")


def test_a_scenario_gone_from_the_catalog_is_refused(attempt, candidate, catalog):
    attempt_submit(attempt=attempt, actor=candidate)
    shutil.rmtree(catalog / SLUG)
    with pytest.raises(AttemptError, match="无法载入"):
        attempt_grade(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and AttemptReport.objects.count() == 0


def test_grading_that_fails_puts_the_attempt_back(attempt, candidate, monkeypatch):
    attempt_submit(attempt=attempt, actor=candidate)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "grade", broken)
    with pytest.raises(RuntimeError):
        attempt_grade(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and AttemptReport.objects.count() == 0
    assert moves(attempt)[-2:] == [("submitted", "grading"), ("grading", "submitted")]
    assert "database went away" in attempt.status_log[-1]["note"]
    monkeypatch.undo()
    assert attempt_grade(attempt=attempt).version == 1  # and it can be graded afterwards


def test_an_attempt_being_graded_is_not_claimed_twice_unless_the_claim_is_stale(attempt, candidate):
    attempt_submit(attempt=attempt, actor=candidate)
    services._claim(attempt.pk)  # another worker is grading it right now
    with pytest.raises(IllegalAttemptMove, match="正在评分中"):
        attempt_grade(attempt=attempt)
    assert AttemptReport.objects.count() == 0
    attempt.refresh_from_db()
    attempt.status_log[-1]["at"] = (timezone.now() - timedelta(hours=1)).isoformat()
    Attempt.objects.filter(pk=attempt.pk).update(status_log=attempt.status_log)  # that worker died an hour ago
    assert attempt_grade(attempt=attempt).version == 1
    assert ("grading", "submitted") in moves(attempt)


def test_page_checks_without_a_running_server_store_nothing(catalog, candidate):
    write_scenario(catalog, "pagey", points="2", rubric=(
        "  - id: home\n    points: 2\n    description: {zh: 首页, en: Home}\n"
        "    check: {kind: page, path: /, asserts: [{text: 欢迎}]}\n"))
    attempt = attempt_start(candidate=candidate, scenario_slug="pagey", seed=1)
    attempt_submit(attempt=attempt, actor=candidate)
    with pytest.raises(GraderUnavailable, match="127.0.0.1:9"):
        attempt_grade(attempt=attempt, base_url="http://127.0.0.1:9")
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and AttemptReport.objects.count() == 0
