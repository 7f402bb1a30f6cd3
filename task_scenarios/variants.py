"""Variants: a candidate's seed → the params of their version of the task.

``derive(rng)`` gets a ``random.Random`` seeded from ``"{uuid}:{version}:{seed}"`` (a string seed is
hashed with SHA-512 by ``random``, so it does not depend on PYTHONHASHSEED or the platform): the
same seed always yields the same params, a new scenario version yields new ones, and neighbours in
an exam room get different product names, prices and order numbers.
"""

from __future__ import annotations

import json
import random
from typing import Any, Callable

from django.utils.translation import gettext as _


class VariantError(ValueError):
    """derive() failed or returned something that cannot be stored and replayed."""


def variant_rng(uuid: Any, version: int, seed: int) -> random.Random:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise VariantError(_("种子必须是非负整数，收到 %(seed)s") % {"seed": repr(seed)})
    return random.Random(f"{uuid}:{version}:{seed}")


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def derive_params(derive: Callable[[random.Random], Any] | None, *, uuid: Any, version: int,
                  seed: int) -> dict[str, Any]:
    """Params for one seed, as they will be stored: a JSON round trip of what derive returned."""
    rng = variant_rng(uuid, version, seed)
    if derive is None:
        return {}
    params = derive(rng)
    if not isinstance(params, dict):
        raise VariantError(_("derive() 必须返回 dict，实际返回 %(type)s") % {"type": type(params).__name__})
    try:
        text = json.dumps(params, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise VariantError(_("derive() 返回的参数不能保存为 JSON：%(exc)s") % {"exc": exc}) from None
    stored = json.loads(text)
    if stored != params:
        raise VariantError(_("derive() 返回的参数经 JSON 保存后会改变（如元组、非字符串键），请只用 dict/list/str/int/float/bool/None"))
    return stored


def variant_params(scenario, seed: int) -> dict[str, Any]:
    """The params of ``scenario`` (a LoadedScenario) for ``seed``: same seed, same params, always."""
    return derive_params(scenario.derive, uuid=scenario.uuid, version=scenario.version, seed=seed)


def distinct_variant_count(scenario, sample: int = 2000) -> int:
    """How many different params the first ``sample`` seeds give (verification wants ≥ 1,000)."""
    return len({canonical_json(variant_params(scenario, seed)) for seed in range(sample)})
