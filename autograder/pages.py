"""The page port: everything a ``page`` check does with a browser tab, and its two adapters.

A page check opens one URL and asks questions about it (visible text, counts of elements found by
Playwright selectors, a function evaluated over matched elements, a wait, a screenshot). That
surface is ``CheckPage``; the browser behind it is either

* ``PlaywrightChecks`` (default): a local Chromium owned by the worker's ``BrowserPool``, with ONE
  long-lived browser context and page reused attempt after attempt. Creating a context per attempt
  was over half of grading's browser CPU (every context spawns renderer processes); reusing one is
  safe because ``reset()`` wipes cookies, local/session storage, IndexedDB, cache storage, service
  workers and the HTTP cache (tests/e2e/test_grading_pages.py proves an attempt sees nothing of the
  one before);
* ``WebDriverChecks``: a Chromium behind any W3C WebDriver endpoint (a Selenium Grid of Chrome
  nodes, a standalone chromedriver), so a deployment adds browser nodes instead of workers. It
  needs Chromium's DevTools commands (``goog/cdp/execute``) for the wipe, cookies and viewport.

Selectors are Playwright selector strings on both sides (CSS, ``internal:role=…``, ``internal:text=
…``): the WebDriver adapter evaluates them with Playwright's own injected selector engine, taken
from the installed Playwright package, so a role or text is found by the same rules whichever
browser grades — the verdicts cannot drift apart between adapters.

Identities: an attempt looks at pages as several people (anonymous buyer, a named buyer, the
candidate). They share the one tab; switching identity parks the current cookie jar, wipes the
browser state and restores the next identity's jar, which is what separate contexts gave before.
"""

from __future__ import annotations

import ast
import base64
import json
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from playwright._impl.isomorphic.locator_utils import get_by_role_selector, get_by_text_selector

# Where the tab rests between attempts: the site's liveness probe, a plain "ok" without scripts,
# cookies or database work (any path of the origin would do).
REST_PATH = "/healthz/live"
JPEG_QUALITY = 80  # a page stays legible and encodes several times faster than PNG
SCRIPT_TIMEOUT_SECONDS = 30
WIPE_RETRIES = 20
WIPE_RETRY_SECONDS = 0.05


class PageError(Exception):
    """The browser could not do what was asked (navigation failed, a script threw, a timeout)."""


# -- selectors (Playwright's syntax, understood by both adapters) --------------------------------

def role_selector(role: str, *, name: str | None = None, exact: bool = False, level: int | None = None) -> str:
    return get_by_role_selector(role, name=name, exact=exact, level=level)


def text_selector(text: str) -> str:
    return get_by_text_selector(text)


def first_of(*selectors: str) -> str:
    """The first element, in document order, matched by any of ``selectors``."""
    head, *rest = selectors
    return head + "".join(f" >> internal:or={json.dumps(s, ensure_ascii=False)}" for s in rest) + " >> nth=0"


# -- the port ----------------------------------------------------------------------------------

class CheckPage(Protocol):
    """One browser tab as a page check uses it."""

    @property
    def url(self) -> str: ...

    def set_viewport(self, width: int, height: int) -> None: ...

    def goto(self, url: str) -> int | None:
        """Load ``url`` (until the load event); the HTTP status of the document, None if unknown."""

    def count(self, selector: str) -> int: ...

    def inner_texts(self, selector: str) -> list[str]: ...

    def evaluate(self, function: str, arg: Any = None) -> Any:
        """``function(arg)`` in the page (a JavaScript function expression, may be async)."""

    def evaluate_all(self, selector: str, function: str, arg: Any = None) -> Any:
        """``function(elements, arg)`` over the elements ``selector`` matches (may be async)."""

    def wait_visible(self, selector: str, timeout_ms: int) -> bool: ...

    def screenshot(self, path: Path, *, full_page: bool = False) -> None:
        """A JPEG of the viewport (or the whole page) at ``path``."""


class CheckBrowser(Protocol):
    """A worker's long-lived browser for page checks: one tab, handed out per identity."""

    def page(self, *, identity: tuple, cookies: list[dict]) -> CheckPage:
        """The tab as ``identity``: its own cookie jar (``cookies`` the first time), nothing else."""

    def reset(self) -> None:
        """End of an attempt: nothing of it (cookies, storage, cache, open page) may survive."""

    def close(self) -> None: ...


class _IdentityTabs:
    """What both adapters share: one tab, cookie jars parked per identity, a wipe between them."""

    def __init__(self):
        self._identity: tuple | None = None
        self._jars: dict[tuple, list[dict]] = {}
        self._origins: set[str] = set()

    def page(self, *, identity: tuple, cookies: list[dict]) -> CheckPage:
        tab = self._tab()
        if identity == self._identity:
            return tab
        try:
            if self._identity is not None:
                self._jars[self._identity] = self._cookies()
                self._wipe()
        except Exception:  # a crashed tab: a new one holds nothing of anyone
            self._discard()
            tab = self._tab()
        self._identity = None
        jar = self._jars.get(identity, cookies)
        self._origins.update(_origin(c["url"]) for c in jar if c.get("url"))
        if jar:
            self._add_cookies(jar)
        if {c["name"] for c in self._cookies()} - {c["name"] for c in jar}:  # a late arrival after the wipe
            self._clear_cookies_and_cache()
            if jar:
                self._add_cookies(jar)
        self._identity = identity
        return tab

    def reset(self) -> None:
        if self._identity is not None:
            try:
                self._wipe()
            except Exception:  # a tab that could not be wiped is not handed to the next attempt
                self._discard()
            finally:
                self._identity = None
                self._jars.clear()

    def _wipe(self) -> None:
        """Leave the attempt's pages, then drop cookies, every kind of storage of the visited
        origins and the HTTP cache; the tab ends on ``REST_PATH`` of the origin it was on."""
        tab = self._tab()
        here = _origin(tab.url)
        # the origin the tab is on comes last: the tab rests there, in the same renderer process
        origins = sorted((o for o in self._origins | tab.visited | {here} if o), key=lambda o: (o == here, o))
        tab.visited.clear()
        if not origins:
            self._open("about:blank")
        for origin in origins:
            # Leave the attempt's page for an inert one of the same origin (its scripts stop, its
            # unload handlers run now, not after the wipe); sessionStorage belongs to the tab and is
            # reachable only from a document of its origin. about:blank would cost a renderer
            # process swap there and another on the way back.
            self._open(origin + REST_PATH)
            self._run_js("try { sessionStorage.clear(); } catch (e) {} window.name = '';")
        for origin in origins:
            self._clear_origin(origin)
        self._clear_cookies_and_cache()
        # A response still in flight from the attempt's pages can set a cookie after the clear
        # (seen: the candidate's csrftoken back in the jar the buyer got, about 1 run in 15); the
        # jar is empty before the next identity gets the tab, or the wipe fails.
        for _ in range(WIPE_RETRIES):
            if not self._cookies():
                break
            time.sleep(WIPE_RETRY_SECONDS)
            self._clear_cookies_and_cache()
        else:
            if self._cookies():
                raise PageError("cookies survived the wipe")
        self._origins.clear()

    # adapter hooks
    def _tab(self) -> CheckPage: raise NotImplementedError
    def _cookies(self) -> list[dict]: raise NotImplementedError
    def _add_cookies(self, cookies: list[dict]) -> None: raise NotImplementedError
    def _open(self, url: str) -> None: raise NotImplementedError
    def _run_js(self, script: str) -> None: raise NotImplementedError
    def _clear_origin(self, origin: str) -> None: raise NotImplementedError
    def _clear_cookies_and_cache(self) -> None: raise NotImplementedError
    def _discard(self) -> None: raise NotImplementedError


def _origin(url: str) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


# -- Playwright ------------------------------------------------------------------------------

class PlaywrightPage:
    """``CheckPage`` over a Playwright page; Playwright's errors come out as ``PageError``."""

    def __init__(self, page):
        self.page = page
        self.visited: set[str] = set()  # origins loaded, for the wipe at the end

    @property
    def url(self) -> str:
        return self.page.url

    def _call(self, method, *args, **kwargs):
        from playwright.sync_api import Error as PlaywrightError

        try:
            return method(*args, **kwargs)
        except PlaywrightError as exc:
            raise PageError(str(exc)) from exc

    def set_viewport(self, width: int, height: int) -> None:
        self._call(self.page.set_viewport_size, {"width": width, "height": height})

    def goto(self, url: str) -> int | None:
        self.visited.add(_origin(url))
        response = self._call(self.page.goto, url, wait_until="load")
        return response.status if response is not None else None

    def count(self, selector: str) -> int:
        return self._call(self.page.locator(selector).count)

    def inner_texts(self, selector: str) -> list[str]:
        return self._call(self.page.locator(selector).all_inner_texts)

    def evaluate(self, function: str, arg: Any = None) -> Any:
        return self._call(self.page.evaluate, function, arg)

    def evaluate_all(self, selector: str, function: str, arg: Any = None) -> Any:
        return self._call(self.page.locator(selector).evaluate_all, function, arg)

    def wait_visible(self, selector: str, timeout_ms: int) -> bool:
        try:
            self._call(self.page.locator(selector).wait_for, state="visible", timeout=timeout_ms)
            return True
        except PageError:
            return False

    def screenshot(self, path: Path, *, full_page: bool = False) -> None:
        self._call(self.page.screenshot, path=str(path), full_page=full_page, type="jpeg", quality=JPEG_QUALITY,
                   animations="disabled", caret="hide")


class PlaywrightChecks(_IdentityTabs):
    """The default ``CheckBrowser``: one context and page in the pool's Chromium, kept for the
    worker's life (re-made if Chromium crashed or the page was closed)."""

    def __init__(self, pool):
        super().__init__()
        self.pool = pool
        self._context = None
        self._page: PlaywrightPage | None = None
        self._cdp = None
        self.contexts_created = 0

    def _tab(self) -> PlaywrightPage:
        browser = self.pool.browser()  # launched again if Chromium crashed
        if self._page is None or self._page.page.is_closed() or self._context.browser is not browser:
            self._discard()
            self._context = self.pool.new_context()
            self._page = PlaywrightPage(self._context.new_page())
            self._cdp = self._context.new_cdp_session(self._page.page)
            self._identity = None  # a new context has no cookies: whoever comes next starts clean
            self.contexts_created += 1
        return self._page

    def _send(self, method: str, params: dict) -> Any:
        return self._cdp.send(method, params)

    def _cookies(self) -> list[dict]:
        return self._context.cookies()

    def _add_cookies(self, cookies: list[dict]) -> None:
        self._context.add_cookies(cookies)

    def _open(self, url: str) -> None:
        self._page.page.goto(url)

    def _run_js(self, script: str) -> None:
        self._page.page.evaluate(f"() => {{ {script} }}")

    def _clear_origin(self, origin: str) -> None:
        self._send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})

    def _clear_cookies_and_cache(self) -> None:
        self._context.clear_cookies()
        self._send("Network.clearBrowserCache", {})

    def _discard(self) -> None:
        context, self._context, self._page, self._cdp = self._context, None, None, None
        if context is not None:
            try:
                context.close()
            except Exception:  # a crashed browser took it already
                pass

    def close(self) -> None:
        self._identity = None
        self._jars.clear()
        self._discard()


# -- WebDriver -------------------------------------------------------------------------------

_INJECTED_GLOBAL = "__graderSelectors"
_MISSING = "__grader_selectors_missing__"


@lru_cache(maxsize=1)
def injected_script() -> str:
    """Playwright's selector engine as a script that installs itself as ``window.__graderSelectors``.

    The source ships inside the installed Playwright driver (the bundle the Playwright server
    injects into every page); it is read from there so both adapters run the same engine version.
    """
    import playwright

    bundle = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "coreBundle.js"
    text = bundle.read_text(encoding="utf-8")
    marker = text.find("injectedScriptSource.ts\"() {")
    start = text.find("= '", marker) + 2 if marker >= 0 else -1
    end = text.find("';\n", start)
    if marker < 0 or start < 2 or end < 0:
        raise RuntimeError(f"Playwright's injected script was not found in {bundle}; "
                           "the WebDriver adapter needs the Playwright version pinned in requirements.txt")
    source = ast.literal_eval(text[start:end + 1])
    options = {"isUnderTest": False, "sdkLanguage": "python", "testIdAttributeName": "data-testid",
               "stableRafCount": 1, "browserName": "chromium", "shouldPrependErrorPrefix": False,
               "isUtilityWorld": False, "customEngines": []}
    return (f"if (!window.{_INJECTED_GLOBAL}) {{ window.{_INJECTED_GLOBAL} = (() => {{ const module = {{}};\n"
            f"{source}\nreturn new (module.exports.InjectedScript())(globalThis, {json.dumps(options)}); }})(); }}")


def _wd_function(body: str) -> str:
    """A WebDriver async script: ``sel`` (the matched elements' query), the injected engine as ``S``;
    ``body`` produces a value or a promise; errors come back as data, not as a script timeout."""
    return f"""
    const done = arguments[arguments.length - 1];
    const S = window.{_INJECTED_GLOBAL};
    if (!S) {{ done({{"{_MISSING}": true}}); return; }}
    const all = sel => S.querySelectorAll(S.parseSelector(sel), document);
    const args = arguments;
    Promise.resolve().then(() => {body}).then(
      value => done({{ok: value === undefined ? null : value}}),
      error => done({{error: String((error && error.message) || error)}}));
    """


class WebDriverPage:
    """``CheckPage`` over a Selenium WebDriver session (Chromium: DevTools commands are used for the
    viewport and full-page screenshots)."""

    def __init__(self, driver):
        self.driver = driver
        self.visited: set[str] = set()

    @property
    def url(self) -> str:
        return self.driver.current_url

    def cdp(self, method: str, params: dict | None = None) -> Any:
        return self.driver.execute("executeCdpCommand", {"cmd": method, "params": params or {}})["value"]

    def _run(self, body: str, *args: Any) -> Any:
        from selenium.common.exceptions import WebDriverException

        script = _wd_function(body)
        try:
            result = self.driver.execute_async_script(script, *args)
            if isinstance(result, dict) and result.get(_MISSING):
                self.driver.execute_script(injected_script())
                result = self.driver.execute_async_script(script, *args)
        except WebDriverException as exc:
            raise PageError((exc.msg or str(exc)).strip()) from exc
        if not isinstance(result, dict) or _MISSING in result:
            raise PageError("the page's selector engine could not be installed")
        if "error" in result:
            raise PageError(result["error"])
        return result["ok"]

    def set_viewport(self, width: int, height: int) -> None:
        self.cdp("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False,
            "screenWidth": width, "screenHeight": height})

    def goto(self, url: str) -> int | None:
        from selenium.common.exceptions import WebDriverException

        self.visited.add(_origin(url))
        try:
            self.driver.get(url)
            status = self.driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0]; return n ? n.responseStatus : null;")
        except WebDriverException as exc:
            raise PageError((exc.msg or str(exc)).strip()) from exc
        return int(status) if status else None

    def count(self, selector: str) -> int:
        return self._run("all(args[0]).length", selector)

    def inner_texts(self, selector: str) -> list[str]:
        return self._run("all(args[0]).map(e => e.innerText)", selector)

    def evaluate(self, function: str, arg: Any = None) -> Any:
        return self._run(f"({function})(args[0])", arg)

    def evaluate_all(self, selector: str, function: str, arg: Any = None) -> Any:
        return self._run(f"({function})(all(args[0]), args[1])", selector, arg)

    def wait_visible(self, selector: str, timeout_ms: int) -> bool:
        body = """new Promise(resolve => {
          const deadline = Date.now() + args[1];
          const tick = () => {
            let seen = false;
            try { const el = all(args[0])[0]; seen = !!el && S.utils.isElementVisible(el); } catch (e) { seen = false; }
            if (seen || Date.now() > deadline) resolve(seen); else setTimeout(tick, 100);
          };
          tick();
        })"""
        try:
            return bool(self._run(body, selector, timeout_ms))
        except PageError:
            return False

    def screenshot(self, path: Path, *, full_page: bool = False) -> None:
        params: dict[str, Any] = {"format": "jpeg", "quality": JPEG_QUALITY}
        if full_page:
            size = self.evaluate("() => ({w: document.documentElement.scrollWidth, "
                                 "h: document.documentElement.scrollHeight})")
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": size["w"], "height": size["h"],
                                                            "scale": 1})
        try:
            data = self.cdp("Page.captureScreenshot", params)["data"]
        except Exception as exc:
            raise PageError(str(exc).strip()) from exc
        Path(path).write_bytes(base64.b64decode(data))


class WebDriverChecks(_IdentityTabs):
    """A ``CheckBrowser`` on a WebDriver endpoint: one session, kept; re-created when the endpoint
    dropped it (a grid ends idle sessions after its ``--session-timeout``)."""

    def __init__(self, url: str, *, args: tuple[str, ...] = (), binary: str | None = None):
        super().__init__()
        self.url = url
        self.args = list(args)
        self.binary = binary
        self._page: WebDriverPage | None = None
        self.sessions_created = 0

    def _options(self):
        from selenium.webdriver import ChromeOptions

        options = ChromeOptions()
        options.add_argument("--headless=new")
        for arg in self.args:
            options.add_argument(arg)
        if self.binary:
            options.binary_location = self.binary
        options.add_argument("--lang=zh-CN")
        options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
        return options

    def _connect(self) -> WebDriverPage:
        from selenium import webdriver
        from selenium.webdriver.chromium.remote_connection import ChromiumRemoteConnection

        connection = ChromiumRemoteConnection(self.url, vendor_prefix="goog", browser_name="chrome", keep_alive=True)
        driver = webdriver.Remote(command_executor=connection, options=self._options())
        driver.set_script_timeout(SCRIPT_TIMEOUT_SECONDS)
        driver.set_page_load_timeout(15)
        page = WebDriverPage(driver)
        page.cdp("Network.enable")
        self.sessions_created += 1
        return page

    def _alive(self) -> bool:
        try:
            self._page.driver.current_url  # noqa: B018 - a round trip: is the session still there?
            return True
        except Exception:
            return False

    def _tab(self) -> WebDriverPage:
        if self._page is None or (self._identity is None and not self._alive()):
            self._discard()
            self._page = self._connect()
            self._identity = None
        return self._page

    def started(self) -> WebDriverPage:
        return self._tab()

    def _cookies(self) -> list[dict]:
        cookies = self._page.cdp("Storage.getCookies")["cookies"]
        keep = ("name", "value", "domain", "path", "expires", "httpOnly", "secure", "sameSite")
        return [{k: c[k] for k in keep if k in c and not (k == "expires" and c[k] < 0)} for c in cookies]

    def _add_cookies(self, cookies: list[dict]) -> None:
        self._page.cdp("Storage.setCookies", {"cookies": cookies})

    def _open(self, url: str) -> None:
        self._page.driver.get(url)

    def _run_js(self, script: str) -> None:
        self._page.driver.execute_script(script)

    def _clear_origin(self, origin: str) -> None:
        self._page.cdp("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})

    def _clear_cookies_and_cache(self) -> None:
        self._page.cdp("Storage.clearCookies")
        self._page.cdp("Network.clearBrowserCache")

    def _discard(self) -> None:
        page, self._page = self._page, None
        if page is not None:
            try:
                page.driver.quit()
            except Exception:
                pass

    def close(self) -> None:
        self._identity = None
        self._jars.clear()
        self._discard()

