"""Chromium for grading: one browser per worker, one fresh browser context per attempt.

Launching Chromium costs about half a second (more on a busy machine); a browser context costs tens
of milliseconds (its first page ~0.15 s) and shares nothing (cookies, storage, cache) with other
contexts. So a grading worker keeps one ``BrowserPool``
(one Chromium, launched on first use) and opens a ``BrowserSession`` per attempt, which closes every
context it opened. Inside a session each identity (the anonymous buyer, a named buyer, the
candidate) gets its own context, because cookies are per context and the candidate's Django session
cookie must not make the "buyer" a logged-in merchant.

Thread affinity: Playwright's sync API objects (playwright, browser, context, page) may only be used
from the thread that created them. A pool belongs to the thread that first launches it and refuses
calls from any other thread; pages handed out by a session must stay in that thread too. A worker
process that grades in one thread therefore has exactly one Chromium.

The grader logs the browser in as the sandbox owner without the login form (see
``BrowserSession._candidate_session``): that shortcut lives only here, in the worker, and is never
reachable through any URL. It writes a row through Django's session engine, so the worker and the
web server must share the session store (the database backend, or a shared cache).

Once Playwright runs in a thread, Django's async-safety guard sees Playwright's private event loop
and refuses ORM calls in that thread; ``BrowserPool`` therefore sets ``DJANGO_ALLOW_ASYNC_UNSAFE``
when it launches (grading is synchronous, the loop only runs inside Playwright calls).
"""

from __future__ import annotations

import os
import threading
from importlib import import_module
from typing import Any

from django.utils.translation import gettext as _

CHROMIUM_PATH_DEFAULT = "/usr/bin/chromium"
# Flags that make Debian's Chromium work headless in containers and keep it off the network.
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
)
ROLES = ("buyer", "candidate")
LOCATOR_TIMEOUT_MS = 5_000  # a missing element costs at most this
NAVIGATION_TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1366, "height": 900}
GRADER_SESSION_SECONDS = 30 * 60  # the grader's own Django sessions expire soon even if never closed


class BrowserSessionError(Exception):
    """A page cannot be opened for a reason the scenario or the sandbox explains (not a crash)."""


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", CHROMIUM_PATH_DEFAULT)


class BrowserPool:
    """One Chromium, launched lazily, owned by one thread of one process.

    ``BrowserPool(browser=...)`` adopts a browser someone else launched (a test's session fixture);
    the pool then never closes it.
    """

    def __init__(self, *, executable_path: str | None = None, args: tuple[str, ...] = CHROMIUM_ARGS,
                 headless: bool = True, browser: Any = None):
        self.executable_path = executable_path or chromium_path()
        self.args = list(args)
        self.headless = headless
        self._playwright = None
        self._browser = browser
        self._owns_browser = browser is None
        self._thread_id: int | None = threading.get_ident() if browser is not None else None
        self._pid = os.getpid()
        self.launches = 0

    # -- ownership --------------------------------------------------------------------------

    def _check_owner(self) -> None:
        if os.getpid() != self._pid:
            raise RuntimeError("BrowserPool was created in another process; create one per worker process")
        if self._thread_id is None:
            self._thread_id = threading.get_ident()
        elif self._thread_id != threading.get_ident():
            raise RuntimeError("BrowserPool is used from a thread that did not create it; "
                               "Playwright's sync API is bound to one thread")

    @property
    def started(self) -> bool:
        return self._browser is not None

    def browser(self):
        """The pool's Chromium, launched now if needed (and again if it crashed)."""
        self._check_owner()
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if not self._owns_browser:
            raise RuntimeError("the adopted browser is no longer connected")
        # Playwright's sync API leaves its private event loop marked as running in this thread, which
        # Django's async-safety guard mistakes for async code and then refuses every ORM call. The
        # worker is synchronous (the loop only runs inside Playwright calls), so the guard is moot.
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        if self._playwright is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=self.executable_path, headless=self.headless, args=self.args,
        )
        self.launches += 1
        return self._browser

    def new_context(self, **options):
        """A fresh, isolated browser context with the grader's defaults (zh-CN, short timeouts)."""
        options = {"locale": "zh-CN", "viewport": dict(VIEWPORT), **options}
        context = self.browser().new_context(**options)
        context.set_default_timeout(LOCATOR_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        return context

    def close(self) -> None:
        """Close Chromium and Playwright (only what this pool launched)."""
        if self._thread_id is not None and self._thread_id != threading.get_ident():
            raise RuntimeError("BrowserPool must be closed by the thread that created it")
        try:
            if self._owns_browser and self._browser is not None:
                self._browser.close()
        finally:
            if self._owns_browser:
                self._browser = None
            if self._playwright is not None:
                self._playwright.stop()
                self._playwright = None

    def __enter__(self) -> BrowserPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_local = threading.local()


def shared_pool() -> BrowserPool:
    """The calling thread's pool (a grading worker grades in one thread: one Chromium per process)."""
    pool = getattr(_local, "pool", None)
    if pool is None or pool._pid != os.getpid():
        pool = _local.pool = BrowserPool()
    return pool


class BrowserSession:
    """The browser side of grading one attempt: pages as the buyer or the candidate, then nothing left.

    ``base_url`` is where the site is served (e.g. ``http://web:8000``); ``sandbox`` is the frozen
    sandbox being graded. Use as a context manager or call ``close()``.
    """

    def __init__(self, pool: BrowserPool, *, base_url: str, sandbox):
        self.pool = pool
        self.base_url = base_url.rstrip("/")
        self.sandbox = sandbox
        self._contexts: dict[tuple[str, str], Any] = {}
        self._pages: dict[tuple[str, str], Any] = {}
        self._session_keys: list[str] = []
        self.closed = False

    # -- URLs -------------------------------------------------------------------------------

    def storefront_url(self, sandbox=None, path: str = "") -> str:
        """``/s/<storefront_key>/`` + path. ``sandbox`` defaults to the graded one; a string as the
        first argument is taken as the path, so ``storefront_url("/item/1/")`` reads naturally."""
        if isinstance(sandbox, str):
            sandbox, path = None, sandbox
        sandbox = sandbox or self.sandbox
        return f"{self.base_url}/s/{sandbox.storefront_key}/{path.lstrip('/')}"

    def console_url(self, path: str = "") -> str:
        return f"{self.base_url}/console/{path.lstrip('/')}"

    # -- pages ------------------------------------------------------------------------------

    def page(self, as_role: str = "buyer", *, buyer_nickname: str | None = None):
        """The page of one identity, created on first use and reused for the rest of the attempt.

        ``buyer`` is an anonymous shopper unless ``buyer_nickname`` names an existing customer of
        the sandbox (for pages such as 我的订单); ``candidate`` is the sandbox owner in the console.
        Raises ``BrowserSessionError`` when that identity cannot exist (no owner, unknown buyer).
        """
        if self.closed:
            raise RuntimeError("BrowserSession is closed")
        if as_role not in ROLES:
            raise ValueError(f"as_role must be one of {ROLES}, not {as_role!r}")
        if as_role == "candidate" and buyer_nickname:
            raise ValueError("buyer_nickname is only for the buyer role")
        key = (as_role, buyer_nickname or "")
        page = self._pages.get(key)
        if page is not None and not page.is_closed():
            return page
        context = self._contexts.get(key)
        if context is None:
            session_key = None  # made first: an identity that cannot exist leaves no context behind
            if as_role == "candidate":
                session_key = self._candidate_session()
            elif buyer_nickname:
                session_key = self._buyer_session(buyer_nickname)
            context = self._contexts[key] = self.pool.new_context(base_url=self.base_url)
            if session_key:
                self._add_session_cookie(context, session_key)
        page = self._pages[key] = context.new_page()
        return page

    def _new_django_session(self, data: dict) -> str:
        from django.conf import settings

        store = import_module(settings.SESSION_ENGINE).SessionStore()
        for name, value in data.items():
            store[name] = value
        store.set_expiry(GRADER_SESSION_SECONDS)
        store.save(must_create=True)
        self._session_keys.append(store.session_key)
        return store.session_key

    def _candidate_session(self) -> str:
        """A Django session for the sandbox owner, made server-side as ``auth.login`` would make it.

        Grader-internal: the password is never needed or known, the session lives ``GRADER_SESSION_
        SECONDS`` at most and is deleted by ``close()``. It also pins the console to the graded
        sandbox (the owner may have others).
        """
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
        from django.utils.module_loading import import_string

        from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY

        owner_id = getattr(self.sandbox, "owner_id", None)
        owner = get_user_model().objects.filter(pk=owner_id).first() if owner_id else None
        if owner is None:
            raise BrowserSessionError(_("沙箱没有所有者，无法以考生身份打开后台页面"))
        # the first backend that can load a user
        backend = next(path for path in settings.AUTHENTICATION_BACKENDS
                       if hasattr(import_string(path), "get_user"))
        return self._new_django_session({
            SESSION_KEY: owner._meta.pk.value_to_string(owner),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: owner.get_session_auth_hash(),
            ACTIVE_SANDBOX_SESSION_KEY: self.sandbox.pk,
        })

    def _buyer_session(self, nickname: str) -> str:
        """A storefront session of an existing customer (with the shop's buyer pass, which exam
        shops require); grading never creates customers."""
        from shop_sim.models import Customer
        from shop_sim.storefront.buyer import buyer_session_data

        customer = Customer.objects.for_sandbox(self.sandbox).filter(nickname=nickname).first()
        if customer is None:
            raise BrowserSessionError(_("店铺中没有会员名为“%(name)s”的买家") % {"name": nickname})
        return self._new_django_session(buyer_session_data(self.sandbox, customer))

    def _add_session_cookie(self, context, session_key: str) -> None:
        from django.conf import settings

        context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": self.base_url + "/",
            "httpOnly": True, "sameSite": "Lax",
        }])

    # -- end --------------------------------------------------------------------------------

    def close(self) -> None:
        """Close every context of the attempt and delete the grader's Django sessions."""
        if self.closed:
            return
        self.closed = True
        errors = []
        for context in self._contexts.values():
            try:
                context.close()
            except Exception as exc:  # a crashed browser must not keep the sessions alive
                errors.append(exc)
        self._contexts.clear()
        self._pages.clear()
        if self._session_keys:
            from django.conf import settings

            engine = import_module(settings.SESSION_ENGINE)
            for key in self._session_keys:
                engine.SessionStore(session_key=key).delete()
            self._session_keys.clear()
        if errors:
            raise errors[0]

    def __enter__(self) -> BrowserSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
