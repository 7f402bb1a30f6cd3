"""What a scenario's reference solution (solution.py) and its mutants get as ``run(ctx)``.

A solution proves the task can be done *through the product*: it drives the real console and
storefront in Chromium the way a candidate would — finding fields by their labels, buttons and
links by role and visible text — so a label, a missing button or a broken form fails verification
the same day it breaks. ``ctx.sandbox`` is there to read what the task is about, never to write.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

from playwright.sync_api import expect as playwright_expect

from autograder.browser import BrowserPool, BrowserSession


@dataclass
class SolutionContext:
    """One run of a solution or mutant on one fresh scenario instance."""

    session: BrowserSession
    instance: Any  # task_scenarios.models.ScenarioInstance
    scenario: Any  # task_scenarios.loader.LoadedScenario
    tmp_path: Path  # a scratch folder, e.g. for files to upload; removed after the run
    expect: Any = field(default=playwright_expect)  # playwright.sync_api.expect

    @property
    def sandbox(self):
        """The candidate's shop (read-only use: find what the task is about, never write)."""
        return self.instance.sandbox

    @property
    def params(self) -> dict[str, Any]:
        """The variant's params (a copy)."""
        return dict(self.instance.params or {})

    @property
    def base_url(self) -> str:
        return self.session.base_url

    @property
    def page(self):
        """A Playwright page logged in as the sandbox owner (the candidate), in the console."""
        return self.session.page("candidate")

    def buyer_page(self, nickname: str | None = None):
        """A storefront page as an anonymous buyer, or as the shop's existing customer ``nickname``."""
        return self.session.page("buyer", buyer_nickname=nickname)

    def console_url(self, path: str = "") -> str:
        """Absolute URL of a console page, e.g. ``ctx.console_url("orders/")``."""
        return self.session.console_url(path)

    def storefront_url(self, path: str = "") -> str:
        """Absolute URL of a page of this shop's storefront, e.g. ``ctx.storefront_url("item/3/")``."""
        return self.session.storefront_url(path)

    def asset_path(self, name: str) -> Path:
        """A file the task hands out (the scenario's assets/ folder)."""
        return self.scenario.asset_path(name)


_MODULES: dict[tuple[str, str], ModuleType] = {}


def script_import(path: Path) -> ModuleType:
    """Import a solution or mutant file under a private module name (once per file content)."""
    path = Path(path)
    source = path.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:12]
    key = (str(path.resolve()), digest)
    if key in _MODULES:
        return _MODULES[key]
    slug = path.resolve().parent.name if path.parent.name != "mutants" else path.resolve().parent.parent.name
    name = f"autograder._script_{slug.replace('-', '_')}_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    if not callable(getattr(module, "run", None)):
        sys.modules.pop(name, None)
        raise TypeError(f"{path.name} has no run(ctx) function")
    _MODULES[key] = module
    return module


@contextmanager
def solution_context(*, instance, scenario, pool: BrowserPool, base_url: str) -> Iterator[SolutionContext]:
    """A SolutionContext with its own browser contexts and scratch folder, both gone afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=f"solution-{instance.slug}-"))
    session = BrowserSession(pool, base_url=base_url, sandbox=instance.sandbox)
    try:
        yield SolutionContext(session=session, instance=instance, scenario=scenario, tmp_path=tmp)
    finally:
        try:
            session.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def script_run(path: Path, *, instance, scenario, pool: BrowserPool, base_url: str) -> None:
    """Run ``path``'s ``run(ctx)`` against ``instance`` through the site at ``base_url``."""
    module = script_import(path)
    with solution_context(instance=instance, scenario=scenario, pool=pool, base_url=base_url) as ctx:
        module.run(ctx)
