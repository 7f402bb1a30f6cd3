"""The GradingContext a check runs with: one criterion, one frozen sandbox, one variant.

It gives a check what it may look at — the sandbox (read through ``for_sandbox`` queries), the
variant params, the candidate's uploads, the scenario's assets, the starting state, a browser page —
and nothing to write with. The browser is delegated to a session object owned by the caller
(autograder.browser); without one, a check that needs a browser gets BrowserUnavailable, which the
engine reports as that criterion's error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.urls import reverse


# Kept in both languages on purpose: it is an error for operators as much as a message for candidates.
NO_BROWSER = "no browser available（评分时没有可用的浏览器）"


class BrowserUnavailable(RuntimeError):
    """A check needs Chromium but grading was started without a browser session."""


@dataclass
class CheckContext:
    """One criterion's view of the attempt (implements autograder.registry.GradingContext)."""

    sandbox: Any
    params: dict[str, Any]
    points: Decimal
    criterion_id: str = ""
    scenario: Any = None  # task_scenarios.loader.LoadedScenario
    instance: Any = None  # task_scenarios.models.ScenarioInstance
    uploads: dict[str, Path] = field(default_factory=dict)
    browser_session: Any = None
    evidence_dir: Path | None = None
    # When the attempt froze (autograder.freeze): timestamped evidence after it never counts. None =
    # grade the shop as it stands (a dry run of work in progress).
    frozen_at: datetime | None = None
    _baseline: dict | None = field(default=None, repr=False)

    # -- browser ---------------------------------------------------------------------------------

    def browser_page(self, *, as_role: str, **options: Any) -> Any:
        """The page-check tab (``autograder.pages.CheckPage``) as ``as_role`` ("buyer" or
        "candidate"; options such as ``buyer_nickname`` pass through), from the caller's session."""
        if self.browser_session is None:
            raise BrowserUnavailable(NO_BROWSER)
        return self.browser_session.check_page(as_role=as_role, **options)

    def storefront_url(self, path: str = "") -> str:
        if self.browser_session is not None:
            return self.browser_session.storefront_url(self.sandbox, path)
        home = reverse("storefront:home", kwargs={"storefront_key": self.sandbox.storefront_key})
        return home + path.lstrip("/")

    def console_url(self, path: str = "") -> str:
        if self.browser_session is not None:
            return self.browser_session.console_url(path)
        return "/console/" + path.lstrip("/")

    # -- files -----------------------------------------------------------------------------------

    def uploaded_file(self, name: str) -> Path | None:
        """The candidate's file for upload slot ``name``: an explicit upload handed to grade(),
        else the newest file of that name the candidate uploaded to the shop's 文件中心 by the freeze;
        the slot ``latest`` takes the newest upload whatever its name (candidates name files freely)."""
        path = self.uploads.get(name)
        if path is not None:
            return Path(path)
        from shop_sim.models import ShopFile

        uploads = ShopFile.objects.for_sandbox(self.sandbox).filter(kind=ShopFile.Kind.UPLOAD).order_by("-id")
        if self.frozen_at is not None:
            uploads = uploads.filter(uploaded_at__lte=self.frozen_at)
        if name != "latest":
            uploads = uploads.filter(name=name)
        shop_file = uploads.first()
        if shop_file is None or not shop_file.file:
            return None
        try:
            return Path(shop_file.file.path)
        except (NotImplementedError, ValueError):
            return None

    def asset_path(self, name: str) -> Path:
        if self.scenario is None:
            raise FileNotFoundError(f"no scenario folder for asset {name!r}")
        return self.scenario.asset_path(name)

    def evidence_path(self, name: str) -> Path | None:
        """Where this criterion may write evidence (a screenshot …): <evidence_dir>/<criterion>/<name>;
        None when the caller keeps no evidence."""
        if self.evidence_dir is None:
            return None
        folder = Path(self.evidence_dir) / (self.criterion_id or "check")
        folder.mkdir(parents=True, exist_ok=True)
        return folder / Path(name).name

    # -- the starting state ----------------------------------------------------------------------

    @property
    def baseline(self) -> dict:
        """The shop as the candidate got it (empty when grading a sandbox without an instance)."""
        if self._baseline is None:
            self._baseline = self.instance.baseline_rows() if self.instance is not None else {}
        return self._baseline

    def baseline_ids(self, model_name: str) -> set[int]:
        """Primary keys of ``model_name`` rows that were already there at the start."""
        return {int(pk) for pk in self.baseline.get(model_name, {})}
