"""Shared pieces of the services: the audit trail, state pipelines and errors."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from shop_sim.models import Sandbox, ShopEvent


class ShopError(Exception):
    """A business rule refused the operation; ``message`` is shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IllegalTransition(ShopError):
    pass


class SandboxFrozen(ShopError):
    """The sandbox takes no writes now (its attempt was submitted, or the exam clock ran out)."""


# -- the write gate ----------------------------------------------------------------------------------
# The shop knows nothing of exams, but whoever runs one may freeze a sandbox: a gate is a callable
# ``gate(sandbox_id) -> str | None`` returning why the sandbox takes no writes (None = it does).
# The runtime registers one (submitted attempts), the exams app another (deadlines). Views check the
# gate before they touch anything (a 409 page); every service that writes calls ``sandbox_write_check``
# inside its transaction before its first write, whoever calls it — a view, a WebSocket consumer, a
# task, a command (tests/unit/test_write_gate_sweep.py fails on one that does not); ``event_record``
# checks again as a backstop. The gate is read without a lock, so a write racing a 交卷 may still
# land: the grader reads chat and uploads only up to the freeze instant and reports anything later.
_WRITE_GATES: list = []
# Sandboxes being built right now in this context (provisioning + scenario setup): no attempt owns
# them yet, so the gates have nothing to say — and asking them costs a query per setup event.
_BUILDING: ContextVar[frozenset] = ContextVar("sandboxes_being_built", default=frozenset())


@contextmanager
def sandbox_building(sandbox_id: int):
    """While building ``sandbox_id`` (before anyone works in it), skip the write gates for it."""
    token = _BUILDING.set(_BUILDING.get() | {sandbox_id})
    try:
        yield
    finally:
        _BUILDING.reset(token)


def write_gate_register(gate) -> None:
    if gate not in _WRITE_GATES:
        _WRITE_GATES.append(gate)


def sandbox_write_refusal(sandbox: Sandbox | int) -> str | None:
    """Why ``sandbox`` takes no writes now, or None."""
    sandbox_id = sandbox if isinstance(sandbox, int) else sandbox.pk
    if sandbox_id in _BUILDING.get():
        return None
    for gate in _WRITE_GATES:
        reason = gate(sandbox_id)
        if reason:
            return str(reason)
    return None


def sandbox_write_check(sandbox: Sandbox | int) -> None:
    """Raise ``SandboxFrozen`` (a ShopError the views show) if ``sandbox`` takes no writes now."""
    reason = sandbox_write_refusal(sandbox)
    if reason:
        raise SandboxFrozen(reason)


@dataclass(frozen=True)
class Actor:
    """Who did it: the merchant (a user), a buyer (a customer) or the system/simulator."""

    kind: str  # "merchant" | "buyer" | "system"
    ident: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.ident}"

    @classmethod
    def merchant(cls, user) -> "Actor":
        return cls("merchant", user.get_username())

    @classmethod
    def buyer(cls, customer) -> "Actor":
        return cls("buyer", customer.nickname)

    @classmethod
    def system(cls, what: str = "system") -> "Actor":
        return cls("system", what)


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of a row as JSON-ready values, for an event's before/after."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = jsonable(getattr(obj, field.attname))
    return out


def event_record(
    *, sandbox: Sandbox | int, actor: Actor, action: str, obj: models.Model | None = None,
    object_type: str = "", before: dict | None = None, after: dict | None = None,
) -> ShopEvent:
    """One event row per state change: the journal the examiner and the grader read."""
    sandbox_id = sandbox if isinstance(sandbox, int) else sandbox.pk
    sandbox_write_check(sandbox_id)
    return ShopEvent.objects.create(
        sandbox_id=sandbox_id,
        actor=str(actor),
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=obj.pk if obj is not None else None,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )


def transition_check(pipeline: dict[str, set[str]], current: str, target: str, *, label: str) -> None:
    """Raise IllegalTransition unless ``current -> target`` is declared in ``pipeline``."""
    if target not in pipeline.get(current, set()):
        from django.utils.translation import gettext as _

        raise IllegalTransition(
            _("%(label)s当前状态不允许此操作（%(current)s → %(target)s）")
            % {"label": label, "current": current, "target": target}
        )
