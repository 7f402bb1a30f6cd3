"""Variants: the same seed gives the same params, always; seeds give many distinct variants."""

import json
import random

import pytest

from task_scenarios.loader import load_scenario
from task_scenarios.variants import (
    VariantError, derive_params, distinct_variant_count, variant_params, variant_rng,
)
from tests.unit.scenario_fixtures.helpers import GOOD, copy_good, edit


@pytest.fixture(scope="module")
def scenario(django_db_blocker):
    with django_db_blocker.unblock():
        return load_scenario(GOOD)


def test_same_seed_same_params(scenario):
    assert variant_params(scenario, 42) == variant_params(scenario, 42) == scenario.params(42)
    assert variant_params(scenario, 42) != variant_params(scenario, 43)


def test_params_are_fixed_by_uuid_version_and_seed_not_by_global_random(scenario):
    random.seed(1)
    first = variant_params(scenario, 7)
    random.seed(2)
    assert variant_params(scenario, 7) == first
    expected = scenario.derive(random.Random(f"{scenario.uuid}:1:7"))
    assert first == json.loads(json.dumps(expected))


def test_a_new_version_gives_new_variants(scenario, tmp_path):
    folder = copy_good(tmp_path)
    edit(folder / "scenario.yaml", "version: 1", "version: 2")
    bumped = load_scenario(folder)
    assert variant_params(bumped, 7) != variant_params(scenario, 7)


def test_at_least_a_thousand_distinct_variants(scenario):
    assert distinct_variant_count(scenario, sample=1200) >= 1000


def test_without_derive_params_are_empty():
    assert derive_params(None, uuid="u", version=1, seed=3) == {}


def test_bad_seeds_and_bad_derive_results_are_refused():
    with pytest.raises(VariantError):
        variant_rng("u", 1, -1)
    with pytest.raises(VariantError):
        variant_rng("u", 1, True)
    with pytest.raises(VariantError, match="dict"):
        derive_params(lambda rng: [1, 2], uuid="u", version=1, seed=0)
    with pytest.raises(VariantError, match="JSON"):
        derive_params(lambda rng: {"when": object()}, uuid="u", version=1, seed=0)
    with pytest.raises(VariantError, match="JSON"):
        derive_params(lambda rng: {"pair": (1, 2)}, uuid="u", version=1, seed=0)
