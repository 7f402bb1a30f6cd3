"""Build a candidate's sandbox for one scenario variant, fast and deterministically.

1. The base shop is generated once per (scenario uuid, version, shop spec) into a template sandbox
   (``ScenarioTemplate``) and then provisioned set-wise for each candidate — one statement per table.
2. ``variant.setup(ctx, params)`` (trusted trainer code) adds what YAML cannot say, through shop
   services or the ORM. While it runs, the shop's clock stands still at the generated shop's
   reference time (``ctx.now``) — for this thread only — so rows it writes get the same timestamps
   every time: the same seed gives the same shop, byte for byte (see fixtures.fingerprint).
3. The resulting state is stored as the instance's baseline for the collateral-damage diff.
4. ``variant.start(ctx, params)`` (optional) runs on the real clock when the candidate FIRST OPENS the
   task (``scenario_instance_start``: once, race-safe, never into a frozen sandbox), not when the
   sandbox is provisioned — in an exam every task is provisioned at 开始考试 while the candidate
   is on task 1. A buyer's question whose first-response time is measured carries that moment;
   ``ScenarioInstance.started_at`` records it, and what start wrote is folded into the baseline
   (never collateral damage). ``scenario_instance_create(start=True)`` (the default: verify,
   tests, tools) opens the task at once.
"""

from __future__ import annotations

import contextvars
import random
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fixtures.generators import generate_shop, reference_for_seed
from shop_sim.models import Sandbox
from shop_sim.services.base import Actor, SandboxFrozen, sandbox_building, sandbox_write_refusal
from shop_sim.services.provisioning import sandbox_provision

from .loader import LoadedScenario
from .models import ScenarioInstance, ScenarioTemplate
from .schema import ShopSpec
from .snapshot import shop_snapshot, snapshot_apply, snapshot_compress
from .variants import canonical_json

SETUP_ACTOR = Actor.system("scenario-setup")

# -- a per-thread frozen clock -------------------------------------------------------------------

_frozen_at: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("scenario_clock", default=None)
_clock_lock = threading.Lock()
_clock_users = 0
_real_now = timezone.now


def _clock_now() -> datetime:
    moment = _frozen_at.get()
    return moment if moment is not None else _real_now()


@contextmanager
def clock_frozen_at(moment: datetime) -> Iterator[None]:
    """``django.utils.timezone.now()`` returns ``moment`` in this thread/context until exit; other
    threads keep the real clock (the hook is installed while anyone needs it)."""
    global _clock_users
    with _clock_lock:
        if _clock_users == 0:
            timezone.now = _clock_now
        _clock_users += 1
    token = _frozen_at.set(moment)
    try:
        yield
    finally:
        _frozen_at.reset(token)
        with _clock_lock:
            _clock_users -= 1
            if _clock_users == 0:
                timezone.now = _real_now


# -- the context variant.setup gets --------------------------------------------------------------

def _services() -> SimpleNamespace:
    from shop_sim.services import catalog, chat, checkout, customers, decoration, marketing, orders, reviews

    return SimpleNamespace(catalog=catalog, chat=chat, checkout=checkout, customers=customers,
                           decoration=decoration, marketing=marketing, orders=orders, reviews=reviews)


@dataclass
class SetupContext:
    """What ``variant.setup(ctx, params)`` and ``variant.start(ctx, params)`` work with: the new
    sandbox, its reference time, helpers (the same object is handed to both)."""

    sandbox: Sandbox
    params: dict[str, Any]
    scenario: LoadedScenario
    seed: int
    now: datetime  # the shop's "now": the generated shop's reference time; the clock during setup
    actor: Actor = SETUP_ACTOR
    rng: random.Random = field(default_factory=random.Random)  # replaced by a seeded one
    services: SimpleNamespace = field(default_factory=_services)

    def objects(self, model: type[Model]) -> QuerySet:
        """``model``'s rows of this sandbox (the only way setup should read)."""
        return model.objects.for_sandbox(self.sandbox)

    def asset_path(self, name: str) -> Path:
        return self.scenario.asset_path(name)


# -- templates and instances ---------------------------------------------------------------------

def spec_key(spec: ShopSpec) -> str:
    return canonical_json(spec.model_dump(mode="json"))


def scenario_template_get(*, scenario: LoadedScenario, spec: ShopSpec) -> Sandbox:
    """The template sandbox of this scenario version and shop spec, generated on first use."""
    key = spec_key(spec)
    found = ScenarioTemplate.objects.filter(scenario_uuid=scenario.uuid, version=scenario.version,
                                            spec_key=key).select_related("sandbox").first()
    if found is not None:
        return found.sandbox
    try:
        with transaction.atomic():
            name = _("模板：%(slug)s v%(version)s") % {"slug": scenario.slug, "version": scenario.version}
            sandbox = Sandbox.objects.create(name=name[:100], is_template=True)
            generate_shop(sandbox=sandbox, seed=spec.seed, products=spec.products, orders=spec.orders,
                          customers=spec.customers)
            ScenarioTemplate.objects.create(scenario_uuid=scenario.uuid, version=scenario.version, spec_key=key,
                                            sandbox=sandbox)
    except IntegrityError:  # another process generated it at the same time: use theirs
        return ScenarioTemplate.objects.select_related("sandbox").get(
            scenario_uuid=scenario.uuid, version=scenario.version, spec_key=key).sandbox
    return sandbox


def _context(*, scenario: LoadedScenario, sandbox: Sandbox, params: dict[str, Any], seed: int) -> SetupContext:
    spec = scenario.shop_spec(params)
    return SetupContext(sandbox=sandbox, params=params, scenario=scenario, seed=seed,
                        now=reference_for_seed(spec.seed),
                        rng=random.Random(f"{scenario.uuid}:{scenario.version}:{seed}:setup"))


def scenario_instance_create(*, scenario: LoadedScenario, seed: int, owner,
                             name: str | None = None, start: bool = True) -> ScenarioInstance:
    """A new sandbox for ``owner`` holding variant ``seed`` of ``scenario``, with its baseline.

    ``start=False`` leaves the variant's start hook for the candidate's first opening of the task
    (``scenario_instance_start``); the runtime builds attempts that way. Raises ShopError (or
    whatever trainer code raises) without leaving a half-built sandbox.
    """
    params = scenario.params(seed)
    spec = scenario.shop_spec(params)
    template = scenario_template_get(scenario=scenario, spec=spec)
    shop_name = (name or _("%(title)s（%(seed)s）") % {"title": scenario.spec.title.zh, "seed": seed})[:100]
    with transaction.atomic():
        sandbox = sandbox_provision(template=template, owner=owner, name=shop_name)
        ctx = _context(scenario=scenario, sandbox=sandbox, params=params, seed=seed)
        with sandbox_building(sandbox.pk):
            if scenario.variant_setup is not None:
                with clock_frozen_at(ctx.now):
                    scenario.variant_setup(ctx, params)
        instance = ScenarioInstance.objects.create(
            sandbox=sandbox, scenario_uuid=scenario.uuid, slug=scenario.slug, version=scenario.version, seed=seed,
            params=params, baseline=snapshot_compress(shop_snapshot(sandbox)),
        )
        if start:
            scenario_instance_start(instance=instance, scenario=scenario)
    return instance


def scenario_instance_start(*, instance: ScenarioInstance, scenario: LoadedScenario) -> bool:
    """The candidate opens the task for the first time: run the variant's start hook (real clock)
    and record the moment in ``instance.started_at`` — time-based criteria count from it.

    Once only, whoever calls and however often (a conditional UPDATE claims the start: of two
    racing requests one wins, the other waits for its commit and finds it started). Never into a
    sandbox the write gates freeze (submitted, deadline passed): raises ``SandboxFrozen`` and
    records nothing. What start writes is folded into the baseline, so it is never collateral
    damage, while whatever else the shop holds by then stays the candidate's. False if it had
    already started.
    """
    if instance.started_at is not None:
        return False
    if str(scenario.uuid) != str(instance.scenario_uuid) or scenario.version != instance.version:
        raise ValueError(f"scenario {scenario.slug} v{scenario.version} is not the instance's v{instance.version}")
    with transaction.atomic():
        now = timezone.now()
        claimed = ScenarioInstance.objects.filter(pk=instance.pk, started_at__isnull=True).update(started_at=now)
        if not claimed:
            instance.refresh_from_db(fields=["started_at", "baseline"])
            return False
        refusal = sandbox_write_refusal(instance.sandbox_id)
        if refusal:
            raise SandboxFrozen(refusal)  # rolls the claim back: a frozen task never starts
        if scenario.variant_start is not None:
            before = shop_snapshot(instance.sandbox_id)
            ctx = _context(scenario=scenario, sandbox=instance.sandbox, params=instance.params, seed=instance.seed)
            scenario.variant_start(ctx, instance.params)
            baseline = snapshot_apply(instance.baseline_rows(), before, shop_snapshot(instance.sandbox_id))
            ScenarioInstance.objects.filter(pk=instance.pk).update(baseline=snapshot_compress(baseline))
    instance.refresh_from_db(fields=["started_at", "baseline"])
    return True
