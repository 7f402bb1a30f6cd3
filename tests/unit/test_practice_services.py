"""Practice services: publication rules, who may practise what, starting and resetting, and the
status handling of practice grading — graded for real on the unit fixture scenario (no browser),
with the task queue's immediate backend so the job runs inline."""

import shutil
from decimal import Decimal

import pytest
from django.utils import timezone

from sandbox.practice import selectors
from sandbox.practice.models import PracticePublication, TrainingClass
from sandbox.practice.services import (
    PracticeError, practice_grade_request, practice_reset, practice_resume, practice_start, publication_create,
    publication_delete, training_class_create, training_class_member_add,
)
from sandbox.runtime import services as runtime
from sandbox.runtime.models import Attempt, AttemptReport
from sandbox.runtime.services import GraderUnavailable, IllegalAttemptMove, attempt_resume, attempt_start, attempt_submit
from shop_sim.models import Product, Sandbox
from tests.unit.scenario_fixtures.helpers import FIXTURES, copy_good, edit, run_script

pytestmark = pytest.mark.django_db
SLUG = "ship-and-memo"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def catalog(settings, tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    copy_good(root, SLUG)
    shutil.copytree(FIXTURES / "bad-points", root / "bad-points")
    settings.SCENARIO_CATALOG_DIR = str(root)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = IMMEDIATE
    return root


@pytest.fixture
def trainer(make_user):
    return make_user("peixun_a", role="trainer")


@pytest.fixture
def klass(trainer, candidate):
    training_class = training_class_create(name="一班", trainer=trainer)
    training_class_member_add(training_class=training_class, user=candidate, actor=trainer)
    return training_class


@pytest.fixture
def published(catalog, klass, trainer):
    return publication_create(training_class=klass, scenario_slug=SLUG, actor=trainer)


@pytest.fixture
def attempt(published, candidate):
    return practice_start(candidate=candidate, scenario_slug=SLUG)[0]


def moves(attempt) -> list[tuple[str, str]]:
    attempt.refresh_from_db()
    return [(entry["from"], entry["to"]) for entry in attempt.status_log]


# -- classes and publications ----------------------------------------------------------------------

def test_class_names_are_unique_per_trainer_and_only_candidates_join(trainer, make_user, candidate):
    first = training_class_create(name=" 一班 ", trainer=trainer)
    assert first.name == "一班"
    with pytest.raises(PracticeError, match="已有同名班级"):
        training_class_create(name="一班", trainer=trainer)
    with pytest.raises(PracticeError, match="班级名称"):
        training_class_create(name="  ", trainer=trainer)
    assert TrainingClass.objects.count() == 1
    assert training_class_create(name="一班", trainer=make_user("peixun_b", role="trainer")).pk != first.pk
    examiner = make_user("kaoping_a", role="examiner")
    with pytest.raises(PracticeError, match="不是考生"):
        training_class_member_add(training_class=first, user=examiner, actor=trainer)
    other_trainer = make_user("peixun_c", role="trainer")
    with pytest.raises(PracticeError, match="只有本班级的培训师"):
        training_class_member_add(training_class=first, user=candidate, actor=other_trainer)
    assert not first.members.exists()


def test_the_trainer_publishes_a_loading_scenario_once(catalog, klass, trainer):
    publication = publication_create(training_class=klass, scenario_slug=SLUG, actor=trainer)
    assert (publication.scenario_slug, publication.published_by, publication.training_class) == (SLUG, trainer, klass)
    with pytest.raises(PracticeError, match="已发布给本班级"):
        publication_create(training_class=klass, scenario_slug=SLUG, actor=trainer)
    assert PracticePublication.objects.count() == 1


@pytest.mark.parametrize("slug, message", [("bad-points", "无法载入"), ("no-such-scenario", "场景目录中没有"),
                                           ("../catalog", "场景目录中没有"), (".hidden", "场景目录中没有")])
def test_a_scenario_that_does_not_load_cannot_be_published(catalog, klass, trainer, slug, message):
    with pytest.raises(PracticeError, match=message):
        publication_create(training_class=klass, scenario_slug=slug, actor=trainer)
    assert not PracticePublication.objects.exists()


def test_only_the_class_trainer_or_an_admin_publishes(catalog, klass, make_user):
    other = make_user("peixun_x", role="trainer")
    with pytest.raises(PracticeError, match="只有本班级的培训师"):
        publication_create(training_class=klass, scenario_slug=SLUG, actor=other)
    assert not PracticePublication.objects.exists()
    admin = make_user("admin_x", role="admin")
    assert publication_create(training_class=klass, scenario_slug=SLUG, actor=admin).published_by == admin
    with pytest.raises(PracticeError, match="只有本班级的培训师"):
        publication_delete(training_class=klass, scenario_slug=SLUG, actor=other)
    assert PracticePublication.objects.count() == 1


def test_unpublishing_stops_new_practice_but_keeps_attempts_and_reports(attempt, klass, trainer, candidate):
    practice_grade_request(attempt=attempt, actor=candidate)
    publication_delete(training_class=klass, scenario_slug=SLUG, actor=trainer)
    assert not PracticePublication.objects.exists()
    assert Attempt.objects.filter(pk=attempt.pk).exists() and AttemptReport.objects.filter(attempt=attempt).count() == 1
    with pytest.raises(PracticeError, match="未发布"):
        publication_delete(training_class=klass, scenario_slug=SLUG, actor=trainer)
    assert selectors.candidate_published_slugs(candidate) == []
    with pytest.raises(PracticeError, match="没有发布给你所在的班级"):
        practice_start(candidate=candidate, scenario_slug=SLUG)
    with pytest.raises(PracticeError, match="已停止发布"):
        practice_reset(attempt=attempt, actor=candidate)
    assert Attempt.objects.count() == 1


# -- who sees what ---------------------------------------------------------------------------------

def test_a_candidate_sees_what_is_published_to_their_classes_only(published, make_user, trainer, candidate):
    outsider = make_user("cand_out")
    other_class = training_class_create(name="二班", trainer=trainer)
    training_class_member_add(training_class=other_class, user=outsider, actor=trainer)
    assert selectors.candidate_published_slugs(candidate) == [SLUG]
    assert selectors.candidate_published_slugs(outsider) == []
    sandboxes = Sandbox.objects.count()
    with pytest.raises(PracticeError, match="没有发布给你所在的班级"):
        practice_start(candidate=outsider, scenario_slug=SLUG)
    assert Sandbox.objects.count() == sandboxes and not Attempt.objects.exists()
    publication_create(training_class=other_class, scenario_slug=SLUG, actor=trainer)
    assert selectors.candidate_published_slugs(outsider) == [SLUG]


def test_start_builds_a_practice_attempt_once(published, candidate):
    attempt, created = practice_start(candidate=candidate, scenario_slug=SLUG)
    assert created and attempt.mode == "practice" and attempt.status == "in_progress"
    assert attempt.candidate == candidate and attempt.instance.sandbox.owner == candidate
    again, created_again = practice_start(candidate=candidate, scenario_slug=SLUG)
    assert again == attempt and not created_again
    assert Attempt.objects.count() == 1


# -- grading: the status pipeline of practice ------------------------------------------------------

def test_practice_grades_partial_then_full_and_keeps_every_version(attempt, candidate, catalog):
    first = practice_grade_request(attempt=attempt, actor=candidate)
    assert first.after_version == 0 and not first.failure
    v1 = AttemptReport.objects.get(attempt=attempt, version=1)
    assert v1.total == Decimal("0.67") and v1.max == Decimal("10.00")  # blank: only "no banned words" holds
    assert moves(attempt) == [("", "in_progress"), ("in_progress", "submitted"), ("submitted", "grading"),
                              ("grading", "graded")]
    assert selectors.grading_state(attempt, first.as_session()).done

    # back to work: graded → in_progress (practice only), then the task done, then graded again
    practice_resume(attempt=attempt, actor=candidate)
    assert attempt.status == "graded"  # the caller's object is not touched; the row is
    assert moves(attempt)[-1] == ("graded", "in_progress")
    run_script(catalog / SLUG / "solution.py", attempt.instance)
    second = practice_grade_request(attempt=attempt, actor=candidate)
    assert second.after_version == 1
    v2 = AttemptReport.objects.get(attempt=attempt, version=2)
    assert v2.total == Decimal("8.00")  # full machine marks; the manual criterion waits for an examiner
    assert {c["id"]: c["result"]["score"] for c in v2.report["criteria"]}["ship_orders"] == "4.00"
    assert moves(attempt)[-4:] == [("graded", "in_progress"), ("in_progress", "submitted"), ("submitted", "grading"),
                                   ("grading", "graded")]
    v1.refresh_from_db()
    assert v1.total == Decimal("0.67") and v1.version == 1  # the earlier report is as it was

    # asking again without going back through the console regrades (graded → grading → graded)
    practice_grade_request(attempt=attempt, actor=candidate)
    assert AttemptReport.objects.filter(attempt=attempt).count() == 3
    assert moves(attempt)[-2:] == [("graded", "grading"), ("grading", "graded")]


def test_resume_is_for_graded_practice_attempts_only(attempt, candidate, published):
    practice_resume(attempt=attempt, actor=candidate)  # in progress already: nothing to do
    assert moves(attempt) == [("", "in_progress")]
    with pytest.raises(IllegalAttemptMove):
        attempt_resume(attempt=attempt, actor=candidate)
    exam = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=9, mode="exam")
    attempt_submit(attempt=exam, actor=candidate)
    runtime.attempt_grade(attempt=exam)
    with pytest.raises(IllegalAttemptMove, match="已评分 → 作答中"):
        attempt_resume(attempt=exam, actor=candidate)  # a submitted exam stays frozen
    exam.refresh_from_db()
    assert exam.status == "graded"
    with pytest.raises(PracticeError, match="不是你的练习"):
        practice_resume(attempt=exam, actor=candidate)


def test_the_practice_moves_are_declared_as_data():
    S = Attempt.Status
    assert runtime.PRACTICE_EXTRA_MOVES == {S.GRADED: {S.IN_PROGRESS}}
    assert runtime.ATTEMPT_PIPELINE[S.IN_PROGRESS] == {S.SUBMITTED}  # an exam is unchanged


def test_a_grading_that_cannot_run_is_reported_and_costs_nothing(attempt, candidate, monkeypatch):
    def unavailable(**kwargs):
        raise GraderUnavailable("评分需要网站在 http://127.0.0.1:9 运行")

    monkeypatch.setattr(runtime, "grade", unavailable)
    request = practice_grade_request(attempt=attempt, actor=candidate)
    assert request.failure == "评分需要网站在 http://127.0.0.1:9 运行"
    assert not AttemptReport.objects.exists()
    assert moves(attempt)[-3:] == [("in_progress", "submitted"), ("submitted", "grading"), ("grading", "submitted")]
    state = selectors.grading_state(attempt, {**request.as_session(), "failure": ""})  # found again from the log
    assert state.failure == "评分需要网站在 http://127.0.0.1:9 运行" and not state.waiting
    monkeypatch.undo()
    again = practice_grade_request(attempt=attempt, actor=candidate)  # from submitted, straight to grading
    assert not again.failure and AttemptReport.objects.get(attempt=attempt).version == 1


def test_grading_is_refused_while_grading_and_for_another_candidate(attempt, candidate, make_user):
    with pytest.raises(PracticeError, match="不是你的练习"):
        practice_grade_request(attempt=attempt, actor=make_user("cand_b"))
    attempt_submit(attempt=attempt, actor=candidate)
    runtime._claim(attempt.pk)  # a worker is grading it right now
    with pytest.raises(PracticeError, match="正在评分中"):
        practice_grade_request(attempt=attempt, actor=candidate)
    with pytest.raises(PracticeError, match="正在评分中"):
        practice_reset(attempt=attempt, actor=candidate)
    assert not AttemptReport.objects.exists() and Attempt.objects.count() == 1


def test_a_changed_scenario_version_is_said_at_once_and_queues_nothing(attempt, candidate, catalog):
    edit(catalog / SLUG / "scenario.yaml", "version: 1", "version: 2")
    with pytest.raises(PracticeError, match="拒绝按不同的评分标准评分"):
        practice_grade_request(attempt=attempt, actor=candidate)
    assert moves(attempt) == [("", "in_progress")] and not AttemptReport.objects.exists()


def test_a_waiting_request_is_followed_until_its_report_appears(attempt, candidate, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    request = practice_grade_request(attempt=attempt, actor=candidate)
    state = selectors.grading_state(attempt, request.as_session())
    assert state.waiting and state.queued  # in the queue, no worker yet
    from sandbox.runtime.tasks import grade_attempt_task

    grade_attempt_task.call(attempt.pk)  # what a worker does
    assert selectors.grading_state(attempt, request.as_session()).done


# -- reset -----------------------------------------------------------------------------------------

def test_reset_starts_a_fresh_sandbox_and_keeps_the_old_attempt_and_reports(attempt, candidate, catalog, make_user):
    run_script(catalog / SLUG / "solution.py", attempt.instance)
    practice_grade_request(attempt=attempt, actor=candidate)
    old_report = AttemptReport.objects.get(attempt=attempt)
    new = practice_reset(attempt=attempt, actor=candidate)
    assert new.pk != attempt.pk and new.instance.sandbox_id != attempt.instance.sandbox_id
    assert new.instance.slug == SLUG and new.mode == "practice" and new.status == "in_progress"
    assert Product.objects.for_sandbox(new.instance.sandbox).filter(subtitle__contains="四季百搭").count() == 0
    assert AttemptReport.objects.get(attempt=attempt) == old_report and old_report.total == Decimal("8.00")
    assert Sandbox.objects.filter(pk=attempt.instance.sandbox_id).exists()
    assert selectors.attempt_superseded(attempt) and not selectors.attempt_superseded(new)
    with pytest.raises(PracticeError, match="已经重置过"):
        practice_reset(attempt=attempt, actor=candidate)
    with pytest.raises(PracticeError, match="已经重置过"):
        practice_grade_request(attempt=attempt, actor=candidate)
    assert practice_start(candidate=candidate, scenario_slug=SLUG) == (new, False)
    summary = selectors.score_summaries([candidate.pk], [SLUG])[(candidate.pk, SLUG)]
    assert (summary.best_total, summary.attempts, summary.reports, summary.best_attempt_id) == \
        (Decimal("8.00"), 2, 1, attempt.pk)
    assert summary.last_attempt == new and summary.last_graded_at == old_report.created_at
    with pytest.raises(PracticeError, match="不是你的练习"):
        practice_reset(attempt=new, actor=make_user("cand_b"))
    assert Attempt.objects.count() == 2


def test_class_results_cover_every_member_and_scenario(attempt, candidate, klass, trainer, make_user):
    idle = make_user("cand_idle")
    training_class_member_add(training_class=klass, user=idle, actor=trainer)
    practice_grade_request(attempt=attempt, actor=candidate)
    rows = selectors.class_results(klass, [SLUG])
    assert [row.member.username for row in rows] == ["cand_a", "cand_idle"]
    done, untouched = rows[0].cells[0], rows[1].cells[0]
    assert (done.best_total, done.attempts, done.reports) == (Decimal("0.67"), 1, 1)
    assert done.last_graded_at <= timezone.now()
    assert (untouched.best_total, untouched.attempts) == (None, 0)
