"""``python -m bench.faults [--quick]``: break a part of the production stack under a real user and
measure how long the stack takes to recover.

One implementation, two callers: each scenario is a function that starts a stack (bench/stack.py)
on the database it is given, drives real Chromium through the UI, breaks something, restores it,
asserts what must (and must not) have happened — AssertionError with a plain message — and returns
the measured figures. tests/services/test_faults.py and tests/services/test_production_stack.py
call them on pytest-django's test database; this module's ``main`` calls them on a throw-away
PostgreSQL database (``bench_<name>``, dropped afterwards) and its own redis-server, once each
(``--quick``) or ``--runs`` times (default 5; min/median/max), and writes var/bench/faults.json.

Scenarios:
- ``redis_restart``: Redis SIGKILLed under a merchant (console chat, replica 2) and a buyer
  (storefront widget, replica 1); /healthz says 503 naming the channel layer, the web processes
  live on; Redis started again on the same port; time until /healthz is 200 and until a new buyer
  message reaches the merchant's open page without a reload. A message stored while the sockets
  were down reaches the page on reconnection; a buyer's message typed during the outage is either
  refused visibly (kept in the box) or stored and shown — never shown as sent and lost.
- ``database_outage`` (and ``_persistent``: CONN_MAX_AGE=60, ``_pool``: DATABASE_POOL=1): a TCP proxy between the stack and PostgreSQL is cut (listener closed, every
  open connection closed, new ones refused) while a merchant saves an order memo: a 503 page in
  Chinese, nothing half-written (order row and ShopEvent journal); restored, the same action
  succeeds once; time from restore to the first successful request.
- ``web_replica_restart_chat``: the merchant's replica SIGKILLed and started again: the console's
  indicator comes back and a buyer's message flows again.
- ``web_replica_kill`` and ``grading_worker_kill``: the two faults tests/services/test_production_stack.py
  has always covered, moved here so the bench runs them too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.stack import BASE_DIR, free_port, port_wait, production_stack, stack_env, worker_command

PASSWORD = "pass-1234"
ONLINE = "实时连接已建立"
OFFLINE = "实时连接已断开"
DB_DOWN_TEXT = "数据库暂时不可用，您的操作没有保存，请稍后重试。"
RECOVERY_LIMIT_S = 60.0


# ---------------------------------------------------------------------------------------------
# the parts that fail


class TcpProxy:
    """A TCP relay in threads: the stack talks to PostgreSQL through it, so "the database went
    away" is a real network failure. ``cut`` closes the listener and every relayed connection (new
    connections are refused); ``restore`` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int, port: int | None = None):
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> "TcpProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="proxy-accept").start()
        return self

    restore = start

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # the listener was cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True, name="proxy-pump").start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self) -> int:
        """Refuse new connections and close the open ones; returns how many were open."""
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() thread
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            open_now = list(self._open)
        for sock in open_now:
            self._close(sock)
        return len(open_now)

    def close(self) -> None:
        self.cut()

    def url(self, database_url: str) -> str:
        """``database_url`` with its host and port replaced by the proxy's."""
        parts = urlsplit(database_url)
        userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{userinfo}127.0.0.1:{self.port}"))


class RedisServer:
    """A redis-server of the scenario's own on a free port (never the shared one), no persistence."""

    def __init__(self, log_dir: Path, port: int | None = None, binary: str = "redis-server"):
        self.port = port or free_port()
        self.log = log_dir / f"redis-{self.port}.log"
        self.binary = binary
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        port_wait(self.port, timeout=15)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()


def database_url_of(settings_dict: dict) -> str:
    """The URL the stack's processes use for the database Django is connected to (test or bench)."""
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    return (f"postgres://{user}{password}@{settings_dict.get('HOST') or '127.0.0.1'}:"
            f"{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}")


def other_backends_terminate() -> None:
    """A SIGKILLed process's connections may linger a moment; the test/bench database must be droppable."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


# ---------------------------------------------------------------------------------------------
# the people


@dataclass
class FaultShop:
    """A merchant (candidate role, password ``PASSWORD``) with a generated shop."""

    username: str
    sandbox_id: int
    storefront_key: str
    order_id: int


def fault_shop(username: str = "fault_merchant", *, seed: int = 12) -> FaultShop:
    from django.contrib.auth import get_user_model

    from fixtures.generators import generate_shop
    from sandbox.accounts.roles import roles_sync
    from shop_sim.models import Order, Sandbox, ShopDecoration

    owner = get_user_model().objects.create_user(username=username, password=PASSWORD)
    owner.groups.add(roles_sync()["candidate"])
    sandbox = Sandbox.objects.create(name="故障演练店", owner=owner)
    ShopDecoration.objects.create(sandbox=sandbox, shop_name="故障演练店")
    generate_shop(sandbox=sandbox, seed=seed, products=5, orders=10, customers=5)
    order = Order.objects.for_sandbox(sandbox).order_by("id").first()
    return FaultShop(username=username, sandbox_id=sandbox.pk, storefront_key=sandbox.storefront_key,
                     order_id=order.pk)


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    from autograder.browser import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            # The ORM used inside Playwright's sync API (it runs an event loop in this thread) may
            # have opened a connection of its own context: close it here, or it lingers and a later
            # other_backends_terminate() leaves this process holding a dead connection.
            from django.db import connections

            connections.close_all()
            browser.close()


def new_page(browser, timeout_ms: int = 15_000):
    page = browser.new_context(locale="zh-CN").new_page()
    page.set_default_timeout(timeout_ms)
    return page


def login(page, base: str, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


def healthz(base: str, timeout: float = 20.0) -> tuple[int, dict]:
    """(status, body) of /healthz. The timeout outlasts a connection pool's wait for a connection
    (DATABASE_POOL_TIMEOUT, 10 s by default): with the pool, an outage answers only after that."""
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
        return 0, {"error": f"{type(exc).__name__}: {exc}"}


def healthz_wait(bases: list[str], since: float, limit: float = RECOVERY_LIMIT_S) -> tuple[float, int]:
    """Seconds from ``since`` until every base answers /healthz 200, and how many checks failed
    before that (a connection pool handing out dead connections shows up here)."""
    waiting, failed = list(bases), 0
    while waiting:
        if time.monotonic() - since > limit:
            raise AssertionError(f"/healthz still not 200 on {waiting} {limit:.0f} s after the restore")
        still = [base for base in waiting if healthz(base)[0] != 200]
        failed += len(still)
        waiting = still
        if waiting:
            time.sleep(0.1)
    return time.monotonic() - since, failed


def processes_alive(stack, what: str) -> None:
    dead = [p.args[-1] if isinstance(p.args, list) else p.args for p in stack.webs if p.poll() is not None]
    if dead:
        raise AssertionError(f"a web process died during {what}: {dead} (logs in {stack.log_dir})")


class ChatPair:
    """A merchant on the console's chat page (one replica) and a logged-in buyer with the widget
    open on the storefront (another replica), in one conversation."""

    def __init__(self, browser, shop: FaultShop, merchant_base: str, buyer_base: str, nickname: str):
        from playwright.sync_api import expect

        self.expect = expect
        self.nickname = nickname
        self.merchant = new_page(browser)
        login(self.merchant, merchant_base, shop.username)
        assert self.merchant.goto(f"{merchant_base}/console/chat/").status == 200
        self.merchant_online()
        self.buyer = new_page(browser)
        self.buyer.goto(f"{buyer_base}/s/{shop.storefront_key}/")
        self.buyer.get_by_role("link", name="登录").first.click()
        self.buyer.get_by_label("会员名").fill(nickname)
        self.buyer.get_by_role("button", name=re.compile("登录")).click()
        self.buyer.get_by_role("button", name="联系客服").click()
        self.send("你好，我想问一下发货时间", limit=15)
        conversation = self.merchant.locator("[data-chat-session-list] li").filter(has_text=nickname)
        expect(conversation).to_be_visible()  # live, without a reload: the push crossed processes through Redis
        expect(conversation.locator(".chat-unread")).to_be_visible()
        conversation.locator("a").first.click()  # the conversation itself: its messages are listed
        self.merchant_sees("你好，我想问一下发货时间")
        self.merchant_online()

    @property
    def box(self):
        return self.buyer.get_by_label("输入消息")

    def buyer_messages(self, text: str):
        return self.buyer.locator("[data-chat-messages] .chat-body").filter(has_text=text)

    def send(self, text: str, *, limit: float) -> int:
        """The buyer sends ``text`` the way a person does: press 发送; while the widget is not
        connected it refuses and keeps the text; a message lost on a dying socket comes back into
        the box on reconnection — press again. Done when the widget shows the message (the
        server's echo: it is stored). Returns how many presses it took."""
        deadline = time.monotonic() + limit
        self.box.fill(text)
        presses = 0
        while True:
            if self.box.input_value() == text:
                self.buyer.get_by_role("button", name="发送").click()
                presses += 1
            self.buyer.wait_for_timeout(200)
            if self.buyer_messages(text).count():
                return presses
            if time.monotonic() > deadline:
                raise AssertionError(f"the buyer's message {text!r} was not shown as sent within {limit:.0f} s "
                                     f"({presses} presses; box: {self.box.input_value()!r})")

    def merchant_messages(self, text: str):
        return self.merchant.locator("[data-chat-messages] .chat-body").filter(has_text=text)

    def merchant_sees(self, text: str, timeout_ms: int = 15_000) -> None:
        try:
            self.expect(self.merchant_messages(text)).to_have_count(1, timeout=timeout_ms)
        except AssertionError as exc:
            from shop_sim.models import ChatMessage

            rows = list(ChatMessage.objects.filter(body=text).values_list("id", "session_id"))
            shown = self.merchant.locator("[data-chat-messages] li").evaluate_all(
                "items => items.map(li => li.getAttribute('data-message-id'))")
            raise AssertionError(f"the merchant's open page does not show {text!r} once: stored as {rows}; "
                                 f"page {self.merchant.url} shows ids {shown}; indicator "
                                 f"{self.merchant.locator('[data-chat-conn]').inner_text()!r}") from exc

    def merchant_online(self, timeout_ms: int = 15_000) -> None:
        self.expect(self.merchant.locator("[data-chat-conn]")).to_have_text(ONLINE, timeout=timeout_ms)

    def merchant_offline(self, timeout_ms: int = 15_000) -> None:
        self.expect(self.merchant.locator("[data-chat-conn]")).to_contain_text(OFFLINE, timeout=timeout_ms)


def _chat_message_count(shop: FaultShop, body: str) -> int:
    from shop_sim.models import ChatMessage

    return ChatMessage.objects.filter(sandbox_id=shop.sandbox_id, body=body).count()


# ---------------------------------------------------------------------------------------------
# the scenarios


def redis_restart(shop: FaultShop, *, database_url: str, work_dir: Path, outage_s: float = 2.0,
                  run: int = 0) -> dict:
    """SIGKILL Redis under connected chat clients, start it again on the same port; see the module doc."""
    from shop_sim.models import Customer
    from shop_sim.services.chat import chat_buyer_message

    work_dir.mkdir(parents=True, exist_ok=True)
    stored_offline = f"连接中断期间客户留言{run}"
    typed_offline = f"Redis停止时输入的消息{run}"
    after = f"恢复后的新消息{run}"
    with RedisServer(work_dir) as redis, \
            production_stack(database_url=database_url, redis_url=redis.url, media=work_dir / "media",
                             log_dir=work_dir, webs=2, workers=0) as stack, chromium() as browser:
        web1, web2 = stack.urls
        chat = ChatPair(browser, shop, merchant_base=web2, buyer_base=web1, nickname=f"断线买家{run}")
        assert healthz(web1)[0] == 200, "the stack was not healthy before the fault"

        redis.kill()
        killed = time.monotonic()
        status, body = healthz(web1)
        if status != 503 or not str(body.get("channel_layer", "")).startswith("error"):
            raise AssertionError(f"/healthz with Redis down answered {status} {body}, expected 503 naming the "
                                 f"channel layer")
        if body.get("database") != "ok":
            raise AssertionError(f"/healthz blamed the database for a Redis outage: {body}")
        chat.merchant_offline()  # the page says so instead of pretending to be live
        offline_seen_s = time.monotonic() - killed

        # A message typed while Redis is down: refused visibly, or stored and shown — never lost.
        # (A socket that has not noticed the outage yet takes it, and gives it back when it closes.)
        chat.box.fill(typed_offline)
        chat.buyer.get_by_role("button", name="发送").click()
        kept, error_text, until = None, "", time.monotonic() + 10
        while kept is None and time.monotonic() < until:
            chat.buyer.wait_for_timeout(100)
            error_text = chat.buyer.locator("[data-chat-error]").inner_text().strip()
            if chat.buyer_messages(typed_offline).count():
                kept = False
            elif chat.box.input_value() == typed_offline and error_text:
                kept = True
        if kept is None:
            raise AssertionError(f"a message sent with Redis down was neither shown as sent nor given back with a "
                                 f"reason within 10 s (box {chat.box.input_value()!r}, error {error_text!r})")
        # A message stored while nobody could be told (a scripted buyer, the POST fallback: the
        # push fails and is only logged): the merchant's page must get it when it reconnects.
        customer = Customer.objects.get(sandbox_id=shop.sandbox_id, nickname=chat.nickname)
        chat_buyer_message(sandbox=customer.sandbox, customer=customer, body=stored_offline)
        processes_alive(stack, "the Redis outage")

        remaining = outage_s - (time.monotonic() - killed)
        if remaining > 0:
            time.sleep(remaining)
        redis.start()
        restored = time.monotonic()
        outage = restored - killed
        health_s, health_failed = healthz_wait(stack.urls, restored)

        chat.merchant_sees(stored_offline, timeout_ms=int(RECOVERY_LIMIT_S * 1000))  # synced, no reload
        synced_s = time.monotonic() - restored
        chat.merchant_online()
        presses = chat.send(typed_offline, limit=RECOVERY_LIMIT_S) if kept else 0  # the buyer presses 发送 again
        presses += chat.send(after, limit=RECOVERY_LIMIT_S)
        chat.merchant_sees(after, timeout_ms=int(RECOVERY_LIMIT_S * 1000))
        chat_s = time.monotonic() - restored
        chat.merchant_sees(typed_offline)  # shown once, whichever way it went
        processes_alive(stack, "the Redis restart")
    counts = {body: _chat_message_count(shop, body) for body in (typed_offline, stored_offline, after)}
    if counts != {typed_offline: 1, stored_offline: 1, after: 1}:
        raise AssertionError(f"every message must be stored exactly once: {counts}")
    return {"outage_s": round(outage, 2), "offline_shown_s": round(offline_seen_s, 2),
            "healthz_recovery_s": round(health_s, 2), "healthz_failed_after_restore": health_failed,
            "missed_message_synced_s": round(synced_s, 2),
            "chat_recovery_s": round(chat_s, 2), "presses_after_restore": presses,
            "typed_during_outage": "refused, kept in the box: " + error_text if kept else "stored and shown"}


def database_outage(shop: FaultShop, *, database_url: str, redis_url: str, work_dir: Path, outage_s: float = 2.0,
                    run: int = 0, extra_env: dict | None = None) -> dict:
    """Cut the database under a merchant saving an order memo; see the module doc."""
    from playwright.sync_api import expect

    from shop_sim.models import Order, ShopEvent

    work_dir.mkdir(parents=True, exist_ok=True)
    memo = f"断库期间的备注{run}"
    target = urlsplit(database_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()

    def memo_events() -> int:
        return sum(1 for after in ShopEvent.objects.filter(sandbox_id=shop.sandbox_id, action="order.memo",
                                                           object_id=shop.order_id).values_list("after", flat=True)
                   if (after or {}).get("seller_memo") == memo)

    try:
        with production_stack(database_url=proxy.url(database_url), redis_url=redis_url, media=work_dir / "media",
                              log_dir=work_dir, webs=1, workers=1, extra_env=extra_env) as stack, \
                chromium() as browser:
            web = stack.urls[0]
            page = new_page(browser)
            login(page, web, shop.username)
            order_page = f"{web}/console/orders/{shop.order_id}/"
            page.goto(order_page)
            page.get_by_label("卖家备注").fill(memo)

            open_connections = proxy.cut()
            cut = time.monotonic()
            with page.expect_response(lambda r: r.request.method == "POST") as posted:
                page.get_by_role("button", name="保存备注").click()
            error_page_s = time.monotonic() - cut  # how long the person waits for the answer
            if posted.value.status != 503:
                raise AssertionError(f"saving with the database down answered {posted.value.status}, expected 503")
            expect(page.get_by_text(DB_DOWN_TEXT)).to_be_visible()
            content = page.content()
            for leak in ("Traceback", "Server Error", "OperationalError", "psycopg"):
                if leak in content:
                    raise AssertionError(f"the outage page shows {leak!r}: a raw error, not the 503 page")
            status, body = healthz(web)
            if status != 503 or not str(body.get("database", "")).startswith("error"):
                raise AssertionError(f"/healthz with the database down answered {status} {body}")
            processes_alive(stack, "the database outage")
            if Order.objects.filter(pk=shop.order_id, seller_memo=memo).exists() or memo_events():
                raise AssertionError("the refused save left a partial write (order row or journal event)")

            remaining = outage_s - (time.monotonic() - cut)
            if remaining > 0:
                time.sleep(remaining)
            proxy.restore()
            restored = time.monotonic()
            health_s, health_failed = healthz_wait([web], restored)
            page.goto(order_page)  # the person goes back and does it again
            page.get_by_label("卖家备注").fill(memo)
            with page.expect_response(lambda r: r.request.method == "POST") as retried:
                page.get_by_role("button", name="保存备注").click()
            expect(page.locator("dd.memo")).to_have_text(memo)
            write_s = time.monotonic() - restored
            if retried.value.status >= 400:
                raise AssertionError(f"the retry answered {retried.value.status}")
            worker_alive = all(p.poll() is None for p in stack.workers)
            processes_alive(stack, "the database restore")
    finally:
        proxy.close()
    if not Order.objects.filter(pk=shop.order_id, seller_memo=memo).exists():
        raise AssertionError("the retried memo is not in the database")
    if memo_events() != 1:
        raise AssertionError(f"the retried save must be journalled once, found {memo_events()} events")
    return {"outage_s": round(restored - cut, 2), "connections_cut": open_connections,
            "error_page_s": round(error_page_s, 2),
            "healthz_recovery_s": round(health_s, 2), "healthz_failed_after_restore": health_failed,
            "first_write_s": round(write_s, 2), "worker_survived": worker_alive}


def web_replica_restart_chat(shop: FaultShop, *, database_url: str, redis_url: str, work_dir: Path,
                             run: int = 0) -> dict:
    """SIGKILL the replica serving the merchant's chat page and start it again: the page's socket
    reconnects by itself and a buyer's message arrives without a reload."""
    work_dir.mkdir(parents=True, exist_ok=True)
    after = f"副本重启后的消息{run}"
    with production_stack(database_url=database_url, redis_url=redis_url, media=work_dir / "media",
                          log_dir=work_dir, webs=2, workers=0) as stack, chromium() as browser:
        web1, web2 = stack.urls
        chat = ChatPair(browser, shop, merchant_base=web2, buyer_base=web1, nickname=f"重启副本买家{run}")
        os.kill(stack.webs[1].pid, signal.SIGKILL)
        stack.webs[1].wait(timeout=10)
        killed = time.monotonic()
        chat.merchant_offline()
        stack.web_restart(1)
        restarted = time.monotonic()
        chat.merchant_online(timeout_ms=int(RECOVERY_LIMIT_S * 1000))
        online_s = time.monotonic() - restarted
        chat.send(after, limit=RECOVERY_LIMIT_S)
        chat.merchant_sees(after, timeout_ms=int(RECOVERY_LIMIT_S * 1000))
        chat_s = time.monotonic() - restarted
        processes_alive(stack, "the replica restart")
    if _chat_message_count(shop, after) != 1:
        raise AssertionError("the message after the restart must be stored once")
    return {"down_s": round(restarted - killed, 2), "reconnected_s": round(online_s, 2),
            "chat_recovery_s": round(chat_s, 2)}


def web_replica_kill(shop: FaultShop, *, database_url: str, redis_url: str, work_dir: Path, run: int = 0,
                     env_extra: dict | None = None) -> dict:
    """Two replicas share sessions and chat; replica 1 acknowledges a memo and is SIGKILLed;
    replica 2 has it and serves on. Returns the seconds from the kill to replica 2 showing it."""
    from playwright.sync_api import expect

    from shop_sim.models import Order

    work_dir.mkdir(parents=True, exist_ok=True)
    memo = f"副本一确认保存{run}"
    with production_stack(database_url=database_url, redis_url=redis_url, media=work_dir / "media",
                          log_dir=work_dir, webs=2, workers=0, extra_env=env_extra) as stack, \
            chromium() as browser:
        web1, web2 = stack.urls
        # one session on each replica; chat crosses replicas (buyer on web1, merchant on web2)
        chat = ChatPair(browser, shop, merchant_base=web2, buyer_base=web1, nickname=f"跨副本的买家{run}")
        page = new_page(browser)
        login(page, web1, shop.username)
        page.goto(f"{web1}/console/orders/{shop.order_id}/")
        page.get_by_label("卖家备注").fill(memo)
        page.get_by_role("button", name="保存备注").click()
        expect(page.locator("dd.memo")).to_have_text(memo)  # acknowledged by web1
        os.kill(stack.webs[0].pid, signal.SIGKILL)
        killed = time.monotonic()
        chat.merchant.goto(f"{web2}/console/orders/{shop.order_id}/")
        expect(chat.merchant.locator("dd.memo")).to_have_text(memo)
        served_s = time.monotonic() - killed
        if stack.webs[1].poll() is not None:
            raise AssertionError("replica 2 died with replica 1")
    if not Order.objects.filter(pk=shop.order_id, seller_memo=memo).exists():
        raise AssertionError("the acknowledged memo was lost")
    return {"served_by_other_replica_s": round(served_s, 2)}


@contextmanager
def _silent_server():
    """A TCP server that accepts connections and never answers: a site that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        server.close()


def grading_worker_kill(candidate, *, database_url: str, redis_url: str, work_dir: Path, catalog: Path,
                        stale_seconds: int = 3, wait_s: float = 90) -> dict:
    """SIGKILL a grading worker while it waits on a page check; once the job is stale the clock's
    recovery queues it again and another worker grades it: one report, version 1. The caller sets
    SCENARIO_CATALOG_DIR=``catalog``, MEDIA_ROOT, GRADING_STALE_SECONDS=``stale_seconds`` and the
    database task backend in this process (the test's ``settings`` fixture, the bench's override)."""
    from django_tasks_db.models import DBTaskResult

    from sandbox.runtime.models import AttemptReport
    from sandbox.runtime.services import attempt_start, attempt_submit
    from sandbox.runtime.tasks import grade_attempt_task, grading_jobs_recover

    work_dir.mkdir(parents=True, exist_ok=True)
    media = work_dir / "media"
    media.mkdir(exist_ok=True)
    attempt = attempt_start(candidate=candidate, scenario_slug="ship-memo-ui", seed=2)
    attempt_submit(attempt=attempt, actor=candidate)
    grade_attempt_task.enqueue(attempt.pk)
    with _silent_server() as hanging_site:
        env = stack_env(database_url=database_url, redis_url=redis_url, catalog=catalog, media=media,
                        grader_base_url=hanging_site, extra={"GRADING_STALE_SECONDS": stale_seconds})
        worker = subprocess.Popen(worker_command("doomed"), cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                                  stderr=(work_dir / "doomed.log").open("w"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not DBTaskResult.objects.filter(status="RUNNING").exists():
            time.sleep(0.2)
        if not DBTaskResult.objects.filter(status="RUNNING").exists():
            worker.kill()
            raise AssertionError("the worker never took the job")
        time.sleep(1.5)  # Chromium is up and waiting on the silent site
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    killed = time.monotonic()
    if grading_jobs_recover() != []:
        raise AssertionError("a job was recovered before it was stale")
    time.sleep(stale_seconds + 0.5)
    if grading_jobs_recover() != [attempt.pk]:
        raise AssertionError("the stale job was not queued again")
    with production_stack(database_url=database_url, redis_url=redis_url, media=media, log_dir=work_dir, webs=1,
                          workers=1, catalog=catalog, extra_env={"GRADING_STALE_SECONDS": stale_seconds}):
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and not AttemptReport.objects.filter(attempt=attempt).exists():
            time.sleep(0.5)
    graded_s = time.monotonic() - killed
    versions = list(AttemptReport.objects.filter(attempt=attempt).values_list("version", flat=True))
    if versions != [1]:
        raise AssertionError(f"the attempt must be graded exactly once, report versions: {versions}")
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    if statuses != ["FAILED", "SUCCESSFUL"]:
        raise AssertionError(f"queue jobs: {statuses}, expected the killed one FAILED and its re-run SUCCESSFUL")
    return {"graded_after_kill_s": round(graded_s, 2), "stale_seconds": stale_seconds}


# ---------------------------------------------------------------------------------------------
# the bench


SCENARIOS = ("redis_restart", "database_outage", "database_outage_persistent", "database_outage_pool",
             "web_replica_restart_chat", "web_replica_kill", "grading_worker_kill")
DATABASE_VARIANTS = {  # the stack's connection settings for each database_outage variant
    "database_outage": {"DATABASE_CONN_MAX_AGE": 0},
    "database_outage_persistent": {"DATABASE_CONN_MAX_AGE": 60},
    "database_outage_pool": {"DATABASE_POOL": 1},
}
FIGURES = {  # the recovery figure of each scenario the table summarises
    "redis_restart": ["healthz_recovery_s", "missed_message_synced_s", "chat_recovery_s"],
    "database_outage": ["error_page_s", "healthz_recovery_s", "first_write_s"],
    "database_outage_persistent": ["error_page_s", "healthz_recovery_s", "first_write_s"],
    "database_outage_pool": ["error_page_s", "healthz_recovery_s", "first_write_s"],
    "web_replica_restart_chat": ["reconnected_s", "chat_recovery_s"],
    "web_replica_kill": ["served_by_other_replica_s"],
    "grading_worker_kill": ["graded_after_kill_s"],
}


def _summary(results: dict[str, list[dict]]) -> dict:
    summary = {}
    for name, runs in results.items():
        for figure in FIGURES[name]:
            values = [run[figure] for run in runs if isinstance(run.get(figure), (int, float))]
            if values:
                summary[f"{name}.{figure}"] = {"runs": len(values), "min": min(values),
                                               "median": round(statistics.median(values), 2), "max": max(values)}
    return summary


def table(summary: dict, failures: dict) -> str:
    lines = [f"{'scenario / figure (s)':58} {'runs':>4} {'min':>7} {'median':>7} {'max':>7}"]
    for key, row in summary.items():
        lines.append(f"{key:58} {row['runs']:>4} {row['min']:>7.2f} {row['median']:>7.2f} {row['max']:>7.2f}")
    for name, errors in failures.items():
        for error in errors:
            lines.append(f"FAILED {name}: {error}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import BENCH_DIR, _prepare_environment
    from bench.exam_start import bench_database

    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each scenario once")
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario (default 5; --quick: 1)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {', '.join(SCENARIOS)}")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else max(args.runs, 1)
    only = [name for name in args.only.split(",") if name] or list(SCENARIOS)
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/faults")
    if not _prepare_environment():
        parser.error("the fault bench needs PostgreSQL: DATABASE_URL=postgres://…")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop here
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.db import connection
    from django.test.utils import override_settings

    from bench.machine import machine_info

    work = BENCH_DIR / "faults"
    results: dict[str, list[dict]] = {name: [] for name in only}
    failures: dict[str, list[str]] = {}
    load_before = os.getloadavg()
    with bench_database(postgres=True), RedisServer(BENCH_DIR) as redis:
        database_url = database_url_of(connection.settings_dict)
        print(f"fault bench database: {connection.settings_dict['NAME']}, redis {redis.url}", flush=True)
        machine = machine_info()  # reads the database server's version: while the bench database exists
        try:
            for run in range(runs):
                for name in only:
                    run_dir = work / f"{name}-{run}"
                    started = time.monotonic()
                    try:
                        if name == "grading_worker_kill":
                            figures = _bench_grading_worker_kill(run, database_url, redis.url, run_dir,
                                                                 override_settings)
                        else:
                            shop = fault_shop(f"fault_{name}_{run}", seed=12 + run)
                            kwargs = {"database_url": database_url, "work_dir": run_dir, "run": run}
                            if name != "redis_restart":
                                kwargs["redis_url"] = redis.url
                            function = database_outage if name in DATABASE_VARIANTS else globals()[name]
                            if name in DATABASE_VARIANTS:
                                kwargs["extra_env"] = DATABASE_VARIANTS[name]
                            figures = function(shop, **kwargs)
                    except Exception as exc:  # noqa: BLE001 — one scenario's failure is reported, the bench goes on
                        error = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
                        if not isinstance(exc, AssertionError):
                            traceback.print_exc()
                        failures.setdefault(name, []).append(f"run {run}: {error}")
                        print(f"{name} run {run}: FAILED {error}", flush=True)
                        continue
                    figures["wall_s"] = round(time.monotonic() - started, 1)
                    results[name].append(figures)
                    print(f"{name} run {run}: {figures}", flush=True)
        finally:
            other_backends_terminate()
    summary = _summary(results)
    report = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "quick": args.quick,
              "runs": runs, "machine": machine, "load_before": load_before, "load_after": os.getloadavg(),
              "summary": summary, "runs_detail": results, "failures": failures}
    print()
    print(table(summary, failures))
    out = BENCH_DIR / ("faults-quick.json" if args.quick else "faults.json")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nresults written to {out.relative_to(BASE_DIR)}")
    return 1 if failures else 0


def _bench_grading_worker_kill(run: int, database_url: str, redis_url: str, run_dir: Path, override_settings):
    import shutil

    from django.contrib.auth import get_user_model
    from django_tasks_db.models import DBTaskResult

    from sandbox.accounts.roles import roles_sync

    catalog = run_dir / "catalog"
    shutil.rmtree(catalog, ignore_errors=True)
    shutil.copytree(BASE_DIR / "tests" / "e2e" / "scenario_fixtures" / "ship-memo-ui", catalog / "ship-memo-ui")
    (run_dir / "media").mkdir(parents=True, exist_ok=True)
    candidate = get_user_model().objects.create_user(username=f"fault_grading_{run}", password=PASSWORD)
    candidate.groups.add(roles_sync()["candidate"])
    DBTaskResult.objects.all().delete()  # the scenario counts the queue's jobs
    with override_settings(SCENARIO_CATALOG_DIR=str(catalog), MEDIA_ROOT=str(run_dir / "media"),
                           GRADING_STALE_SECONDS=3,
                           TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        return grading_worker_kill(candidate, database_url=database_url, redis_url=redis_url, work_dir=run_dir,
                                   catalog=catalog, stale_seconds=3)


if __name__ == "__main__":
    sys.exit(main())
