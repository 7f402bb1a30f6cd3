"""Login throttling (django-axes): wrong passwords or ticket/ID pairs lock that identity from that
address for the cool-off time — the right password included — while other people in the same exam
room (same address) and the same person elsewhere can still log in."""

import pytest
from django.urls import reverse

from sandbox.exams.models import Exam
from tests.unit.exam_helpers import registration_create

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_FAILURE_LIMIT = 3


def _try(client, username, password, ip="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_three_wrong_passwords_lock_that_username_from_that_address(client, make_user):
    make_user("kaosheng_t", password="right-pass-1")
    for _ in range(2):
        assert _try(client, "kaosheng_t", "wrong").status_code == 200  # the form says the pair is wrong
    locked = _try(client, "kaosheng_t", "wrong")
    assert locked.status_code == 429 and "已暂时锁定" in locked.content.decode()
    assert "10 分钟" in locked.content.decode()
    # the right password does not get through while locked
    response = _try(client, "kaosheng_t", "right-pass-1")
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_a_neighbour_in_the_same_room_and_the_same_user_elsewhere_still_log_in(client, make_user):
    make_user("kaosheng_t", password="right-pass-1")
    make_user("kaosheng_u", password="right-pass-2")
    for _ in range(3):
        _try(client, "kaosheng_t", "wrong")
    assert _try(client, "kaosheng_u", "right-pass-2").status_code == 302
    client.logout()
    assert _try(client, "kaosheng_t", "right-pass-1", ip="10.0.0.8").status_code == 302


def test_a_success_resets_the_count(client, make_user):
    make_user("kaosheng_t", password="right-pass-1")
    for _ in range(2):
        _try(client, "kaosheng_t", "wrong")
    assert _try(client, "kaosheng_t", "right-pass-1").status_code == 302
    client.logout()
    for _ in range(2):
        assert _try(client, "kaosheng_t", "wrong").status_code == 200


def test_ticket_login_is_throttled_by_ticket_number(client, make_user):
    examiner = make_user("kaoping_t", role="examiner")
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    exam = Exam.objects.create(name="考试", window_start=now, window_end=now + timedelta(hours=2), created_by=examiner)
    registration = registration_create(exam=exam, candidate=make_user("T2026000140009"), ticket="2026000140009",
                                       id_number="110105199003071239")
    url = reverse("exams:ticket_login")
    for _ in range(3):
        client.post(url, {"ticket_number": registration.ticket_number, "id_number": "110105199003071230"},
                    REMOTE_ADDR="10.0.0.9")
    response = client.post(url, {"ticket_number": registration.ticket_number, "id_number": registration.id_number},
                           REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get()
    assert attempt.username == registration.ticket_number
    assert registration.id_number not in attempt.post_data  # the ID number is not kept in the log
