"""Helpers shared by the scenario, check and engine tests (not a scenario folder)."""

from __future__ import annotations

import importlib.util
import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from autograder.context import CheckContext
from autograder.registry import CheckResult, get_kind
from fixtures.generators import generate_shop
from shop_sim.models import Sandbox
from shop_sim.services.base import Actor

FIXTURES = Path(__file__).resolve().parent
GOOD = FIXTURES / "ship-and-memo"


def small_shop(*, seed: int = 3, owner=None, name: str = "测试店") -> Sandbox:
    """A small generated shop (5 products, 10 orders, 8 customers) in a fresh sandbox."""
    sandbox = Sandbox.objects.create(name=name, owner=owner)
    generate_shop(sandbox=sandbox, seed=seed, products=5, orders=10, customers=8)
    return sandbox


def check_ctx(sandbox, *, points="10", params=None, uploads=None, **extra) -> CheckContext:
    return CheckContext(sandbox=sandbox, params=params or {}, points=Decimal(points), criterion_id="c1",
                        uploads=uploads or {}, **extra)


def run_check(kind: str, params: dict, sandbox, *, points="10", **extra) -> CheckResult:
    """Validate ``params`` with the kind's model and run it, as the engine would."""
    kind_cls = get_kind(kind)
    validated = kind_cls.Params.model_validate(params)
    return kind_cls().run(check_ctx(sandbox, points=points, **extra), validated)


def copy_good(tmp_path: Path, slug: str = "ship-and-memo") -> Path:
    """A writable copy of the good fixture scenario (renamed to ``slug``)."""
    target = tmp_path / slug
    shutil.copytree(GOOD, target)
    yaml_path = target / "scenario.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("slug: ship-and-memo", f"slug: {slug}"),
                         encoding="utf-8")
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run_script(path: Path, instance) -> None:
    """Run a fixture solution/mutant ``run(ctx)`` against an instance's sandbox."""
    spec = importlib.util.spec_from_file_location(f"_fixture_{path.stem}_{id(path)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.run(SimpleNamespace(sandbox=instance.sandbox, params=instance.params,
                               actor=Actor("merchant", "cand_a")))


SIMPLE_YAML = """\
uuid: 5d1c7a9e-2b4f-4c3a-8e6d-1f0a9b8c7d6e
version: 1
slug: {slug}
title: {{zh: 简单场景, en: A simple scenario}}
levels: [五级]
module: 网店开设
minutes: 5
points: {points}
setup:
  shop: {{seed: 3, products: 5, orders: 10, customers: 8}}
scope:
{scope}
rubric:
{rubric}
"""


def write_scenario(tmp_path: Path, slug: str, *, rubric: str, points: str, scope: str = "  deduct: 0",
                   variant: str | None = None, loses: str = "[]") -> Path:
    """A scenario folder written from a YAML rubric (for tests that need their own rubric)."""
    folder = tmp_path / slug
    (folder / "mutants").mkdir(parents=True)
    (folder / "scenario.yaml").write_text(SIMPLE_YAML.format(slug=slug, points=points, scope=scope, rubric=rubric),
                                          encoding="utf-8")
    (folder / "instructions.md").write_text("# 简单场景\n", encoding="utf-8")
    (folder / "solution.py").write_text("def run(ctx):\n    pass\n", encoding="utf-8")
    first_id = rubric.split("id:", 1)[1].split()[0]
    for name in ("a", "b"):
        (folder / "mutants" / f"{name}.py").write_text(f'LOSES = ["{first_id}"]\n\n\ndef run(ctx):\n    pass\n',
                                                        encoding="utf-8")
    if variant is not None:
        (folder / "variant.py").write_text(variant, encoding="utf-8")
    return folder


def catalog_use(settings, tmp_path: Path, *slugs: str, tasks: dict | None = None) -> Path:
    """A scratch catalog of copies of the good fixture (one per slug) made the active one, with media
    under ``tmp_path``, a fast password hasher and, if given, the task backend (else the one the test
    has already chosen)."""
    root = tmp_path / "catalog"
    root.mkdir()
    for slug in slugs or ("ship-and-memo",):
        copy_good(root, slug)
    settings.SCENARIO_CATALOG_DIR = str(root)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if tasks is not None:
        settings.TASKS = tasks
    return root
