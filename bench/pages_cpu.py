"""``python -m bench.pages_cpu [--runs N] [--compare REF]``: CPU time of the back-office pages.

Builds one realistic shop in an in-memory SQLite database (``generate_shop``: 200 products, 1,000
orders, 500 customers → 100 chat sessions, plus one product with 25 SKUs), logs its owner (a
candidate) in with Django's test Client (in-process, DEBUG off) and times each console page with
``time.thread_time`` — CPU of this thread only, so the other processes on a shared machine do not
count — over ``--runs`` requests after a warm-up. Also: a bare view (no session, no login) and a
trivial ``console_view`` (the fixed per-request cost of the login stack and the console frame is
that minus the bare view), the queries per page, and each page's HTML.

``--compare REF`` measures another commit in the same run: REF's files (``git archive``) under
``var/bench/`` run the same worker (this file) against its own code, alternating rounds with the
current tree, and the two HTMLs of every page are compared modulo whitespace and per-run tokens
(CSRF, nonce, storefront key). The report is a Markdown table of CPU ms (median of the rounds'
medians), queries, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = BASE_DIR / "var" / "bench"

PAGES = ("bare", "console_trivial", "dashboard", "order_list", "order_detail", "product_list",
         "product_edit_25_skus", "chat_inbox", "customer_list", "decoration", "file_list", "coupon_list")
# The back-office average is over the real pages (not the two probes).
CONSOLE_PAGES = PAGES[2:]


# -- the worker: one process, one tree's code ---------------------------------------------------

def _bench_urlconf():
    """The site's URLs plus two probes: a bare view, and a trivial view behind ``console_view``."""
    import types

    from django.http import HttpResponse
    from django.urls import include, path

    from shop_sim.tenancy import console_view

    def bare(request):
        return HttpResponse("ok")

    @console_view
    def console_trivial(request):
        return HttpResponse(f"ok {request.sandbox.pk}")

    module = types.ModuleType("bench_pages_urls")
    module.urlpatterns = [
        path("__bench/bare/", bare, name="bench_bare"),
        path("__bench/console/", console_trivial, name="bench_console"),
        path("", include("sandbox.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def _build_shop():
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from fixtures.generators import generate_shop
    from sandbox.accounts.roles import CANDIDATE, roles_sync
    from shop_sim.models import Category, Order, Product, Sandbox, Sku

    groups = roles_sync()
    owner = get_user_model().objects.create_user(username="bench_owner", password=None)
    owner.groups.add(groups[CANDIDATE])
    sandbox = Sandbox.objects.create(name="bench shop", owner=owner)
    generate_shop(sandbox=sandbox, seed=7, products=200, orders=1000, customers=500)
    colours = ["红色", "蓝色", "黑色", "白色", "绿色"]
    sizes = ["S", "M", "L", "XL", "XXL"]
    product = Product.objects.create(
        sandbox=sandbox, title="二十五个SKU的测试T恤", price=Decimal("59.00"), stock=25 * 10,
        category=Category.objects.for_sandbox(sandbox).filter(parent__isnull=False).order_by("id").first(),
        spec_names=[{"name": "颜色", "values": colours}, {"name": "尺码", "values": sizes}],
        status=Product.Status.ON_SALE)
    Sku.objects.bulk_create([
        Sku(sandbox=sandbox, product=product, spec_values={"颜色": c, "尺码": s}, spec_label=f"{c} {s}",
            price=Decimal("59.00") + i, stock=10, code=f"T{i:03d}", position=i)
        for i, (c, s) in enumerate((c, s) for c in colours for s in sizes)])
    order = Order.objects.for_sandbox(sandbox).filter(status=Order.Status.SHIPPED).order_by("id").first()
    return owner, sandbox, product, order


_TOKENS = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1CSRF"),
    (re.compile(r'("X-CSRFToken": ")[^"]+'), r"\1CSRF"),
    (re.compile(r'(nonce=")[^"]+'), r"\1NONCE"),
    (re.compile(r"\s+"), " "),
    (re.compile(r">\s+<"), "><"),
]


def normalize_html(html: str, storefront_key: str) -> str:
    """The page modulo whitespace and the per-run tokens (CSRF, nonce, the random storefront key)."""
    html = html.replace(storefront_key, "STOREFRONT")
    for pattern, repl in _TOKENS:
        html = pattern.sub(repl, html)
    return html.strip()


def worker(runs: int, html_dir: str | None) -> dict:
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import clear_url_caches, reverse

    assert not settings.DEBUG, "measure with DEBUG off"
    call_command("migrate", verbosity=0, interactive=False)
    settings.ROOT_URLCONF = _bench_urlconf()
    clear_url_caches()
    owner, sandbox, product, order = _build_shop()
    urls = {
        "bare": "/__bench/bare/",
        "console_trivial": "/__bench/console/",
        "dashboard": reverse("console:dashboard"),
        "order_list": reverse("console:order_list"),
        "order_detail": reverse("console:order_detail", kwargs={"order_id": order.pk}),
        "product_list": reverse("console:product_list"),
        "product_edit_25_skus": reverse("console:product_edit", kwargs={"product_id": product.pk}),
        "chat_inbox": reverse("console:chat_inbox"),
        "customer_list": reverse("console:customer_list"),
        "decoration": reverse("console:decoration"),
        "file_list": reverse("console:file_list"),
        "coupon_list": reverse("console:coupon_list"),
    }
    client = Client()
    client.force_login(owner)
    results = {}
    for key, url in urls.items():
        for _ in range(3):  # warm-up: templates compiled, URL resolvers and caches filled
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{key} {url}: HTTP {response.status_code}")
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
            response = client.get(url)
        if html_dir:
            Path(html_dir, f"{key}.html").write_text(
                normalize_html(response.content.decode(), sandbox.storefront_key), encoding="utf-8")
        cpu = []
        for _ in range(runs):
            started = time.thread_time()
            client.get(url)
            cpu.append(time.thread_time() - started)
        results[key] = {"cpu_ms": round(statistics.median(cpu) * 1000, 3), "queries": len(queries)}
    return results


# -- the driver ---------------------------------------------------------------------------------

def _run_worker(tree: Path, runs: int, html_dir: Path) -> dict:
    """This file's worker against ``tree``'s code, in a fresh process and a fresh in-memory database."""
    html_dir.mkdir(parents=True, exist_ok=True)
    media = tempfile.mkdtemp(prefix="pages-media-", dir=WORK_DIR)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DATABASE_URL": "sqlite://:memory:",
           "DJANGO_MEDIA_ROOT": media, "DJANGO_DEBUG": "0", "PYTHONPATH": str(tree)}
    env.pop("REDIS_URL", None)
    code = ("import json, runpy, sys; sys.argv = sys.argv[1:]; "
            "m = runpy.run_path(sys.argv[0]); "
            "print('RESULT ' + json.dumps(m['worker'](int(sys.argv[1]), sys.argv[2])))")
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).resolve()), str(runs), str(html_dir)],
                         cwd=tree, env=env, capture_output=True, text=True)
    subprocess.run(["rm", "-rf", media], check=False)
    if out.returncode != 0:
        raise SystemExit(f"worker in {tree} failed:\n{out.stderr[-4000:]}")
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _export(ref: str) -> Path:
    """The files of commit ``ref`` under var/bench (``git archive``: no worktree, no git metadata)."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=BASE_DIR, check=True,
                         capture_output=True, text=True).stdout.strip()
    tree = WORK_DIR / f"compare-{sha[:12]}"
    if not tree.exists():
        partial = tree.with_name(tree.name + ".partial")
        subprocess.run(["rm", "-rf", str(partial)], check=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha], cwd=BASE_DIR, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive, check=True)
        partial.rename(tree)
    return tree


def _combine(rounds: list[dict]) -> dict:
    return {key: {"cpu_ms": round(statistics.median(r[key]["cpu_ms"] for r in rounds), 2),
                  "queries": rounds[-1][key]["queries"]} for key in rounds[0]}


def _average(result: dict) -> float:
    return round(statistics.mean(result[key]["cpu_ms"] for key in CONSOLE_PAGES), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages_cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page and round (default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (alternating with --compare; default 3)")
    parser.add_argument("--compare", metavar="REF", help="also measure this commit, alternating rounds")
    parser.add_argument("--new", metavar="REF", help="with --compare: measure this commit instead of the working tree")
    args = parser.parse_args(argv)
    WORK_DIR.mkdir(parents=True, exist_ok=True)

    trees = {"this": BASE_DIR}
    if args.compare:
        new = (args.new, _export(args.new)) if args.new else ("this", BASE_DIR)
        trees = {args.compare: _export(args.compare), new[0]: new[1]}
    rounds: dict[str, list[dict]] = {name: [] for name in trees}
    for number in range(args.rounds):
        for name, tree in trees.items():
            rounds[name].append(_run_worker(tree, args.runs, WORK_DIR / "pages-html" / name.replace("/", "_")))
            print(f"round {number + 1}/{args.rounds} {name}: average {_average(rounds[name][-1])} ms", flush=True)
    results = {name: _combine(rs) for name, rs in rounds.items()}

    names = list(trees)
    header = "| page | " + " | ".join(f"{n} CPU ms | {n} queries" for n in names)
    if len(names) == 2:
        header += " | ratio | same HTML"
    lines = [header + " |", "|" + "---|" * (header.count("|"))]
    html = WORK_DIR / "pages-html"
    for key in PAGES:
        row = f"| {key} | " + " | ".join(f"{results[n][key]['cpu_ms']} | {results[n][key]['queries']}" for n in names)
        if len(names) == 2:
            old, new = (results[n][key]["cpu_ms"] for n in names)
            same = ((html / names[0].replace("/", "_") / f"{key}.html").read_text(encoding="utf-8")
                    == (html / names[1].replace("/", "_") / f"{key}.html").read_text(encoding="utf-8"))
            row += f" | {new / old:.2f} | {'yes' if same else 'NO'}"
        lines.append(row + " |")
    averages = " / ".join(f"{n}: {_average(results[n])} ms" for n in names)
    fixed = " / ".join(f"{n}: {round(results[n]['console_trivial']['cpu_ms'] - results[n]['bare']['cpu_ms'], 2)} ms"
                       for n in names)
    lines.append("")
    lines.append(f"back-office average ({len(CONSOLE_PAGES)} pages): {averages}")
    lines.append(f"fixed per-request cost (console_trivial − bare): {fixed}")
    report = "\n".join(lines)
    print()
    print(report)
    (WORK_DIR / "pages_cpu.json").write_text(json.dumps({"rounds": rounds, "results": results}, indent=2),
                                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
