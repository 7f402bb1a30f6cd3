"""Building a candidate's sandbox: template cached, variant setup applied, deterministic, baseline kept."""

from unittest import mock

import pytest
from django.utils import timezone

from fixtures.fingerprint import shop_fingerprint
from fixtures.generators import reference_for_seed
from shop_sim.models import Order, Product, Sandbox, ShopEvent
from task_scenarios import setup as scenario_setup
from task_scenarios.loader import load_scenario
from task_scenarios.models import ScenarioInstance, ScenarioTemplate
from task_scenarios.setup import clock_frozen_at, scenario_instance_create
from task_scenarios.snapshot import shop_snapshot, snapshot_compress
from tests.unit.scenario_fixtures.helpers import GOOD, copy_good, edit, write_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def scenario(django_db_blocker):
    with django_db_blocker.unblock():
        return load_scenario(GOOD)


def test_an_instance_is_the_variant_applied_to_a_copy_of_the_template(scenario, candidate):
    instance = scenario_instance_create(scenario=scenario, seed=5, owner=candidate)
    params = scenario.params(5)
    assert (instance.slug, instance.version, instance.seed, instance.params) == ("ship-and-memo", 1, 5, params)
    assert str(instance.scenario_uuid) == scenario.uuid
    sandbox = instance.sandbox
    assert sandbox.owner == candidate and not sandbox.is_template and sandbox.name == "订单发货与备注（5）"
    template = ScenarioTemplate.objects.get()
    assert sandbox.template_id == template.sandbox_id and template.sandbox.is_template
    orders = Order.objects.for_sandbox(sandbox).filter(order_no__in=params["order_nos"])
    assert sorted(o.status for o in orders) == ["paid", "paid"]
    assert Product.objects.for_sandbox(sandbox).filter(merchant_code=params["product_code"], subtitle="").exists()
    assert instance.baseline == snapshot_compress(shop_snapshot(sandbox))
    assert instance.baseline_rows()["order"][str(orders[0].pk)]["order_no"] in params["order_nos"]


def test_the_same_seed_gives_the_same_shop(scenario, make_user):
    first = scenario_instance_create(scenario=scenario, seed=9, owner=make_user("u1"))
    second = scenario_instance_create(scenario=scenario, seed=9, owner=make_user("u2"))
    other = scenario_instance_create(scenario=scenario, seed=10, owner=make_user("u3"))
    assert first.sandbox_id != second.sandbox_id
    assert shop_fingerprint(first.sandbox) == shop_fingerprint(second.sandbox)
    assert shop_fingerprint(first.sandbox) != shop_fingerprint(other.sandbox)
    assert ScenarioTemplate.objects.count() == 1  # one generated shop, provisioned three times


def test_the_template_is_generated_once(scenario, candidate):
    scenario_instance_create(scenario=scenario, seed=1, owner=candidate)
    with mock.patch.object(scenario_setup, "generate_shop", side_effect=AssertionError("regenerated")):
        scenario_instance_create(scenario=scenario, seed=2, owner=candidate)
    assert Sandbox.objects.filter(is_template=True).count() == 1


def test_setup_runs_on_a_frozen_clock_in_this_thread_only(scenario, candidate):
    instance = scenario_instance_create(scenario=scenario, seed=3, owner=candidate)
    reference = reference_for_seed(11)
    product = Product.objects.for_sandbox(instance.sandbox).get(merchant_code=instance.params["product_code"])
    assert product.updated_at == reference
    assert timezone.now() != reference and timezone.now is scenario_setup._real_now
    with clock_frozen_at(reference):
        assert timezone.now() == reference
        with clock_frozen_at(reference.replace(year=2030)):
            assert timezone.now().year == 2030
        assert timezone.now() == reference
    assert timezone.now is scenario_setup._real_now


def test_a_failing_setup_leaves_nothing_behind(tmp_path, candidate):
    folder = copy_good(tmp_path)
    edit(folder / "variant.py", "    product.save()\n", "    product.save()\n    raise RuntimeError('setup bug')\n")
    broken = load_scenario(folder)
    before = Sandbox.objects.filter(is_template=False).count()
    with pytest.raises(RuntimeError, match="setup bug"):
        scenario_instance_create(scenario=broken, seed=1, owner=candidate)
    assert Sandbox.objects.filter(is_template=False).count() == before
    assert not ScenarioInstance.objects.exists()
    assert ScenarioTemplate.objects.count() == 1  # the cached template is kept for the next try


def test_without_variant_py_the_instance_is_the_template_copy(tmp_path, candidate):
    folder = write_scenario(tmp_path, "plain", points="1", rubric=(
        "  - id: has_products\n    points: 1\n    description: {zh: 有商品, en: Products}\n"
        "    check: {kind: state, model: product, count: {min: 1}}\n"))
    plain = load_scenario(folder)
    instance = scenario_instance_create(scenario=plain, seed=4, owner=candidate, name="自定义名称")
    assert instance.params == {} and instance.sandbox.name == "自定义名称"
    template = ScenarioTemplate.objects.get(scenario_uuid=plain.uuid).sandbox
    assert shop_fingerprint(instance.sandbox) == shop_fingerprint(template)
    assert ShopEvent.objects.for_sandbox(instance.sandbox).filter(action="sandbox.provision").count() == 1
