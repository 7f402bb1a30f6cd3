"""Who may open a candidate's records: every route serving evidence, reports, recordings and
uploads, as every role, against one declared table (``EXPECTED``).

Roles: the candidate who owns the attempts (a practice attempt and an exam attempt, each graded
with a screenshot), another candidate, an examiner, the trainer of the owner's class, a trainer of
another class, a trainer with no class, the administrator (superuser, as ``make run``'s demo admin)
and an anonymous visitor. The rule behind the table is ``sandbox.accounts.permissions``: practice —
owner, trainer of their class, admin; exam — examiners and admin only (the trainer who could open
an exam's evidence through the practice route, and any trainer who could open any practice
evidence, were issue #10's finding 3).
"""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sandbox.exams.models import Exam, ExamPart, Registration
from sandbox.exams.services import sitting_start, sitting_submit
from sandbox.practice.services import training_class_create, training_class_member_add
from sandbox.runtime import services as runtime
from sandbox.runtime.services import evidence_dir_for
from tests.unit.scenario_fixtures.helpers import catalog_use

pytestmark = pytest.mark.django_db

SLUG = "ship-and-memo"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
OWNER, OTHER, EXAMINER, CLASS_TRAINER, OTHER_TRAINER, LONE_TRAINER, ADMIN, ANON = ROLES = (
    "owner", "other_candidate", "examiner", "trainer_of_class", "trainer_of_other_class", "trainer_no_class",
    "admin", "anonymous")
LOGIN = 302  # anonymous: sent to the login page
BATCH = {"segment": "a" * 32, "seq": 0, "page_url": "/console/", "events": [
    {"type": 4, "timestamp": int(time.time() * 1000), "data": {"href": "http://x/", "width": 1, "height": 1}}]}


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


def _screenshot(attempt) -> None:
    folder = evidence_dir_for(attempt.pk, 1) / "ship_orders"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "s.png").write_bytes(PNG)


@pytest.fixture
def world(settings, tmp_path, make_user):
    catalog_use(settings, tmp_path, SLUG, tasks=IMMEDIATE)
    owner, other = make_user("media_owner"), make_user("media_other")
    examiner = make_user("media_examiner", role="examiner")
    class_trainer = make_user("media_trainer_a", role="trainer")
    other_trainer = make_user("media_trainer_b", role="trainer")
    lone_trainer = make_user("media_trainer_c", role="trainer")
    admin = make_user("media_admin", role="admin")
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])

    klass = training_class_create(name="甲班", trainer=class_trainer)
    training_class_member_add(training_class=klass, user=owner, actor=class_trainer)
    other_class = training_class_create(name="乙班", trainer=other_trainer)
    training_class_member_add(training_class=other_class, user=other, actor=other_trainer)

    practice = runtime.attempt_start(candidate=owner, scenario_slug=SLUG, seed=3, mode="practice")
    runtime.attempt_submit(attempt=practice, actor=owner)
    runtime.attempt_grade(attempt=practice)
    _screenshot(practice)

    now = timezone.now()
    exam = Exam.objects.create(name="媒体权限考试", duration_minutes=90, window_start=now - timedelta(hours=1),
                               window_end=now + timedelta(hours=3), created_by=examiner, module_weight=0)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug=SLUG, title="订单发货", weight=Decimal("1"))
    registration = Registration.objects.create(exam=exam, candidate=owner, full_name="媒体考生",
                                               id_number="110101199001015678", ticket_number="K0000001")
    registration.photo.save("k.png", ContentFile(PNG), save=True)
    sitting = sitting_start(registration=registration, actor=owner)
    exam_attempt = sitting.tasks.get().attempt
    sitting_submit(sitting=sitting, actor=owner)
    runtime.attempt_grade(attempt=exam_attempt)
    _screenshot(exam_attempt)

    users = {OWNER: owner, OTHER: other, EXAMINER: examiner, CLASS_TRAINER: class_trainer,
             OTHER_TRAINER: other_trainer, LONE_TRAINER: lone_trainer, ADMIN: admin}
    shot = {"version": 1, "criterion": "ship_orders", "filename": "s.png"}
    urls = {
        "practice evidence (practice attempt)":
            reverse("practice:practice_evidence", kwargs={"attempt_id": practice.pk, **shot}),
        "practice evidence (exam attempt)":
            reverse("practice:practice_evidence", kwargs={"attempt_id": exam_attempt.pk, **shot}),
        "review evidence": reverse("review:evidence", kwargs={"exam_id": exam.pk, "attempt_id": exam_attempt.pk,
                                                              **shot}),
        "practice report page": reverse("practice:practice_task", kwargs={"attempt_id": practice.pk}),
        "practice report fragment": reverse("practice:practice_grade_status", kwargs={"attempt_id": practice.pk}),
        "class attempt report": reverse("practice:class_attempt", kwargs={"trainingclass_id": klass.pk,
                                                                          "attempt_id": practice.pk}),
        "review attempt report": reverse("review:attempt_detail", kwargs={"exam_id": exam.pk,
                                                                          "attempt_id": exam_attempt.pk}),
        "recording replay": reverse("recording:replay", kwargs={"attempt_id": exam_attempt.pk}),
        "recording events": reverse("recording:events", kwargs={"attempt_id": exam_attempt.pk}),
        "registration photo": reverse("exams:registration_photo", kwargs={"exam_id": exam.pk,
                                                                          "registration_id": registration.pk}),
        "own ticket photo": reverse("exams:my_ticket_photo", kwargs={"registration_id": registration.pk}),
        "exam results (candidate)": reverse("workspace:sitting_results", kwargs={"registration_id": registration.pk}),
        "results export csv": reverse("review:export_csv", kwargs={"exam_id": exam.pk}),
        "results export xlsx": reverse("review:export_xlsx", kwargs={"exam_id": exam.pk}),
        "recording ingest (POST)": reverse("recording:ingest", kwargs={"attempt_id": exam_attempt.pk}),
    }
    return users, urls


# route → the status for each role, in ROLES order:
#          owner other examiner class_tr other_tr lone_tr admin anonymous
EXPECTED = {
    # practice evidence: its owner, the trainer of the owner's class, the admin
    "practice evidence (practice attempt)": (200, 404, 404, 200, 404, 404, 200, LOGIN),
    # an exam's evidence is never served by the practice route (the examiners have theirs)
    "practice evidence (exam attempt)": (404, 404, 404, 404, 404, 404, 404, LOGIN),
    "review evidence": (403, 403, 200, 403, 403, 403, 200, LOGIN),
    # the practice report pages are the candidate's own; the admin (a superuser) is not its owner
    "practice report page": (200, 404, 403, 403, 403, 403, 404, LOGIN),
    "practice report fragment": (200, 404, 403, 403, 403, 403, 404, LOGIN),
    "class attempt report": (403, 403, 403, 200, 404, 404, 200, LOGIN),
    "review attempt report": (403, 403, 200, 403, 403, 403, 200, LOGIN),
    "recording replay": (403, 403, 200, 403, 403, 403, 200, LOGIN),
    "recording events": (403, 403, 200, 403, 403, 403, 200, LOGIN),
    "registration photo": (403, 403, 200, 403, 403, 403, 200, LOGIN),
    "own ticket photo": (200, 404, 404, 404, 404, 404, 404, LOGIN),
    "exam results (candidate)": (200, 404, 403, 403, 403, 403, 404, LOGIN),
    "results export csv": (403, 403, 200, 403, 403, 403, 200, LOGIN),
    "results export xlsx": (403, 403, 200, 403, 403, 403, 200, LOGIN),
    # the owner's submitted attempt records no more (409); nobody else's batch is taken
    "recording ingest (POST)": (409, 404, 404, 404, 404, 404, 404, 403),
}


def test_every_media_route_answers_each_role_as_declared(world):
    users, urls = world
    assert set(urls) == set(EXPECTED)
    problems = []
    for name, target in urls.items():
        for role, expected in zip(ROLES, EXPECTED[name], strict=True):
            client = Client()
            if role != ANON:
                client.force_login(users[role])
            if name.endswith("(POST)"):
                response = client.post(target, json.dumps(BATCH), content_type="application/json")
            else:
                response = client.get(target)
            if response.status_code != expected:
                problems.append(f"{name} as {role}: {response.status_code}, expected {expected}")
            elif expected == 200 and "evidence" in name:
                assert b"".join(response.streaming_content) == PNG
    assert not problems, f"{len(problems)} wrong answer(s):\n" + "\n".join(problems)


def test_a_trainer_sees_a_members_practice_only_while_they_teach_them(world):
    """Removing the candidate from the class takes the trainer's access away at once (the rule is
    asked on every request, nothing is remembered)."""
    users, urls = world
    trainer = Client()
    trainer.force_login(users[CLASS_TRAINER])
    target = urls["practice evidence (practice attempt)"]
    assert trainer.get(target).status_code == 200
    users[CLASS_TRAINER].classes_taught.get().members.remove(users[OWNER])
    assert trainer.get(target).status_code == 404


@pytest.mark.parametrize("route", ["practice evidence (practice attempt)", "review evidence"])
@pytest.mark.parametrize("filename", ["s.png%00.png", "a.jpg%00.png", "%00", "s.png%00", "%FF.png", "%C0%AE%C0%AE",
                                      "..", "a" * 4000 + ".png"])
def test_a_bad_evidence_file_name_is_a_404_not_a_500(world, route, filename):
    """Finding 6: a NUL in the file name raised ``ValueError: embedded null byte`` (500)."""
    users, urls = world
    client = Client(raise_request_exception=False)
    client.force_login(users[ADMIN])
    assert client.get(urls[route]).status_code == 200
    response = client.get(urls[route].replace("s.png", filename))
    assert response.status_code == 404, response.status_code


def test_a_file_centre_file_is_not_public_media_only_its_owners_download(client, make_user, make_sandbox, settings,
                                                                          tmp_path):
    """A handed-in answer sits under MEDIA_ROOT beside the shop's public pictures: its unguessable name
    is not a permission. /media/ refuses it for everyone; the owner downloads it through the console."""
    from shop_sim.services.base import Actor
    from shop_sim.services.files import shopfile_provide, shopfile_upload

    settings.MEDIA_ROOT = str(tmp_path)
    owner, other = make_user("files_owner"), make_user("files_other")
    shop = make_sandbox(owner=owner)
    answer = shopfile_upload(sandbox=shop, actor=Actor.merchant(owner), name="清洗结果.csv", data=b"id,phone\n1,138\n")
    handed = shopfile_provide(sandbox=shop, actor=Actor.system(), name="订单导出.csv", data=b"id\n1\n")
    for who in (None, other, owner):
        viewer = Client()
        if who is not None:
            viewer.force_login(who)
        for shop_file in (answer, handed):
            assert viewer.get(f"/media/{shop_file.file.name}").status_code == 404, (who, shop_file.name)
    mine = Client()
    mine.force_login(owner)
    download = mine.get(reverse("console:shopfile_download", kwargs={"shopfile_id": answer.pk}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"id,phone\n1,138\n"
    stranger = Client()
    stranger.force_login(other)
    assert stranger.get(reverse("console:shopfile_download", kwargs={"shopfile_id": answer.pk})).status_code == 404
    # a picture beside them stays public media (the storefront shows the shop's pictures to anyone)
    folder = (tmp_path / answer.file.name).parent
    (folder / "banner.png").write_bytes(_png())
    assert Client().get(f"/media/{(folder / 'banner.png').relative_to(tmp_path)}").status_code == 200
