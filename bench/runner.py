"""The measurements. Called by ``bench.__main__`` after Django is set up on the bench database."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import ForeignKey, Max
from django.test import Client
from django.urls import NoReverseMatch, reverse

from bench import percentile
from fixtures.fingerprint import shop_fingerprint
from fixtures.generators import generate_shop
from sandbox.accounts.roles import CANDIDATE, roles_sync
from shop_sim.models import Sandbox
from shop_sim.services.provisioning import sandbox_provision, shop_models


@dataclass(frozen=True)
class Plan:
    """How big and how often: the full run and ``--quick``."""

    products: int
    orders: int
    customers: int
    provision_runs: int
    loaddata_runs: int
    http_requests: int


FULL = Plan(products=200, orders=1000, customers=500, provision_runs=20, loaddata_runs=3, http_requests=50)
QUICK = Plan(products=50, orders=200, customers=100, provision_runs=5, loaddata_runs=1, http_requests=10)
SEED = 7
HTTP_WARMUP = 3


def summary(seconds: list[float]) -> dict:
    """Median and nearest-rank p95 in milliseconds, plus the raw runs."""
    ordered = sorted(seconds)
    p95 = percentile(ordered, 95)
    return {"runs": len(seconds), "median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(p95 * 1000, 2), "min_ms": round(ordered[0] * 1000, 2),
            "all_ms": [round(s * 1000, 2) for s in seconds]}


class Bench:
    def __init__(self, plan: Plan, workdir: Path, log=print):
        self.plan = plan
        self.workdir = workdir
        self.log = log
        self.results: dict = {"plan": plan.__dict__}

    # -- setup ---------------------------------------------------------------------------------

    def template_build(self) -> None:
        groups = roles_sync()
        self.owner = get_user_model().objects.create_user(username="bench_owner", password=None)
        self.owner.groups.add(groups[CANDIDATE])
        self.template = Sandbox.objects.create(name="bench template", is_template=True)
        started = time.perf_counter()
        stats = generate_shop(sandbox=self.template, seed=SEED, products=self.plan.products,
                              orders=self.plan.orders, customers=self.plan.customers)
        elapsed = time.perf_counter() - started
        rows = sum(m.objects.filter(sandbox_id=self.template.pk).count() for m in shop_models())
        self.fingerprint = shop_fingerprint(self.template)
        self.results["template"] = {"seed": SEED, "generate_s": round(elapsed, 2), "rows_copied": rows,
                                    "counts": {k: v for k, v in stats.as_dict().items()
                                               if k not in ("sandbox_id", "seed", "reference")}}
        self.log(f"template: {rows} rows in {len(shop_models())} tables, generated in {elapsed:.2f} s")

    def dump(self) -> Path:
        """dumpdata of the shop tables, taken while the database holds only the template (not timed)."""
        path = self.workdir / "template-dump.json"
        started = time.perf_counter()
        call_command("dumpdata", *(m._meta.label for m in shop_models()), output=str(path), verbosity=0)
        self.results["dumpdata"] = {"file_bytes": path.stat().st_size,
                                    "seconds": round(time.perf_counter() - started, 2)}
        return path

    # -- (a) provisioning ----------------------------------------------------------------------

    def provision(self) -> None:
        seconds = []
        self.copies = []
        for run in range(self.plan.provision_runs):
            started = time.perf_counter()
            copy = sandbox_provision(template=self.template, owner=self.owner, name=f"bench copy {run}")
            seconds.append(time.perf_counter() - started)
            self.copies.append(copy)
        same = all(shop_fingerprint(c) == self.fingerprint for c in (self.copies[0], self.copies[-1]))
        self.results["provision"] = {**summary(seconds), "same_fingerprint": same}
        if not same:
            raise SystemExit("provisioned copy differs from the template")

    # -- (b) loaddata --------------------------------------------------------------------------

    def loaddata(self, dump: Path) -> None:
        """Load the dumped template into a fresh sandbox-equivalent: the same rows, moved to new ids
        and a new sandbox (the fixture is rewritten before each run, untimed), then ``loaddata``."""
        objects = json.loads(dump.read_text(encoding="utf-8"))
        models = {m._meta.label_lower: m for m in shop_models()}
        seconds = []
        same = True
        for run in range(self.plan.loaddata_runs):
            target = Sandbox.objects.create(name=f"bench loaddata {run}")
            path = self.workdir / "loaddata-run.json"
            path.write_text(json.dumps(self._shifted(objects, models, target.pk), ensure_ascii=False),
                            encoding="utf-8")
            started = time.perf_counter()
            call_command("loaddata", str(path), verbosity=0)
            seconds.append(time.perf_counter() - started)
            same = same and shop_fingerprint(target) == self.fingerprint
        self.results["loaddata"] = {**summary(seconds), "same_fingerprint": same}
        provision = self.results["provision"]["median_ms"]
        self.results["loaddata_over_provision"] = round(self.results["loaddata"]["median_ms"] / provision, 1)

    @staticmethod
    def _shifted(objects: list[dict], models: dict, sandbox_id: int) -> list[dict]:
        low: dict[str, int] = {}
        for obj in objects:
            low[obj["model"]] = min(low.get(obj["model"], obj["pk"]), obj["pk"])
        offsets = {}
        for label, model in models.items():
            if label in low:
                top = model.objects.aggregate(top=Max("pk"))["top"] or 0
                offsets[label] = top + 1 - low[label]
        out = []
        for obj in objects:
            model = models[obj["model"]]
            fields = dict(obj["fields"])
            for field in model._meta.concrete_fields:
                if not isinstance(field, ForeignKey) or fields.get(field.name) is None:
                    continue
                if field.name == "sandbox":
                    fields["sandbox"] = sandbox_id
                elif field.related_model._meta.label_lower in offsets:
                    fields[field.name] += offsets[field.related_model._meta.label_lower]
            out.append({"model": obj["model"], "pk": obj["pk"] + offsets[obj["model"]], "fields": fields})
        return out

    # -- (c) pages -----------------------------------------------------------------------------

    def pages(self) -> None:
        shop = self.copies[-1]  # the console shows the owner's newest sandbox
        pages = {}
        for key, name, kwargs in (("storefront_home", "storefront:home", {"storefront_key": shop.storefront_key}),
                                  ("console_order_list", "console:order_list", {})):
            try:
                url = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                pages[key] = {"skipped": f"URL name {name} does not resolve yet"}
                self.log(f"skip {key}: URL name {name} does not resolve yet")
                continue
            client = Client()
            client.force_login(self.owner)
            try:
                for _ in range(HTTP_WARMUP):
                    self._get(client, url)
                seconds = []
                for _ in range(self.plan.http_requests):
                    started = time.perf_counter()
                    self._get(client, url)
                    seconds.append(time.perf_counter() - started)
            except Exception as exc:  # a page under construction must not hide the other figures
                pages[key] = {"skipped": f"{url} failed: {exc!r}"}
                self.log(f"skip {key}: {url} failed: {exc!r}")
                continue
            pages[key] = {"url": url, **summary(seconds)}
        self.results["pages"] = pages

    @staticmethod
    def _get(client: Client, url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")

    # -- report --------------------------------------------------------------------------------

    def table(self) -> str:
        r = self.results
        rows = [("measurement", "runs", "median ms", "p95 ms")]
        rows.append(("sandbox_provision", r["provision"]["runs"], r["provision"]["median_ms"], r["provision"]["p95_ms"]))
        rows.append(("loaddata (same rows)", r["loaddata"]["runs"], r["loaddata"]["median_ms"], r["loaddata"]["p95_ms"]))
        for key, page in r["pages"].items():
            if "skipped" in page:
                rows.append((key, "-", "skipped", page["skipped"]))
            else:
                rows.append((f"GET {key}", page["runs"], page["median_ms"], page["p95_ms"]))
        width = max(len(str(row[0])) for row in rows) + 2
        lines = [f"{row[0]:<{width}}{row[1]!s:>6}{row[2]!s:>12}  {row[3]!s:>10}" for row in rows]
        lines.insert(1, "-" * len(lines[0]))
        lines.append(f"loaddata / provision (median): {r['loaddata_over_provision']}x")
        lines.append(f"template: {r['template']['rows_copied']} rows; database: {connection.vendor}")
        return "\n".join(lines)
