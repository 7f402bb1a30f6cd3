"""Grading attempts whose rubric opens pages: the reference solution driven through the console in
Chromium, then ``attempt_grade`` with a fresh browser session on the shared Chromium — full marks,
screenshots kept as evidence under MEDIA_ROOT/evidence/<attempt>/<version>/ for the criteria that
lost points, and a dry run that keeps nothing."""

from decimal import Decimal
from pathlib import Path

import pytest

from autograder.browser import BrowserPool
from autograder.solution import script_run
from sandbox.runtime.models import AttemptReport
from sandbox.runtime.services import attempt_grade, attempt_scenario, attempt_start, attempt_submit

FIXTURES = Path(__file__).resolve().parent / "scenario_fixtures"
SLUG = "ship-memo-ui"
PAGE_CRITERIA = ("first_listed", "second_listed", "slogan_shown")


@pytest.fixture(scope="module")
def pool(browser):
    return BrowserPool(browser=browser)


@pytest.fixture
def grading(settings, tmp_path, live_server_url):
    settings.SCENARIO_CATALOG_DIR = str(FIXTURES)
    settings.MEDIA_ROOT = str(tmp_path / "media")  # evidence only: this shop has no files the server serves
    settings.GRADER_BASE_URL = live_server_url
    return Path(settings.MEDIA_ROOT)


def test_the_solved_attempt_gets_full_marks_and_screenshots_are_kept_where_points_were_lost(
        grading, pool, candidate, live_server_url):
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=42)
    script_run(FIXTURES / SLUG / "solution.py", instance=attempt.instance, scenario=attempt_scenario(attempt),
               pool=pool, base_url=live_server_url)
    attempt_submit(attempt=attempt, actor=candidate)
    stored = attempt_grade(attempt=attempt, pool=pool)  # base_url from settings.GRADER_BASE_URL
    assert isinstance(stored, AttemptReport) and stored.version == 1
    assert (stored.total, stored.max) == (Decimal("20.00"), Decimal("20.00")), stored.report
    # Full marks need no proof: no screenshot (they were a fifth of grading's browser time).
    assert not [item for c in stored.report["criteria"] for item in c["result"]["evidence"]
                if item.get("kind") == "screenshot"]
    # A blank attempt loses every page criterion: each keeps what the grader saw.
    blank = attempt_submit(attempt=attempt_start(candidate=candidate, scenario_slug=SLUG, seed=44), actor=candidate)
    lost = attempt_grade(attempt=blank, pool=pool)
    evidence = grading / "evidence" / str(blank.pk) / "1"
    for criterion in lost.report["criteria"]:
        if criterion["id"] in PAGE_CRITERIA:
            shots = [Path(item["path"]) for item in criterion["result"]["evidence"] if item.get("kind") == "screenshot"]
            assert shots and all(shot.is_file() and shot.is_relative_to(evidence) for shot in shots), criterion


def test_a_blank_attempt_scores_zero_and_a_dry_run_keeps_nothing(grading, pool, candidate):
    attempt = attempt_submit(attempt=attempt_start(candidate=candidate, scenario_slug=SLUG, seed=43), actor=candidate)
    report = attempt_grade(attempt=attempt, pool=pool, dry_run=True)
    assert report.total == 0 and report.max == Decimal("20.00")
    assert {c.id for c in report.criteria if c.result.score == 0} == {c.id for c in report.criteria}
    listed = report.criterion("first_listed").result
    assert "页面未显示" in listed.message and not listed.error
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and not AttemptReport.objects.filter(attempt=attempt).exists()
    assert not (grading / "evidence").exists()
