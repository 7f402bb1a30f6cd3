"""Login throttling that a neighbour cannot turn against a candidate.

An exam hall is one NAT address, so nothing here ever refuses an address or locks an account
outright: wrong tries only make the *next* try on that identity wait, a little longer each time.

- Per identity (a username, or a ticket number — two lanes, so wrong passwords typed for someone
  never slow their ticket login), from any address: ``LOGIN_FREE_FAILURES`` free tries in the
  window, then each further try waits ``LOGIN_STEP_DELAY_SECONDS``, doubling up to
  ``LOGIN_STEP_DELAY_MAX_SECONDS``. The right credential gets in on the first try it is allowed,
  so a neighbour's typing costs the candidate seconds (one who keeps at it can stretch the wait
  to the max — the examiner lifts it); a guesser gets about ten tries in the first ten minutes,
  then twelve an hour.
- Per address (spraying): when one address has unresolved failures on ``LOGIN_SPRAY_ACCOUNTS``
  identities, or ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures in all, tries from it get one free
  failure per identity instead of five. Candidates who type their own credential right never
  notice; a hall of 100 seats stays far below the limits because a login clears its typos.
- Examiners lift an identity's limit from the live board (``login_unlock``, journalled).

Every try is charged before the credential is checked (under a row lock) and the charge is taken
back on success, so parallel guesses cannot slip past the count. The ID number is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from .models import LoginFailure, LoginLane, LoginThrottle, LoginUnlock

PASSWORD = LoginLane.PASSWORD
TICKET = LoginLane.TICKET
IDENTITY_MAX = 150


class LoginThrottled(Exception):
    """This identity must wait ``seconds`` before its next try (nothing was checked or counted)."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


@dataclass(frozen=True)
class Limits:
    window: timedelta
    free_failures: int
    step_delay: int
    step_delay_max: int
    spray_accounts: int
    address_failures: int


def limits() -> Limits:
    return Limits(
        window=timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES),
        free_failures=settings.LOGIN_FREE_FAILURES,
        step_delay=settings.LOGIN_STEP_DELAY_SECONDS,
        step_delay_max=settings.LOGIN_STEP_DELAY_MAX_SECONDS,
        spray_accounts=settings.LOGIN_SPRAY_ACCOUNTS,
        address_failures=settings.LOGIN_ADDRESS_FAILURE_LIMIT,
    )


def identity_clean(identity: str | None) -> str:
    return (identity or "").strip()[:IDENTITY_MAX]


def client_address(request) -> str:
    """The address the throttle counts (REMOTE_ADDR; a proxy in front must set it, e.g. daphne
    ``--proxy-headers``). Never taken from a header the client writes itself."""
    return (request.META.get("REMOTE_ADDR") or "unknown")[:45] if request is not None else "unknown"


# -- reads -----------------------------------------------------------------------------------------

def address_spraying(address: str, *, now: datetime | None = None) -> bool:
    """Whether ``address`` has tried (and not since got in) on too many identities or too often."""
    rules = limits()
    now = now or timezone.now()
    counts = LoginFailure.objects.filter(address=address, at__gte=now - rules.window).aggregate(
        failures=Count("id"), identities=Count("identity", distinct=True))
    return counts["identities"] >= rules.spray_accounts or counts["failures"] >= rules.address_failures


def step_delay(failures: int, free: int) -> int:
    """Seconds between tries once ``failures`` reached ``free``: the step delay, doubling."""
    rules = limits()
    if failures < free:
        return 0
    return min(rules.step_delay * 2 ** min(failures - free, 20), rules.step_delay_max)


def wait_seconds(row: LoginThrottle | None, *, free: int, now: datetime) -> int:
    """How long ``row``'s identity must still wait before a try (0: it may try now)."""
    if row is None or row.last_failure_at is None or row.last_failure_at < now - limits().window:
        return 0
    delay = step_delay(row.failures, free)
    if not delay:
        return 0
    left = (row.last_failure_at + timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(left + 0.999))


def identities_limited(keys: list[tuple[str, str]], *, now: datetime | None = None) -> dict[tuple[str, str], int]:
    """(lane, identity) → failures in the window, for the identities at or over the free tries
    (what the live board shows as 登录受限). One query."""
    if not keys:
        return {}
    rules = limits()
    now = now or timezone.now()
    match = Q()
    for lane in {lane for lane, _identity in keys}:
        match |= Q(lane=lane, identity__in=[identity for key_lane, identity in keys if key_lane == lane])
    rows = LoginThrottle.objects.filter(match, failures__gte=rules.free_failures,
                                        last_failure_at__gte=now - rules.window)
    return {(row.lane, row.identity): row.failures for row in rows}


# -- writes ----------------------------------------------------------------------------------------

def login_try_charge(*, lane: str, identity: str, address: str) -> None:
    """Charge one try to ``identity`` from ``address`` before its credential is checked; raise
    ``LoginThrottled`` (charging nothing) when it must wait first."""
    rules = limits()
    now = timezone.now()
    free = 1 if address_spraying(address, now=now) else rules.free_failures
    # runs that are over (or names someone only guessed) are forgotten: the tables stay small
    LoginThrottle.objects.filter(last_failure_at__lt=now - rules.window).delete()
    LoginFailure.objects.filter(at__lt=now - rules.window).delete()
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(lane=lane, identity=identity)
        if row.last_failure_at is not None and row.last_failure_at < now - rules.window:
            row.failures = 0  # the last run ended meanwhile: start afresh
        wait = wait_seconds(row, free=free, now=now)
        if wait:
            raise LoginThrottled(wait)
        row.failures += 1
        row.last_failure_at = now
        row.save(update_fields=["failures", "last_failure_at"])
        LoginFailure.objects.create(at=now, lane=lane, identity=identity, address=address)


def login_limits_clear(*, keys: list[tuple[str, str]]) -> None:
    """Forget the failures of these (lane, identity) pairs (after a login, or an examiner's unlock)."""
    for lane, identity in keys:
        LoginThrottle.objects.filter(lane=lane, identity=identity).delete()
        LoginFailure.objects.filter(lane=lane, identity=identity).delete()


def login_authenticate(request, *, lane: str, identity: str, **credentials):
    """``authenticate()`` behind the throttle: the user, or None for a wrong credential; raises
    ``LoginThrottled`` when the identity must wait. A login clears the identity's failures (for a
    ticket login the candidate's password failures too: they proved who they are)."""
    identity = identity_clean(identity)
    login_try_charge(lane=lane, identity=identity, address=client_address(request))
    user = authenticate(request, **credentials)
    if user is not None:
        keys = [(lane, identity)]
        if lane == TICKET:
            keys.append((PASSWORD, identity_clean(user.get_username())))
        login_limits_clear(keys=keys)
    return user


def login_unlock(*, keys: list[tuple[str, str]], actor, detail: dict | None = None) -> LoginUnlock:
    """An examiner lifts the limits on these identities at once; the journal keeps who and when."""
    keys = [(lane, identity_clean(identity)) for lane, identity in keys if identity_clean(identity)]
    with transaction.atomic():
        login_limits_clear(keys=keys)
        return LoginUnlock.objects.create(
            actor=actor.get_username() if hasattr(actor, "get_username") else str(actor)[:150],
            identities=[f"{lane}:{identity}" for lane, identity in keys], detail=detail or {})
