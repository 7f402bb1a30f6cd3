"""The check-kind registry: adding a kind is adding one module to ``autograder/checks/``.

Like Django's system checks, kinds register themselves by name when their module is imported;
``load_kinds()`` imports every module of the ``checks`` package once, so an unknown kind is known
to be unknown at scenario load time, never at grading time.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict


class CheckParams(BaseModel):
    """Base of every kind's parameter model: strict, unknown keys rejected, all errors collected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


EVALUATED = "evaluated"
NOT_EVALUATED = "not_evaluated"  # 未评定: the check could not run; never a silent 0 or a pass
VERDICTS = (EVALUATED, NOT_EVALUATED)


class NotEvaluated(Exception):
    """Raised by a check that cannot judge the work (the page to look at is missing, a reference
    fails on this variant): the criterion is reported 未评定 with this reason, and an examiner must
    settle it before results are published."""


@dataclass
class CheckResult:
    """What one criterion earned and why, in words a candidate can learn from."""

    score: Decimal
    max: Decimal
    message: str
    expected: Any = None
    actual: Any = None
    evidence: list[dict[str, Any]] = field(default_factory=list)  # e.g. {"kind": "screenshot", "path": ...}
    error: str = ""
    verdict: str = EVALUATED

    def __post_init__(self):
        self.score = Decimal(self.score).quantize(Decimal("0.01"))
        self.max = Decimal(self.max).quantize(Decimal("0.01"))
        if not (Decimal(0) <= self.score <= self.max):
            raise ValueError(f"score {self.score} outside 0..{self.max}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}")
        if self.verdict == NOT_EVALUATED and self.score:
            raise ValueError("a criterion that was not evaluated scores nothing")

    @property
    def evaluated(self) -> bool:
        return self.verdict == EVALUATED


class GradingContext(Protocol):
    """What a check may look at: the frozen sandbox (read-only), variant params, files, a browser."""

    sandbox: Any  # shop_sim.models.Sandbox
    params: dict[str, Any]
    points: Decimal  # the criterion's points: a check scales its result to these

    def browser_page(self, *, as_role: str) -> Any: ...  # an autograder.pages.CheckPage ("buyer" or "candidate")
    def storefront_url(self, path: str = "") -> str: ...
    def console_url(self, path: str = "") -> str: ...
    def uploaded_file(self, name: str) -> Any: ...  # a path to a file the candidate uploaded, or None
    def evidence_path(self, name: str) -> Any: ...  # where a check may write a screenshot


class CheckKind:
    """Subclass, set ``name`` and ``Params``, implement ``run``; decorate with ``@register``."""

    name: ClassVar[str]
    Params: ClassVar[type[CheckParams]]
    needs_browser: ClassVar[bool] = False
    machine_scored: ClassVar[bool] = True
    # True for a kind that reads its evidence as it was at the freeze (chat, uploads, auto-reply rules
    # are rewound); the others read the shop as it stands, so a shop change journaled after the freeze
    # makes them 未评定 (autograder.engine) instead of letting a late write count.
    freeze_aware: ClassVar[bool] = False

    def run(self, ctx: GradingContext, params: CheckParams) -> CheckResult:  # pragma: no cover - abstract
        raise NotImplementedError


_REGISTRY: dict[str, type[CheckKind]] = {}
_loaded = False


def register(cls: type[CheckKind]) -> type[CheckKind]:
    if not getattr(cls, "name", None) or not getattr(cls, "Params", None):
        raise TypeError(f"{cls.__name__} must define name and Params")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"check kind {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def load_kinds() -> dict[str, type[CheckKind]]:
    """Import every module of autograder.checks (idempotent) and return the registry."""
    global _loaded
    if not _loaded:
        from autograder import checks

        for info in pkgutil.iter_modules(checks.__path__):
            importlib.import_module(f"{checks.__name__}.{info.name}")
        _loaded = True
    return dict(_REGISTRY)


def get_kind(name: str) -> type[CheckKind]:
    kinds = load_kinds()
    try:
        return kinds[name]
    except KeyError:
        raise KeyError(f"unknown check kind {name!r}; known: {', '.join(sorted(kinds))}") from None
