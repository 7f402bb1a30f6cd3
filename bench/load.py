"""``python -m bench.load [--quick]``: many candidates sitting an exam at once against the production shape.

What it does, in order:

1. **Seeding** (in this process, timed and reported apart): a throw-away PostgreSQL database
   ``bench_<name>`` (``bench.exam_start.bench_database``), an exam whose paper is one small catalog
   scenario (``--scenarios``, default customer-service: 8 products, 20 orders, 10 customers and
   the chat), N candidates registered through the exams services (a generated CSV through
   ``registrations_import``: accounts + ticket numbers) and their sittings started with
   ``sitting_start`` (which provisions the sandboxes) before anything is timed. Redis: a db index
   other than 0 (``--redis-db``, flushed at start and end).
2. **The stack** (``bench.stack.production_stack``): ``--webs`` web processes (daphne or uvicorn)
   and ``--workers`` grading workers on that database + Redis. Candidates are spread over the web
   processes round robin, as nginx does.
3. **Candidates** (one aiohttp session and cookie jar each, like a browser): the ticket login form
   (/exam/login/, 准考证号 + 证件号码, CSRF token from the form), 我的考试 (/sitting/), the task page,
   the console frame (which makes the task's sandbox the console's: shop_sim.tenancy), then the
   back-office chat socket (ws/console/chat/) kept open, and one back-office request every
   ``--think`` seconds on average (uniformly jittered ±50 %) drawn from ``--mix``: dashboard, an
   order list with a filter, an order detail, the product list, the customer list, the chat page,
   and ~1 in 10 a write through the real form (order memo, product edit; the success message is
   checked after the redirect). Every answer is checked: status and a marker of the right page.
   Anything else is an error, counted per kind and sampled.
4. **Chat round trip**: for a share of the candidates (``--buyers``) a buyer logs in on the
   storefront and opens ws/s/<key>/chat/; every ~``--chat-every`` s the buyer sends a message and
   the time until the candidate's merchant socket receives the push is measured; the merchant then
   replies on its socket and the time until the buyer receives it is measured too.
5. **Levels** (``--levels``, default 50,100,150,200,250,500,750,1000): candidates are added (ramp)
   up to each level, which is then held for ``--hold`` seconds; per level: request rate, back-office
   latency p50/p95/p99, errors, chat round trips, open sockets, the CPU of the web processes, of the
   whole machine and of this generator. The verdict: the largest level with p95 back-office latency
   < 250 ms and 0 errors (every level below it passing too). After a level far past the limit (p95
   over 4× the limit or > 1 % errors) the higher levels are skipped unless ``--all-levels``.
6. **Ratio**: a closed loop (``--ratio-clients`` clients, no think time, ``--ratio-seconds``) against
   the bare liveness view /healthz/live and against the back-office mix; the ratio of the two
   throughputs says what the application costs over Django itself on the same stack.

``--quick`` (CI): 40 candidates, one level held 20 s, a short ratio; exits non-zero on any error or
failed socket (latency thresholds are reported, not enforced: CI machines are shared).
Results: a table on stdout and ``var/bench/load.json`` (``load-quick.json``; ``--output`` names
another file, e.g. to keep the server/pool comparison runs).

The stack runs the production configuration: daphne (``--server``) with the psycopg pool
(``--pool on``, DATABASE_POOL=1 as in docker-compose.yml). The servers' logs go to
``var/bench/load/logs/``; the final exception of every traceback in them is counted in the results.

The generator shares the machine's cores with the servers, PostgreSQL and Redis: its own CPU is
measured and reported, since every core-second it takes is one the servers do not get.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import percentile

# -- the pure parts (tested in tests/unit/test_bench_load.py) ---------------------------------------

ACTIONS = ("dashboard", "orders", "order", "products", "customers", "chat", "memo", "product_edit")
WRITES = frozenset({"memo", "product_edit"})
DEFAULT_MIX = "dashboard=2,orders=2,order=2,products=1,customers=1,chat=1,memo=0.5,product_edit=0.5"
P95_LIMIT_MS = 250.0
FULL_LEVELS = "50,100,150,200,250,500,750,1000"
DEFAULT_SCENARIOS = "customer-service"


def mix_parse(text: str) -> dict[str, float]:
    """``"dashboard=2,orders=1"`` → {action: weight}; ValueError naming what is wrong."""
    mix: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, weight = item.partition("=")
        name = name.strip()
        if name not in ACTIONS:
            raise ValueError(f"unknown action {name!r} in the mix (known: {', '.join(ACTIONS)})")
        if name in mix:
            raise ValueError(f"action {name!r} twice in the mix")
        try:
            value = float(weight) if sep else 1.0
        except ValueError:
            raise ValueError(f"weight of {name!r} is not a number: {weight!r}") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"weight of {name!r} must be a finite number >= 0, not {weight!r}")
        mix[name] = value
    if not mix or sum(mix.values()) <= 0:
        raise ValueError("the mix needs at least one action with a weight > 0")
    return mix


def levels_parse(text: str) -> list[int]:
    """``"100,250"`` → [100, 250]: positive, strictly increasing (candidates are only ever added)."""
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"levels must be whole numbers: {text!r}") from None
    if not levels or any(n <= 0 for n in levels) or any(b <= a for a, b in zip(levels, levels[1:])):
        raise ValueError(f"levels must be positive and increasing: {text!r}")
    return levels


def latency_stats(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": _r(percentile(ms, 50)), "p95_ms": _r(percentile(ms, 95)),
            "p99_ms": _r(percentile(ms, 99)), "max_ms": _r(max(ms) if ms else None)}


def level_verdict(level: dict, *, p95_limit_ms: float = P95_LIMIT_MS) -> tuple[bool, list[str]]:
    """(passes, why not): back-office p95 under the limit, no error, no failed socket, some requests."""
    reasons = []
    stats = level["backoffice"]
    if not stats["n"]:
        reasons.append("no back-office request completed")
    elif stats["p95_ms"] is None or stats["p95_ms"] >= p95_limit_ms:
        reasons.append(f"p95 {stats['p95_ms']} ms >= {p95_limit_ms:g} ms")
    if level["errors"]:
        reasons.append(f"{level['errors']} errors")
    if level.get("socket_failures"):
        reasons.append(f"{level['socket_failures']} failed sockets")
    return not reasons, reasons


def saturated(level: dict, *, p95_limit_ms: float = P95_LIMIT_MS) -> bool:
    """Far past the limit (p95 over 4× the limit, or more than 1 % of requests failing): adding
    candidates would only pile up queues and time-outs, so the higher levels are not worth running."""
    p95 = level["backoffice"]["p95_ms"]
    return (p95 is not None and p95 > 4 * p95_limit_ms) or level["errors"] > 0.01 * max(level["requests"], 1)


def largest_passing(levels: list[dict], *, p95_limit_ms: float = P95_LIMIT_MS) -> int | None:
    """The largest candidate count that passes with every smaller level passing too; None if the
    first already fails (a pass above a failure is noise, not capacity)."""
    best = None
    for level in sorted(levels, key=lambda lv: lv["candidates"]):
        if not level_verdict(level, p95_limit_ms=p95_limit_ms)[0]:
            break
        best = level["candidates"]
    return best


def _r(value, digits: int = 1):
    return None if value is None else round(value, digits)


class FormFields(HTMLParser):
    """The forms of a page as a browser would submit them: ``forms`` = [(attrs, [(name, value)])].
    Unchecked boxes, buttons and file inputs are left out; a select sends its selected options
    (else its first)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, list[list[str]]]] = []
        self._fields: list[list[str]] | None = None
        self._textarea: list[str] | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._fields = []
            self.forms.append((a, self._fields))
            return
        if self._fields is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._fields.append([name, a.get("value", "on" if kind in ("checkbox", "radio") else "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self._fields.append(self._textarea)
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in a, "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._select["_pending"] = [value, "selected" in a, value is None]
            if value is not None:
                self._option_done()

    def _option_done(self):
        value, selected, _text = self._select.pop("_pending")
        if self._select["first"] is None:
            self._select["first"] = value
        if selected:
            self._select["chosen"].append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._select is not None and self._select.get("_pending") and self._select["_pending"][2]:
            self._select["_pending"][0] = (self._select["_pending"][0] or "") + data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._select is not None and self._select.get("_pending"):
            self._select["_pending"][0] = (self._select["_pending"][0] or "").strip()
            self._option_done()
        elif tag == "select" and self._select is not None and self._fields is not None:
            s = self._select
            values = s["chosen"] if s["multiple"] else (s["chosen"][-1:] or ([s["first"]] if s["first"] is not None else []))
            self._fields.extend([s["name"], v] for v in values)
            self._select = None
        elif tag == "form":
            self._fields = None


def form_find(html: str, *, action_suffix: str | None = None, field: str | None = None) -> list[list[str]] | None:
    """The fields of the first POST form whose action ends with ``action_suffix`` (or that has a
    field named ``field``); None if the page has no such form."""
    parser = FormFields()
    parser.feed(html)
    for attrs, fields in parser.forms:
        if attrs.get("method", "get").lower() != "post":
            continue
        if action_suffix is not None and not attrs.get("action", "").endswith(action_suffix):
            continue
        if field is not None and not any(name == field for name, _v in fields):
            continue
        return fields
    return None


# -- measuring -------------------------------------------------------------------------------------

def proc_cpu_seconds(pid: int | str = "self") -> float:
    """CPU seconds (user + system) a process has used, from /proc; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def system_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class CpuWindow:
    """CPU used by some processes, the generator and the machine between ``start`` and ``stop``,
    in % of one core (the machine: % of all its cores)."""

    def __init__(self, pids: dict[str, list[int]]):
        self.pids = pids

    def start(self):
        self.t = time.monotonic()
        self.before = {group: sum(proc_cpu_seconds(p) for p in pids) for group, pids in self.pids.items()}
        self.self_before = proc_cpu_seconds()
        self.sys_before = system_cpu()

    def stop(self) -> dict:
        seconds = max(time.monotonic() - self.t, 1e-6)
        out = {f"{group}_pct_of_core": round((sum(proc_cpu_seconds(p) for p in pids) - self.before[group])
                                             / seconds * 100, 1) for group, pids in self.pids.items()}
        out["generator_pct_of_core"] = round((proc_cpu_seconds() - self.self_before) / seconds * 100, 1)
        busy, total = system_cpu()
        out["machine_busy_pct"] = round((busy - self.sys_before[0]) / max(total - self.sys_before[1], 1) * 100, 1)
        return out


@dataclass
class Sample:
    t: float  # when the request started (monotonic)
    kind: str
    ms: float
    ok: bool


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    errors: list[tuple[float, str]] = field(default_factory=list)
    chat_in: list[tuple[float, float, int]] = field(default_factory=list)  # (t, ms, open sockets)
    chat_out: list[tuple[float, float, int]] = field(default_factory=list)
    socket_failures: list[tuple[float, str]] = field(default_factory=list)
    open_sockets: int = 0
    stopping: bool = False

    def request(self, t: float, kind: str, ms: float, ok: bool, error: str | None = None):
        self.samples.append(Sample(t, kind, ms, ok))
        if not ok:
            self.errors.append((t, f"{kind}: {error}"))

    def error(self, t: float, what: str):
        self.errors.append((t, what))

    def window(self, start: float, end: float, *, setup_since: float | None = None) -> dict:
        """Figures of the requests started in [start, end); errors since ``setup_since`` (the ramp)."""
        inside = [s for s in self.samples if start <= s.t < end]
        back = [s.ms for s in inside if s.ok and s.kind in ACTIONS]
        since = start if setup_since is None else setup_since
        errors = [e for t, e in self.errors if since <= t < end]
        chat_in = [(ms, n) for t, ms, n in self.chat_in if start <= t < end]
        chat_out = [(ms, n) for t, ms, n in self.chat_out if start <= t < end]
        failures = [e for t, e in self.socket_failures if since <= t < end]
        seconds = end - start
        return {
            "seconds": round(seconds, 1),
            "requests": len(inside),
            "requests_per_second": round(len(inside) / seconds, 1) if seconds else None,
            "backoffice": latency_stats(back),
            "by_kind": {kind: latency_stats([s.ms for s in inside if s.ok and s.kind == kind])
                        for kind in sorted({s.kind for s in inside})},
            "errors": len(errors),
            "error_samples": dict(Counter(errors).most_common(10)),
            "chat_buyer_to_merchant": {**latency_stats([ms for ms, _n in chat_in]),
                                       "open_sockets_max": max((n for _ms, n in chat_in), default=None)},
            "chat_merchant_to_buyer": {**latency_stats([ms for ms, _n in chat_out]),
                                       "open_sockets_max": max((n for _ms, n in chat_out), default=None)},
            "socket_failures": len(failures),
            "socket_failure_samples": dict(Counter(failures).most_common(5)),
        }


# -- the simulated people --------------------------------------------------------------------------

MARKERS = {
    "login_page": b'name="ticket_number"',
    "sitting_list": "<h1>我的考试</h1>".encode(),
    "task": b'class="console-frame"',
    "dashboard": "<h1>待办事项</h1>".encode(),
    "orders": "<h1>已卖出的宝贝</h1>".encode(),
    "order": "<h1>订单详情".encode(),
    "products": "<h1>商品管理</h1>".encode(),
    "product_form": "<h1>编辑宝贝</h1>".encode(),
    "customers": "<h1>客户管理</h1>".encode(),
    "chat": "<h1>客服工作台</h1>".encode(),
    "memo_done": "旗帜和备注已保存".encode(),
    "product_done": "已保存".encode(),
    "buyer_login": b'name="nickname"',
}
CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Failed(Exception):
    """A check failed: the message is what the report shows."""


@dataclass
class Person:
    n: int
    ticket: str
    id_number: str
    base: str
    rec: Recorder
    order_statuses: list[str]
    mix: dict[str, float]
    think: float
    session: object = None
    ws: object = None
    buyer: object = None
    buyer_ws: object = None
    storefront: str = ""
    storefront_link: str = ""  # the task page's link, with the shop's buyer pass
    order_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    pending_in: dict = field(default_factory=dict)
    pending_out: dict = field(default_factory=dict)
    tasks: list = field(default_factory=list)
    ready: bool = False

    # HTTP with checks ----------------------------------------------------------------------------
    async def fetch(self, kind: str, path: str, *, marker: bytes | None = None, status: int = 200,
                    data=None, session=None, record: bool = True) -> tuple[bytes, object]:
        session = session or self.session
        started = time.monotonic()
        try:
            method = "POST" if data is not None else "GET"
            async with session.request(method, self.base + path, data=data, allow_redirects=False) as response:
                body = await response.read()
                ms = (time.monotonic() - started) * 1000
                problem = None
                if response.status != status:
                    problem = f"HTTP {response.status} (expected {status}) {path}"
                elif marker is not None and marker not in body:
                    problem = f"marker missing {path}"
                if record:
                    self.rec.request(started, kind, ms, problem is None, problem)
                if problem:
                    raise Failed(problem)
                return body, response
        except Failed:
            raise
        except Exception as exc:  # timeouts, resets: an error like any other
            problem = f"{type(exc).__name__} {path}"
            if record:
                self.rec.request(started, kind, (time.monotonic() - started) * 1000, False, problem)
            raise Failed(problem) from None

    @staticmethod
    def csrf(body: bytes) -> str:
        found = CSRF_RE.search(body)
        if not found:
            raise Failed("no CSRF token in the form")
        return found.group(1).decode()

    # setting up: log in, workspace, console, chat socket ----------------------------------------
    async def setup(self, aiohttp, *, with_buyer: bool):
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                             timeout=aiohttp.ClientTimeout(total=30),
                                             connector=aiohttp.TCPConnector(limit=4))
        body, _ = await self.fetch("login_form", "/exam/login/", marker=MARKERS["login_page"])
        form = {"csrfmiddlewaretoken": self.csrf(body), "ticket_number": self.ticket, "id_number": self.id_number}
        _body, response = await self.fetch("login", "/exam/login/", data=form, status=302)
        body, _ = await self.fetch("sitting_list", "/sitting/", marker=MARKERS["sitting_list"])
        found = re.search(rb'href="(/sitting/\d+/)"', body)
        if not found:
            raise Failed("no exam on 我的考试")
        _body, response = await self.fetch("sitting_start_page", found.group(1).decode(), status=302)
        task_path = urlsplit(response.headers.get("Location", "")).path
        body, _ = await self.fetch("task", task_path, marker=MARKERS["task"])
        console = re.search(rb'<iframe class="console-frame"[^>]* src="([^"]+)"', body)
        # the storefront link carries the shop's buyer pass: /s/<key>/buyer-pass/?buyer_pass=…
        storefront = re.search(rb'href="((/s/[^/"]+/)[^"]*)"', body)
        if not console or not storefront:
            raise Failed("task page without console frame or storefront link")
        self.storefront = storefront.group(2).decode()
        self.storefront_link = unescape(storefront.group(1).decode())
        await self.fetch("task_console", console.group(1).decode(), status=302)
        body, _ = await self.fetch("orders", "/console/orders/", marker=MARKERS["orders"])
        self.order_ids = [int(x) for x in dict.fromkeys(re.findall(rb'/console/orders/(\d+)/', body))]
        body, _ = await self.fetch("products", "/console/products/", marker=MARKERS["products"])
        self.product_ids = [int(x) for x in dict.fromkeys(re.findall(rb'/console/products/(\d+)/edit/', body))]
        ws_base = self.base.replace("http://", "ws://")
        try:
            self.ws = await self.session.ws_connect(ws_base + "/ws/console/chat/", origin=self.base, autoping=True)
        except Exception as exc:
            raise Failed(f"console chat socket: {type(exc).__name__} {str(exc)[:80]}") from None
        self.rec.open_sockets += 1
        self.tasks.append(asyncio.ensure_future(self.merchant_read()))
        if with_buyer:
            await self.buyer_setup(aiohttp, ws_base)
        self.ready = True

    async def buyer_setup(self, aiohttp, ws_base: str):
        self.buyer = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                           timeout=aiohttp.ClientTimeout(total=30),
                                           connector=aiohttp.TCPConnector(limit=2))
        login = self.storefront + "login/"
        await self.fetch("buyer_pass", self.storefront_link, status=302, session=self.buyer)  # an exam shop's buyer
        body, _ = await self.fetch("buyer_login_form", login, marker=MARKERS["buyer_login"], session=self.buyer)
        form = {"csrfmiddlewaretoken": self.csrf(body), "nickname": f"lb{self.n}", "phone": ""}
        await self.fetch("buyer_login", login, data=form, status=302, session=self.buyer)
        try:
            self.buyer_ws = await self.buyer.ws_connect(f"{ws_base}/ws{self.storefront}chat/", origin=self.base)
        except Exception as exc:
            raise Failed(f"buyer chat socket: {type(exc).__name__} {str(exc)[:80]}") from None
        self.rec.open_sockets += 1
        self.tasks.append(asyncio.ensure_future(self.buyer_read()))

    # reading the sockets -------------------------------------------------------------------------
    async def merchant_read(self):
        await self._read(self.ws, "merchant", self._merchant_message)

    async def buyer_read(self):
        await self._read(self.buyer_ws, "buyer", self._buyer_message)

    async def _read(self, ws, who: str, handle):
        import aiohttp

        try:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await handle(json.loads(message.data))
                elif message.type == aiohttp.WSMsgType.ERROR:
                    break
        except Exception as exc:
            if not self.rec.stopping:
                self.rec.socket_failures.append((time.monotonic(), f"{who}: {type(exc).__name__}"))
        else:
            if not self.rec.stopping:
                self.rec.socket_failures.append((time.monotonic(), f"{who}: closed by the server ({ws.close_code})"))
        finally:
            self.rec.open_sockets -= 1

    async def _merchant_message(self, data: dict):
        if data.get("type") == "error":
            self.rec.error(time.monotonic(), f"merchant socket error: {data.get('message')}")
            return
        if data.get("type") != "message":
            return
        body = data.get("message", {}).get("body", "")
        sent = self.pending_in.pop(body, None)
        if sent is None:
            return
        now = time.monotonic()
        self.rec.chat_in.append((sent, (now - sent) * 1000, self.rec.open_sockets))
        reply = "R" + body
        self.pending_out[reply] = time.monotonic()
        await self.ws.send_json({"type": "message", "session_id": data["session_id"], "body": reply})

    async def _buyer_message(self, data: dict):
        if data.get("type") == "error":
            self.rec.error(time.monotonic(), f"buyer socket error: {data.get('message')}")
            return
        body = data.get("message", {}).get("body", "") if data.get("type") == "message" else ""
        sent = self.pending_out.pop(body, None)
        if sent is not None:
            self.rec.chat_out.append((sent, (time.monotonic() - sent) * 1000, self.rec.open_sockets))

    # the back office at a human pace -------------------------------------------------------------
    async def act(self, action: str):
        if action == "dashboard":
            await self.fetch(action, "/console/", marker=MARKERS["dashboard"])
        elif action == "orders":
            status = random.choice(self.order_statuses)
            await self.fetch(action, f"/console/orders/?status={status}", marker=MARKERS["orders"])
        elif action == "order" and self.order_ids:
            await self.fetch(action, f"/console/orders/{random.choice(self.order_ids)}/", marker=MARKERS["order"])
        elif action == "products":
            await self.fetch(action, "/console/products/", marker=MARKERS["products"])
        elif action == "customers":
            await self.fetch(action, "/console/customers/", marker=MARKERS["customers"])
        elif action == "chat":
            await self.fetch(action, "/console/chat/", marker=MARKERS["chat"])
        elif action == "memo" and self.order_ids:
            order = random.choice(self.order_ids)
            body, _ = await self.fetch("order", f"/console/orders/{order}/", marker=MARKERS["order"])
            fields = form_find(body.decode(), action_suffix=f"/console/orders/{order}/memo/")
            if fields is None:
                raise Failed("order page without the memo form")
            fields = [[k, f"负载测试备注 {self.n}-{int(time.time())}" if k.endswith("seller_memo") else v]
                      for k, v in fields]
            await self.fetch(action, f"/console/orders/{order}/memo/", data=fields, status=302)
            await self.fetch("after_write", f"/console/orders/{order}/", marker=MARKERS["memo_done"])
        elif action == "product_edit" and self.product_ids:
            product = random.choice(self.product_ids)
            path = f"/console/products/{product}/edit/"
            body, _ = await self.fetch("product_form", path, marker=MARKERS["product_form"])
            fields = form_find(body.decode(), field="title")
            if fields is None:
                raise Failed("product page without the editor form")
            _body, response = await self.fetch(action, path, data=fields, status=302)
            target = response.headers.get("Location", "/console/products/")
            await self.fetch("after_write", urlsplit(target).path + ("?" + urlsplit(target).query
                                                                     if urlsplit(target).query else ""),
                             marker=MARKERS["product_done"])

    async def work(self, stop: asyncio.Event, pick):
        await asyncio.sleep(random.uniform(0, self.think))
        while not stop.is_set():
            try:
                await self.act(pick())
            except Failed:
                pass  # recorded where it happened
            try:
                await asyncio.wait_for(stop.wait(), random.uniform(0.5, 1.5) * self.think)
            except asyncio.TimeoutError:
                pass

    async def chat(self, stop: asyncio.Event, every: float):
        await asyncio.sleep(random.uniform(0, every))
        seq = 0
        while not stop.is_set() and self.buyer_ws is not None and not self.buyer_ws.closed:
            seq += 1
            token = f"L{self.n}-{seq}"
            self.pending_in[token] = time.monotonic()
            try:
                await self.buyer_ws.send_json({"type": "message", "body": token})
            except Exception as exc:
                self.rec.error(time.monotonic(), f"buyer send: {type(exc).__name__}")
            try:
                await asyncio.wait_for(stop.wait(), random.uniform(0.5, 1.5) * every)
            except asyncio.TimeoutError:
                pass

    async def close(self):
        for task in self.tasks:
            task.cancel()
        for ws in (self.ws, self.buyer_ws):
            if ws is not None and not ws.closed:
                await ws.close()
        for session in (self.session, self.buyer):
            if session is not None:
                await session.close()


def picker(mix: dict[str, float]):
    names, weights = list(mix), list(mix.values())
    return lambda: random.choices(names, weights)[0]


# -- seeding ---------------------------------------------------------------------------------------

def resident_id(n: int) -> str:
    """A valid 居民身份证 number (check digit) for candidate ``n``."""
    weights, check = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), "10X98765432"
    body = f"1101011990{(n // 28000) % 12 + 1:02d}{(n // 1000) % 28 + 1:02d}{n % 1000:03d}"
    return body + check[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def seed(count: int, slugs: list[str], log) -> dict:
    """The exam, ``count`` registered candidates (through the import service) and their started
    sittings. Returns the people's credentials and timings."""
    from django.contrib.auth import get_user_model

    from bench.exam_start import _exam, _start_all
    from sandbox.accounts.roles import EXAMINER, roles_sync
    from sandbox.exams.manage_services import registrations_import
    from sandbox.exams.models import Level, Registration
    from sandbox.exams.services import sitting_start

    timings = {}
    started = time.perf_counter()
    groups = roles_sync()
    examiner = get_user_model().objects.create_user(username="load_examiner", password=None)
    examiner.groups.add(groups[EXAMINER])
    exam = _exam("负载测试", slugs, examiner)
    level_label = Level(exam.level).label
    rows = ["姓名,证件类型,证件号码,级别"] + [f"考生{n},居民身份证,{resident_id(n)},{level_label}" for n in range(count)]
    registrations_import(exam=exam, data=("\r\n".join(rows) + "\r\n").encode(), filename="load.csv", actor=examiner)
    registrations = list(Registration.objects.filter(exam=exam).select_related("exam", "candidate").order_by("pk"))
    timings["register_s"] = round(time.perf_counter() - started, 2)
    log(f"registered {len(registrations)} candidates in {timings['register_s']} s")
    # the first start builds the scenario templates: once, apart
    started = time.perf_counter()
    sitting_start(registration=registrations[0], actor=registrations[0].candidate)
    timings["template_build_s"] = round(time.perf_counter() - started, 2)
    threads = min(4, max(1, len(registrations) - 1))
    wall, latencies, _done, errors = _start_all(registrations[1:], threads) if len(registrations) > 1 else (0, [], [], [])
    if errors:
        raise RuntimeError(f"{len(errors)} sittings failed to start: {Counter(errors).most_common(3)}")
    timings["sittings_start_s"] = round(wall, 2)
    timings["start_median_ms"] = _r(percentile([x * 1000 for x in latencies], 50)) if latencies else None
    log(f"templates built in {timings['template_build_s']} s; {len(registrations) - 1} more sittings started "
        f"in {wall:.1f} s with {threads} threads")
    people = [(r.ticket_number, r.id_number) for r in registrations]
    return {"exam_id": exam.pk, "people": people, "timings": timings}


def page_queries(ticket: str) -> dict:
    """Queries per back-office page for one seeded candidate (Django's test client, in-process):
    the profile the load figures should be read with."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sandbox.exams.models import Registration, SittingTask

    user = get_user_model().objects.get(username=ticket)
    registration = Registration.objects.get(candidate=user)
    task = SittingTask.objects.filter(sitting__registration=registration).select_related("attempt__instance").first()
    client = Client()
    client.force_login(user)
    base = f"/sitting/{registration.pk}/tasks/{task.pk}/"
    client.get(base + "console/")
    from shop_sim.models import Order, Product

    sandbox_id = task.attempt.instance.sandbox_id
    order = Order.objects.filter(sandbox_id=sandbox_id).order_by("pk").first()
    product = Product.objects.filter(sandbox_id=sandbox_id).order_by("pk").first()
    pages = {"task": base, "dashboard": "/console/", "orders": "/console/orders/?status=paid",
             "order": f"/console/orders/{order.pk}/", "products": "/console/products/",
             "customers": "/console/customers/", "chat": "/console/chat/",
             "product_form": f"/console/products/{product.pk}/edit/", "clock": f"/sitting/{registration.pk}/clock/"}
    out = {}
    for name, path in pages.items():
        client.get(path)  # warm (caches)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        out[name] = {"status": response.status_code, "queries": len(queries)}
    return out


# -- the run ---------------------------------------------------------------------------------------

def _database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def _redis_flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


async def _levels(args, stack, people, statuses, mix, log) -> tuple[list[dict], list[Person]]:
    import aiohttp

    rec = Recorder()
    stop = asyncio.Event()
    pick = picker(mix)
    persons: list[Person] = []
    workers: list[asyncio.Task] = []
    webs = {f"web{n}": [p.pid] for n, p in enumerate(stack.webs)}
    cpu_groups = {"web": [p.pid for p in stack.webs], "workers": [p.pid for p in stack.workers], **webs}
    results = []
    buyer_every = max(1, round(1 / args.buyers)) if args.buyers > 0 else 0

    async def join(person: Person, delay: float):
        await asyncio.sleep(delay)
        try:
            await person.setup(aiohttp, with_buyer=bool(buyer_every) and person.n % buyer_every == 0)
        except Failed as exc:
            rec.error(time.monotonic(), f"setup: {exc}")
            return
        workers.append(asyncio.ensure_future(person.work(stop, pick)))
        if person.buyer_ws is not None:
            workers.append(asyncio.ensure_future(person.chat(stop, args.chat_every)))

    for level in args.levels:
        ramp_start = time.monotonic()
        new = [Person(n=n, ticket=people[n][0], id_number=people[n][1], base=stack.urls[n % len(stack.urls)],
                      rec=rec, order_statuses=statuses, mix=mix, think=args.think)
               for n in range(len(persons), level)]
        ramp = max(2.0, len(new) / args.ramp_rate)
        log(f"level {level}: adding {len(new)} candidates over {ramp:.0f} s ...")
        persons.extend(new)
        await asyncio.gather(*(join(p, i * ramp / max(len(new), 1)) for i, p in enumerate(new)))
        ready = sum(p.ready for p in persons)
        await asyncio.sleep(args.settle)
        cpu = CpuWindow(cpu_groups)
        cpu.start()
        start = time.monotonic()
        load_before = os.getloadavg()[0]
        await asyncio.sleep(args.hold)
        end = time.monotonic()
        figures = rec.window(start, end, setup_since=ramp_start)
        figures.update(candidates=level, ready=ready, ramp_seconds=round(start - ramp_start, 1),
                       open_sockets=rec.open_sockets, cpu=cpu.stop(),
                       load_average=[round(load_before, 2), round(os.getloadavg()[0], 2)])
        ok, why = level_verdict(figures, p95_limit_ms=args.p95_limit)
        figures["passes"], figures["fails_because"] = ok, why
        results.append(figures)
        b = figures["backoffice"]
        log(f"level {level}: ready {ready}, {figures['requests_per_second']} req/s, back office p50/p95/p99 "
            f"{b['p50_ms']}/{b['p95_ms']}/{b['p99_ms']} ms, errors {figures['errors']}, chat p95 "
            f"{figures['chat_buyer_to_merchant']['p95_ms']} ms, sockets {rec.open_sockets}, web CPU "
            f"{figures['cpu']['web_pct_of_core']} %, generator {figures['cpu']['generator_pct_of_core']} % "
            f"-> {'pass' if ok else 'FAIL: ' + '; '.join(why)}")
        if saturated(figures, p95_limit_ms=args.p95_limit) and not args.all_levels and level != args.levels[-1]:
            log(f"level {level} is far past the limit: the higher levels are skipped (--all-levels runs them)")
            break
    stop.set()
    rec.stopping = True
    await asyncio.gather(*workers, return_exceptions=True)
    return results, persons


async def _closed_loop(clients: int, seconds: float, request, cpu: CpuWindow) -> dict:
    """``clients`` loops calling ``request(i)`` back to back for ``seconds``: completed and failed."""
    done, failed, latencies = [0], [0], []
    end = time.monotonic() + seconds

    async def loop(i):
        while time.monotonic() < end:
            started = time.monotonic()
            try:
                await request(i)
                done[0] += 1
                latencies.append((time.monotonic() - started) * 1000)
            except Exception:
                failed[0] += 1

    cpu.start()
    started = time.monotonic()
    await asyncio.gather(*(loop(i) for i in range(clients)))
    wall = time.monotonic() - started
    return {"clients": clients, "seconds": round(wall, 1), "requests": done[0], "failed": failed[0],
            "requests_per_second": round(done[0] / wall, 1), **latency_stats(latencies), "cpu": cpu.stop()}


async def _ratio(args, stack, persons: list[Person], mix: dict, log) -> dict:
    import aiohttp

    cpu_groups = {"web": [p.pid for p in stack.webs]}
    live = [p for p in persons if p.ready][: args.ratio_clients]
    for person in persons:  # only the ratio's clients stay connected
        if person not in live:
            await person.close()
    if not live:
        return {"skipped": "no candidate ready"}
    sessions = [aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30),
                                      connector=aiohttp.TCPConnector(limit=1)) for _ in live]
    urls = stack.urls

    async def bare(i):
        async with sessions[i].get(urls[i % len(urls)] + "/healthz/live") as response:
            body = await response.read()
            if response.status != 200 or body != b"ok":
                raise Failed("bare view")

    reads = {k: v for k, v in mix.items() if k not in WRITES} or mix
    pick = picker(reads)

    async def backoffice(i):
        await live[i].act(pick())

    try:
        log(f"ratio: {len(live)} clients, {args.ratio_seconds:.0f} s against /healthz/live ...")
        bare_figures = await _closed_loop(len(live), args.ratio_seconds, bare, CpuWindow(cpu_groups))
        log(f"ratio: {len(live)} clients, {args.ratio_seconds:.0f} s against the back-office reads ...")
        back_figures = await _closed_loop(len(live), args.ratio_seconds, backoffice, CpuWindow(cpu_groups))
    finally:
        for session in sessions:
            await session.close()
        for person in live:
            await person.close()
    ratio = (round(bare_figures["requests_per_second"] / back_figures["requests_per_second"], 1)
             if back_figures["requests_per_second"] else None)
    log(f"ratio: bare {bare_figures['requests_per_second']} req/s, back office "
        f"{back_figures['requests_per_second']} req/s, bare ÷ back office = {ratio}")
    return {"bare": bare_figures, "backoffice_reads": back_figures, "bare_over_backoffice": ratio}


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout|Exit|Interrupt)\b")
CHAINED = ("During handling of the above exception", "The above exception was the direct cause")


def _log_errors(folder: Path) -> dict:
    """The final exception of each traceback in the servers' logs, counted (what the 5xx were)."""
    found: Counter = Counter()
    for log in sorted(folder.glob("*.log")):
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
        for n, line in enumerate(lines):
            if EXCEPTION_LINE.match(line) and not (n + 1 < len(lines) and lines[n + 1].startswith(CHAINED)):
                found[f"{log.stem.split('-')[0]}: {line[:160]}"] += 1
    return dict(found.most_common(10))


def table(results: dict) -> str:
    rows = [("candidates", "ready", "req/s", "p50", "p95", "p99 ms", "errors", "chat p95 in/out ms", "sockets",
             "web CPU %", "gen CPU %", "machine %", "verdict")]
    for lv in results["levels"]:
        b, cpu = lv["backoffice"], lv["cpu"]
        rows.append((lv["candidates"], lv["ready"], lv["requests_per_second"], b["p50_ms"], b["p95_ms"], b["p99_ms"],
                     lv["errors"] + lv["socket_failures"],
                     f"{lv['chat_buyer_to_merchant']['p95_ms']}/{lv['chat_merchant_to_buyer']['p95_ms']}",
                     lv["open_sockets"], cpu["web_pct_of_core"], cpu["generator_pct_of_core"],
                     cpu["machine_busy_pct"], "pass" if lv["passes"] else "FAIL"))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).rjust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    lines.append(f"largest level with p95 < {results['p95_limit_ms']:g} ms and 0 errors: "
                 f"{results['largest_passing']}")
    ratio = results.get("ratio") or {}
    if ratio.get("bare"):
        lines.append(f"closed loop ({ratio['bare']['clients']} clients): bare view {ratio['bare']['requests_per_second']}"
                     f" req/s, back-office reads {ratio['backoffice_reads']['requests_per_second']} req/s, ratio "
                     f"{ratio['bare_over_backoffice']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI: 40 candidates, one level held 20 s, short ratio")
    parser.add_argument("--levels", help=f"concurrent candidates per level (default {FULL_LEVELS}; quick 40)")
    parser.add_argument("--hold", type=float, help="seconds each level is measured (default 40, quick 20)")
    parser.add_argument("--think", type=float, default=3.0, help="mean seconds between a candidate's requests")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"back-office actions and weights (default {DEFAULT_MIX})")
    parser.add_argument("--buyers", type=float, default=0.2, help="share of candidates with a chatting buyer")
    parser.add_argument("--chat-every", type=float, default=10.0, help="mean seconds between a buyer's messages")
    parser.add_argument("--ramp-rate", type=float, default=25.0, help="candidates joining per second")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after the ramp before measuring")
    parser.add_argument("--webs", type=int, default=2, help="web processes (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="grading workers (default 2)")
    parser.add_argument("--server", choices=("daphne", "uvicorn"), default=os.environ.get("LOAD_SERVER", "daphne"))
    parser.add_argument("--pool", choices=("on", "off"), default=os.environ.get("LOAD_POOL", "on"),
                        help="psycopg connection pool in the web processes (DATABASE_POOL; on in production)")
    parser.add_argument("--scenarios", default=DEFAULT_SCENARIOS, help=f"the paper (default {DEFAULT_SCENARIOS})")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis db index for the channel layer (not 0)")
    parser.add_argument("--ratio-clients", type=int, help="closed-loop clients (default 32, quick 16; 0 = skip)")
    parser.add_argument("--ratio-seconds", type=float, help="seconds per closed-loop run (default 15, quick 5)")
    parser.add_argument("--p95-limit", type=float, default=P95_LIMIT_MS)
    parser.add_argument("--all-levels", action="store_true",
                        help="run every level even after one far past the limit (default: stop there)")
    parser.add_argument("--output", help="results file name under var/bench/ (default load.json / load-quick.json)")
    args = parser.parse_args(argv)
    try:
        args.levels = levels_parse(args.levels or ("40" if args.quick else FULL_LEVELS))
        mix = mix_parse(args.mix)
    except ValueError as exc:
        parser.error(str(exc))
    args.hold = args.hold or (20.0 if args.quick else 40.0)
    args.ratio_clients = (16 if args.quick else 32) if args.ratio_clients is None else args.ratio_clients
    args.ratio_seconds = args.ratio_seconds or (5.0 if args.quick else 15.0)
    if args.redis_db == 0:
        parser.error("Redis db 0 belongs to the services suite: choose another --redis-db")
    if args.webs < 1:
        parser.error("--webs must be at least 1")

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/load")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    from bench.__main__ import BASE_DIR, BENCH_DIR, _prepare_environment

    if not _prepare_environment():
        parser.error("the load bench needs PostgreSQL: DATABASE_URL=postgres://…")
    work = BENCH_DIR / "load"
    shutil.rmtree(work / "logs", ignore_errors=True)  # the servers' logs of this run only
    os.environ["DJANGO_MEDIA_ROOT"] = str(work / "media")
    redis_url = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{args.redis_db}"))
    os.environ["REDIS_URL"] = redis_url  # the seeding process pushes to the same layer as the stack
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.db import connection

    from bench.exam_start import bench_database
    from bench.machine import machine_info
    from bench.stack import production_stack
    from shop_sim.console.forms.orders import ORDER_TAB_CHOICES

    log = lambda line: print(line, flush=True)  # noqa: E731
    slugs = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    statuses = [key for key, _label in ORDER_TAB_CHOICES if key] + [""]
    load_before = os.getloadavg()
    total_started = time.perf_counter()
    _redis_flush(redis_url)
    results: dict = {}
    with bench_database(postgres=True):
        name = connection.settings_dict["NAME"]
        log(f"bench database: postgresql {name}; Redis {redis_url}")
        started = time.perf_counter()
        seeded = seed(max(args.levels), slugs, log)
        with connection.cursor() as cursor:
            # What autovacuum does a minute or two after a mass start: measured here is the steady
            # state, not the first minutes on the statistics of an empty database.
            cursor.execute("ANALYZE")
        seeding_s = round(time.perf_counter() - started, 1)
        queries = page_queries(seeded["people"][0][0])
        log("queries per page: " + ", ".join(f"{k} {v['queries']}" for k, v in queries.items()))
        connection.close()
        extra_env = {"DATABASE_POOL": "1" if args.pool == "on" else "0"}
        with production_stack(database_url=_database_url(name), redis_url=redis_url, media=work / "media",
                              log_dir=work / "logs", webs=args.webs, workers=args.workers, server=args.server,
                              extra_env=extra_env) as stack:
            log(f"stack: {args.webs} × {args.server} (pool {args.pool}) + {args.workers} workers at "
                f"{', '.join(stack.urls)}")
            gen_cpu_before = proc_cpu_seconds()
            run_started = time.monotonic()

            async def run():
                levels, persons = await _levels(args, stack, seeded["people"], statuses, mix, log)
                ratio = await _ratio(args, stack, persons, mix, log) if args.ratio_clients else None
                for person in persons:
                    await person.close()
                return levels, ratio

            levels, ratio = asyncio.run(run())
            generator_pct = round((proc_cpu_seconds() - gen_cpu_before) / (time.monotonic() - run_started) * 100, 1)
            dead = [p.args[-1] for p in stack.processes if p.poll() is not None]
        server_errors = _log_errors(work / "logs")
        results = {
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "quick": args.quick, "machine": machine_info(),
            "load_average": {"before": [round(x, 2) for x in load_before],
                             "after": [round(x, 2) for x in os.getloadavg()]},
            "config": {"server": args.server, "pool": args.pool, "webs": args.webs, "workers": args.workers,
                       "scenarios": slugs, "think_s": args.think, "mix": mix, "buyers_share": args.buyers,
                       "chat_every_s": args.chat_every, "hold_s": args.hold, "levels": args.levels,
                       "redis": redis_url},
            "seeding": {"candidates": len(seeded["people"]), "seconds": seeding_s, **seeded["timings"]},
            "queries_per_page": queries,
            "levels": levels,
            "p95_limit_ms": args.p95_limit,
            "largest_passing": largest_passing(levels, p95_limit_ms=args.p95_limit),
            "ratio": ratio,
            "generator_cpu_pct_of_core_whole_run": generator_pct,
            "processes_died": dead,
            "server_log_errors": server_errors,
            "total_seconds": round(time.perf_counter() - total_started, 1),
        }
    _redis_flush(redis_url)
    print()
    print(table(results))
    print(f"total {results['total_seconds']} s (seeding {seeding_s} s); load average before "
          f"{results['load_average']['before']}, after {results['load_average']['after']}")
    out = BENCH_DIR / (args.output or ("load-quick.json" if args.quick else "load.json"))
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"results written to {out.relative_to(BASE_DIR)}")
    if server_errors:
        print("server log errors: " + json.dumps(server_errors, ensure_ascii=False, indent=1))
    failures = sum(lv["errors"] + lv["socket_failures"] for lv in levels) + len(dead)
    if args.quick and failures:
        print(f"FAILED: {failures} errors / failed sockets / dead processes", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
