"""Chromium for grading: one browser per worker; page checks in one long-lived tab, wiped per attempt.

Launching Chromium costs about half a second (more on a busy machine); a browser context costs tens
of milliseconds (its first page ~0.15 s) and shares nothing (cookies, storage, cache) with other
contexts. So a grading worker keeps one ``BrowserPool``
(one Chromium, launched on first use) and opens a ``BrowserSession`` per attempt. Page checks go
through ``BrowserSession.check_page`` to the pool's ``CheckBrowser`` (autograder.pages): one context
and page kept for the worker's life, switched between identities (the anonymous buyer, a named
buyer, the candidate) by parking and restoring cookie jars, and wiped when the session closes — the
renderer processes of a context per attempt were over half of grading's Chromium CPU.
``BrowserSession.page`` still gives Playwright pages in a context per identity, for reference
solutions that drive the UI.

With ``GRADER_WEBDRIVER_URL`` set, ``shared_pool()`` is a ``WebDriverPool``: the page checks run in a
Chromium behind that WebDriver endpoint (a Selenium Grid, a chromedriver) instead of a local one.

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

import logging
import os
import threading
from importlib import import_module
from typing import Any

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

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
                 headless: bool = True, browser: Any = None, keep_context: bool | None = None):
        self.keep_context = _setting("GRADER_KEEP_BROWSER_CONTEXT", True) if keep_context is None else keep_context
        self._checks = None
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

    def checks(self):
        """The pool's ``CheckBrowser`` for page checks (one context and page, kept)."""
        self._check_owner()
        if self._checks is None:
            from autograder.pages import PlaywrightChecks

            self._checks = PlaywrightChecks(self)
        return self._checks

    def close(self) -> None:
        """Close Chromium and Playwright (only what this pool launched)."""
        if self._thread_id is not None and self._thread_id != threading.get_ident():
            raise RuntimeError("BrowserPool must be closed by the thread that created it")
        try:
            if self._checks is not None:
                checks, self._checks = self._checks, None
                checks.close()
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


class WebDriverPool:
    """Page checks in a Chromium behind a W3C WebDriver endpoint (``GRADER_WEBDRIVER_URL``): a
    Selenium Grid of Chrome nodes, or a chromedriver. One session per worker, kept and wiped per
    attempt like the local tab. Reference solutions need Playwright and a ``BrowserPool``."""

    keep_context = True

    def __init__(self, url: str, *, args: tuple[str, ...] = CHROMIUM_ARGS, binary: str | None = None):
        from autograder.pages import WebDriverChecks

        self.url = url
        self._checks = WebDriverChecks(url, args=args, binary=binary)
        self._pid = os.getpid()

    @property
    def launches(self) -> int:
        return self._checks.sessions_created

    @property
    def started(self) -> bool:
        return self._checks._page is not None

    def browser(self):
        """Connect now (a grading job fails early, with the reason, when the endpoint is down)."""
        return self._checks.started().driver

    def checks(self):
        return self._checks

    def new_context(self, **options):
        raise RuntimeError("a WebDriver pool serves page checks only; solution scripts need a BrowserPool")

    def close(self) -> None:
        self._checks.close()

    def __enter__(self) -> WebDriverPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _setting(name: str, default):
    from django.conf import settings

    return getattr(settings, name, default)


_local = threading.local()


def shared_pool() -> BrowserPool | WebDriverPool:
    """The calling thread's pool (a grading worker grades in one thread: one Chromium per process):
    a WebDriver endpoint's when ``GRADER_WEBDRIVER_URL`` is set, else a local Chromium."""
    pool = getattr(_local, "pool", None)
    if pool is None or pool._pid != os.getpid():
        url = _setting("GRADER_WEBDRIVER_URL", "")
        pool = _local.pool = WebDriverPool(url) if url else BrowserPool()
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
        self._jars: dict[tuple[str, str], list[dict]] = {}
        self._checks = None
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

    def _identity(self, as_role: str, buyer_nickname: str | None) -> tuple[str, str]:
        if self.closed:
            raise RuntimeError("BrowserSession is closed")
        if as_role not in ROLES:
            raise ValueError(f"as_role must be one of {ROLES}, not {as_role!r}")
        if as_role == "candidate" and buyer_nickname:
            raise ValueError("buyer_nickname is only for the buyer role")
        return (as_role, buyer_nickname or "")

    def _identity_session(self, key: tuple[str, str]) -> str | None:
        as_role, buyer_nickname = key
        if as_role == "candidate":
            return self._candidate_session()
        if buyer_nickname:
            return self._buyer_session(buyer_nickname)
        return None

    def check_page(self, as_role: str = "buyer", *, buyer_nickname: str | None = None):
        """The tab a page check uses (an ``autograder.pages.CheckPage``), as the given identity.

        Same identities and errors as ``page()``. All page checks of the attempt share the pool's
        one tab; ``close()`` wipes it. A pool with ``keep_context=False`` gives ``page()``'s
        per-identity contexts instead (the behaviour before, kept as a fallback and for the bench).
        """
        key = self._identity(as_role, buyer_nickname)
        if not self.pool.keep_context:
            from autograder.pages import PlaywrightPage

            return PlaywrightPage(self.page(as_role, buyer_nickname=buyer_nickname))
        jar = self._jars.get(key)
        if jar is None:
            session_key = self._identity_session(key)  # raises for an identity that cannot exist
            jar = self._jars[key] = [self._session_cookie(session_key)] if session_key else []
        self._checks = self.pool.checks()
        return self._checks.page(identity=(self.base_url, *key), cookies=jar)

    def page(self, as_role: str = "buyer", *, buyer_nickname: str | None = None):
        """The Playwright page of one identity, created on first use and reused for the rest of the
        attempt (its own browser context).

        ``buyer`` is an anonymous shopper unless ``buyer_nickname`` names an existing customer of
        the sandbox (for pages such as 我的订单); ``candidate`` is the sandbox owner in the console.
        Raises ``BrowserSessionError`` when that identity cannot exist (no owner, unknown buyer).
        """
        key = self._identity(as_role, buyer_nickname)
        page = self._pages.get(key)
        if page is not None and not page.is_closed():
            return page
        context = self._contexts.get(key)
        if context is None:
            # made first: an identity that cannot exist leaves no context behind
            session_key = self._identity_session(key)
            context = self._contexts[key] = self.pool.new_context(base_url=self.base_url)
            if session_key:
                context.add_cookies([self._session_cookie(session_key)])
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

    def _session_cookie(self, session_key: str) -> dict:
        from django.conf import settings

        return {"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": self.base_url + "/",
                "httpOnly": True, "sameSite": "Lax"}

    # -- end --------------------------------------------------------------------------------

    def close(self) -> None:
        """Wipe the page checks' tab, close every context of the attempt and delete the grader's
        Django sessions."""
        if self.closed:
            return
        self.closed = True
        errors = []
        if self._checks is not None:
            try:
                self._checks.reset()
            except Exception:  # the tab is suspect now: the next attempt gets a new one
                logger.warning("wiping the grading tab failed; it is closed instead", exc_info=True)
                self._checks.close()
            self._checks = None
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
