"""Score composition by the certification's rules: each task's report plus the examiner's manual
scores, the weighted operational subject, the module-test composition (30 % / 70 % by default), the
pass mark in each subject — and nothing decided while a score is missing."""

from decimal import Decimal

import pytest

from sandbox.exams.models import ManualScore
from sandbox.exams.scores import exam_results
from sandbox.exams.services import sitting_start
from sandbox.runtime.models import Attempt, AttemptReport
from tests.unit.exam_helpers import exam_catalog, exam_create, registration_create

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def examiner(make_user):
    return make_user("kaoping_s", role="examiner")


@pytest.fixture
def setup(settings, tmp_path, examiner, candidate):
    settings.SCENARIO_CATALOG_DIR = str(exam_catalog(tmp_path / "catalog"))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    def _make(*, weights=(D(1), D(1)), module_weight=30, module=None, theory=None):
        exam = exam_create(created_by=examiner, weights=weights, module_weight=module_weight)
        registration = registration_create(exam=exam, candidate=candidate, ticket=f"T{exam.pk}")
        registration.module_score, registration.theory_score = module, theory
        registration.save()
        sitting = sitting_start(registration=registration, actor=candidate)
        return exam, [t.attempt for t in sitting.tasks.order_by("part__position")]

    return _make


def _report(attempt: Attempt, total: str, *, version: int = 1, manual_points: str | None = "2"):
    criteria = [{"id": "ship_orders", "kind": "state", "points": "8", "machine_scored": True,
                 "result": {"score": total, "max": "8"}}]
    if manual_points is not None:
        criteria.append({"id": "service_attitude", "kind": "manual", "points": manual_points, "machine_scored": False,
                         "result": {"score": "0", "max": manual_points}})
    AttemptReport.objects.create(attempt=attempt, version=version, total=D(total), max=D(10),
                                 report={"criteria": criteria}, grader_version="test")


def _manual(attempt, points, examiner, level="优秀"):
    ManualScore.objects.create(attempt=attempt, criterion_id="service_attitude", level=level, points=D(points),
                               examiner=examiner)


def test_weighted_operational_and_30_70_composition(setup, examiner):
    exam, (a, b) = setup(weights=(D(3), D(1)), module=D("80"), theory=D("75"))
    _report(a, "6")  # 6 + manual 2 = 8/10 = 80 %
    _report(b, "4")  # 4 + manual 1 = 5/10 = 50 %
    _manual(a, "2", examiner)
    _manual(b, "1", examiner, level="合格")
    line = exam_results(exam)[0]
    assert [t.percent for t in line.tasks] == [D("80.00"), D("50.00")]
    assert line.operational == D("72.50")  # (3 × 80 + 1 × 50) / 4
    assert line.composed == D("74.75")  # 80 × 0.3 + 72.5 × 0.7
    assert line.complete and line.operational_passed and line.theory_passed and line.passed is True


def test_pending_manual_criterion_leaves_the_result_undecided(setup, examiner):
    exam, (a, b) = setup(module=D("90"), theory=D("90"))
    _report(a, "8")
    _report(b, "8")
    _manual(a, "2", examiner)
    line = exam_results(exam)[0]
    assert line.tasks[1].manual_pending == ["service_attitude"]
    assert not line.complete and line.composed is None and line.passed is None


def test_the_latest_report_and_the_latest_manual_score_count(setup, examiner):
    exam, (a, b) = setup(module_weight=0, theory=D("60"))
    _report(a, "2")
    _report(a, "7", version=2)
    _report(b, "8")
    _manual(a, "0", examiner, level="不合格")
    _manual(a, "1", examiner, level="合格")
    _manual(b, "2", examiner)
    line = exam_results(exam)[0]
    assert line.tasks[0].report_version == 2 and line.tasks[0].earned == D("8.00")
    assert line.operational == line.composed == D("90.00")  # module weight 0: operational only


def test_fail_below_the_pass_mark_in_any_subject(setup, examiner):
    exam, (a, b) = setup(module=D("100"), theory=D("59.99"))
    for attempt in (a, b):
        _report(attempt, "8")
        _manual(attempt, "2", examiner)
    line = exam_results(exam)[0]
    assert line.operational_passed is True and line.theory_passed is False and line.passed is False


def test_missing_module_score_with_a_module_weight_is_incomplete(setup, examiner):
    exam, (a, b) = setup(module=None, theory=D("80"))
    for attempt in (a, b):
        _report(attempt, "8", manual_points=None)
    line = exam_results(exam)[0]
    assert line.operational is not None and line.composed is None and line.passed is None


def test_no_theory_score_yet_decides_only_the_operational_subject(setup, examiner):
    exam, (a, b) = setup(module_weight=0)
    for attempt in (a, b):
        _report(attempt, "3", manual_points=None)
    line = exam_results(exam)[0]
    assert line.composed == D("30.00") and line.operational_passed is False and line.passed is False


def test_manual_score_never_pushes_past_the_criterion_or_the_report_max(setup, examiner):
    exam, (a, b) = setup(module_weight=0)
    _report(a, "8")
    _report(b, "8")
    _manual(a, "5", examiner)  # more than the criterion's 2 points
    _manual(b, "2", examiner)
    assert exam_results(exam)[0].tasks[0].earned == D("10.00")


def test_candidates_who_never_started_have_no_score(setup, examiner, make_user):
    exam, _ = setup()
    other = make_user("kaosheng_z")
    registration_create(exam=exam, candidate=other, ticket="T-none", id_number="X1")
    lines = {line.registration.ticket_number: line for line in exam_results(exam)}
    assert lines["T-none"].operational is None and lines["T-none"].passed is None
