"""Login throttling that a neighbour cannot turn against a candidate (issue #10, finding 4).

An exam hall is one NAT address. Wrong tries on an account (typed by anyone, from anywhere) make
its next try wait a few seconds, doubling — never a lockout of minutes — and the right credential
gets in on the first try allowed. Spraying many accounts from one address gets one free try per
account. Examiners lift a candidate's limit on the live board (tests/unit/test_review.py).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sandbox.accounts.models import LoginFailure, LoginThrottle
from sandbox.exams.models import Exam
from tests.unit.exam_helpers import registration_create

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
HALL = "10.0.0.7"  # every seat of the exam hall, behind one NAT


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_FREE_FAILURES = 5
    settings.LOGIN_STEP_DELAY_SECONDS = 15
    settings.LOGIN_STEP_DELAY_MAX_SECONDS = 300
    settings.LOGIN_SPRAY_ACCOUNTS = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 100


def _try(client, username, password, ip=HALL):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _later(seconds: float) -> None:
    """Let ``seconds`` pass for the throttle (its rows' times move back: no clock to mock)."""
    shift = timedelta(seconds=seconds)
    for row in LoginThrottle.objects.exclude(last_failure_at=None):
        LoginThrottle.objects.filter(pk=row.pk).update(last_failure_at=row.last_failure_at - shift)
    for row in LoginFailure.objects.all():
        LoginFailure.objects.filter(pk=row.pk).update(at=row.at - shift)


def _waits(response, seconds: int) -> bool:
    """Refused for about ``seconds`` (a second's slack for a slow machine)."""
    return response.status_code == 429 and int(response["Retry-After"]) in (seconds - 1, seconds)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _registration(make_user):
    examiner = make_user("kaoping_t", role="examiner")
    now = timezone.now()
    exam = Exam.objects.create(name="考试", window_start=now, window_end=now + timedelta(hours=2), created_by=examiner)
    return registration_create(exam=exam, candidate=make_user("T2026000140009"), ticket="2026000140009",
                               id_number="110105199003071239")


def _ticket_try(client, ticket, id_number, ip=HALL):
    return client.post(reverse("exams:ticket_login"), {"ticket_number": ticket, "id_number": id_number},
                       REMOTE_ADDR=ip)


# -- finding 4: a neighbour's wrong tries ----------------------------------------------------------

def test_a_neighbours_wrong_passwords_cost_the_candidate_seconds_not_a_lockout(client, make_user):
    make_user("kaosheng_t", password="right-pass-1")
    for _ in range(5):  # the neighbour, at the next seat
        assert _try(client, "kaosheng_t", "wrong").status_code == 200
    waiting = _try(client, "kaosheng_t", "right-pass-1")
    assert _waits(waiting, 15) and f"请 {waiting['Retry-After']} 秒后再试" in waiting.content.decode()
    assert "输入正确即可登录" in waiting.content.decode() and not _logged_in(client)  # nothing checked while waiting
    _later(15)
    assert _try(client, "kaosheng_t", "right-pass-1").status_code == 302 and _logged_in(client)


def test_a_neighbours_wrong_ticket_pairs_cost_the_candidate_seconds_not_a_lockout(client, make_user):
    registration = _registration(make_user)
    for _ in range(5):
        assert _ticket_try(client, registration.ticket_number, "110105199003071230").status_code == 200
    waiting = _ticket_try(client, registration.ticket_number, registration.id_number)
    assert waiting.status_code == 429 and "秒后再试" in waiting.content.decode() and not _logged_in(client)
    _later(15)
    assert _ticket_try(client, registration.ticket_number, registration.id_number).status_code == 302
    assert _logged_in(client)


def test_wrong_passwords_never_slow_the_ticket_login_and_a_ticket_login_clears_them(client, make_user):
    registration = _registration(make_user)
    for _ in range(6):
        _try(client, registration.candidate.username, "wrong")
    assert _try(client, registration.candidate.username, "wrong").status_code == 429
    assert _ticket_try(client, registration.ticket_number, registration.id_number).status_code == 302
    assert not LoginThrottle.objects.exists()


def test_the_wait_doubles_and_a_guess_in_the_wait_is_not_checked(client, make_user):
    make_user("kaosheng_t", password="right-pass-1")
    for _ in range(5):
        _try(client, "kaosheng_t", "wrong")
    assert _waits(_try(client, "kaosheng_t", "wrong"), 15)
    _later(15)
    assert _try(client, "kaosheng_t", "wrong").status_code == 200  # the 6th failure
    assert _waits(_try(client, "kaosheng_t", "right-pass-1"), 30)
    _later(20)
    assert _waits(_try(client, "kaosheng_t", "right-pass-1"), 10)
    assert LoginThrottle.objects.get(identity="kaosheng_t").failures == 6  # tries in the wait cost nothing


def test_the_count_is_per_account_from_any_address(client, make_user):
    make_user("kaosheng_t", password="right-pass-1")
    for index in range(5):
        _try(client, "kaosheng_t", "wrong", ip=f"10.0.1.{index}")
    assert _try(client, "kaosheng_t", "wrong", ip="10.0.2.1").status_code == 429


def test_a_success_resets_the_count(client, make_user):
    make_user("kaosheng_t", password="right-pass-1")
    for _ in range(4):
        _try(client, "kaosheng_t", "wrong")
    assert _try(client, "kaosheng_t", "right-pass-1").status_code == 302
    client.logout()
    for _ in range(5):
        assert _try(client, "kaosheng_t", "wrong").status_code == 200
    assert not LoginFailure.objects.exclude(identity="kaosheng_t").exists()


# -- per address: a hall is fine, spraying is not -------------------------------------------------

def test_a_hall_of_100_seats_with_a_typo_each_is_never_slowed(client, django_user_model, roles):
    seats = {f"seat{n:03d}": f"pw-{n}" for n in range(100)}
    for username, password in seats.items():
        django_user_model.objects.create_user(username=username, password=password)
    for username, password in seats.items():
        assert _try(client, username, "typo").status_code == 200
        assert _try(client, username, password).status_code == 302
        client.logout()


def test_spraying_from_one_address_gets_one_free_try_per_account(client, django_user_model, roles):
    """80 guesses over 20 accounts from one address: most are refused unchecked, while a candidate
    at the same address typing the right password gets in at once and another address is untouched."""
    for n in range(20):
        django_user_model.objects.create_user(username=f"victim{n:02d}", password="not-guessed-1")
    outcomes = [_try(client, f"victim{n:02d}", guess).status_code
                for guess in ("123456", "password", "qwerty", "exam2026") for n in range(20)]
    assert outcomes.count(429) >= 55 and outcomes.count(200) <= 25
    django_user_model.objects.create_user(username="honest", password="right-pass-9")
    assert _try(client, "honest", "right-pass-9").status_code == 302
    client.logout()
    django_user_model.objects.create_user(username="elsewhere", password="right-pass-8")
    for _ in range(4):
        assert _try(client, "elsewhere", "typo", ip="10.9.9.9").status_code == 200


def test_an_address_spraying_ticket_numbers_is_slowed_too(client, make_user):
    _registration(make_user)
    outcomes = [_ticket_try(client, f"20260001400{n:02d}", f"1101051990030712{n:02d}").status_code
                for _guess in range(3) for n in range(10, 30)]
    assert outcomes.count(429) >= 35


# -- what is stored, and the admin's login ---------------------------------------------------------

def test_the_id_number_is_never_stored(client, make_user):
    registration = _registration(make_user)
    _ticket_try(client, registration.ticket_number, "110105199003071230")
    failure = LoginFailure.objects.get()
    assert failure.identity == registration.ticket_number and failure.address == HALL
    stored = [str(v) for row in LoginFailure.objects.values() for v in row.values()]
    stored += [str(v) for row in LoginThrottle.objects.values() for v in row.values()]
    assert not any("110105199003071230" in value for value in stored)


def test_the_admin_login_is_throttled_too(client, make_user):
    make_user("kaosheng_t", password="right-pass-1")
    for _ in range(5):
        _try(client, "kaosheng_t", "wrong")
    response = client.post("/admin/login/", {"username": "kaosheng_t", "password": "wrong"}, REMOTE_ADDR=HALL)
    assert "秒后再试" in response.content.decode()
    assert LoginThrottle.objects.get(identity="kaosheng_t").failures == 5
