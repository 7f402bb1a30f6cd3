"""load_demo's practice class: 示例班级 with trainer peixun, kaosheng1/2 as members and every catalog
scenario that loads published — idempotent, and no attempt is built."""

import shutil
import time
from io import StringIO

import pytest
from django.core.management import call_command

from fixtures.management.commands import load_demo
from sandbox.practice.models import PracticePublication, TrainingClass
from sandbox.runtime.models import Attempt
from task_scenarios.loader import catalog_folders
from tests.unit.scenario_fixtures.helpers import FIXTURES, copy_good

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_demo(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(load_demo, "DEMO_TEMPLATE", {**load_demo.DEMO_TEMPLATE, "products": 8, "orders": 20,
                                                     "customers": 10})


def _run() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_the_demo_class_gets_every_catalog_scenario_and_a_second_run_changes_nothing():
    output = _run()
    klass = TrainingClass.objects.get(name="示例班级")
    assert klass.trainer.username == "peixun"
    assert sorted(klass.members.values_list("username", flat=True)) == ["kaosheng1", "kaosheng2"]
    slugs = sorted(klass.publications.values_list("scenario_slug", flat=True))
    assert slugs == [f.name for f in catalog_folders()] and len(slugs) == 5
    assert "已创建培训班级“示例班级”" in output and "已向“示例班级”发布练习 order-fulfilment" in output
    assert not Attempt.objects.exists()

    rows = list(PracticePublication.objects.order_by("pk").values_list("pk", "scenario_slug", "published_at"))
    started = time.perf_counter()
    again = _run()
    assert time.perf_counter() - started < 2.0
    assert "未做任何修改" in again and "发布练习" not in again
    assert list(PracticePublication.objects.order_by("pk").values_list("pk", "scenario_slug", "published_at")) == rows
    assert TrainingClass.objects.count() == 1 and klass.members.count() == 2


def test_a_member_removed_by_hand_comes_back_and_a_broken_scenario_is_reported_not_published(settings, tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    copy_good(root, "ship-and-memo")
    shutil.copytree(FIXTURES / "bad-points", root / "bad-points")
    settings.SCENARIO_CATALOG_DIR = str(root)
    _run()
    klass = TrainingClass.objects.get(name="示例班级")
    assert list(klass.publications.values_list("scenario_slug", flat=True)) == ["ship-and-memo"]
    klass.members.remove(klass.members.get(username="kaosheng2"))
    output = _run()
    assert "已把 kaosheng2 加入“示例班级”" in output
    assert "未发布练习 bad-points：场景“bad-points”无法载入" in output
    assert klass.members.count() == 2 and klass.publications.count() == 1
