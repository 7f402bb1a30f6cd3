"""Property-based fuzzing of every form a merchant can submit (hypothesis).

The forms are found the way a person finds them: every console page reachable by GET from the URL
conf (with this shop's own ids) is rendered and its <form>s are read from the HTML — so a new form is
fuzzed as soon as a page shows it. Each form is posted with generated values for its fields: empty,
huge, HTML/script, control and full-width characters, numbers out of range, random bytes as
uploads with misleading names. The rules: never a 500; a POST that is not accepted (anything but a
redirect) changes nothing in the shop — no row, no event, no file.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st

from fixtures.fingerprint import shop_fingerprint
from fixtures.generators import generate_shop
from shop_sim.models import ShopEvent, ShopFile
from tests.unit.test_isolation import _fill, _kwarg_names, _patterns

pytestmark = pytest.mark.django_db
EXAMPLES_PER_FORM = 6
NASTY = [
    "", " ", "0", "-1", "1e9", "99999999999999999999", "0.001", "NaN", "¥12.5", "１２３",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
    "最" * 400, "a" * 5000, "\x00\x01\x1f", "﻿BOM", "🙂" * 30, "DROP TABLE shop_sim_order;--", "2026-13-45",
]


class _Forms(HTMLParser):
    """The POST forms of a page: action, enctype, field names (with a sample of option values)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._current = {"action": a.get("action") or "", "multipart": "multipart" in (a.get("enctype") or ""),
                             "fields": {}, "files": []}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "textarea", "select") and a.get("name"):
            name = a["name"]
            if name == "csrfmiddlewaretoken":
                return
            if tag == "input" and a.get("type") == "file":
                self._current["files"].append(name)
                return
            options = self._current["fields"].setdefault(name, [])
            if a.get("value"):
                options.append(a["value"])
            if tag == "select":
                self._select = options
        elif tag == "option" and self._select is not None and a.get("value") is not None:
            self._select.append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def _state(sandbox):
    return (shop_fingerprint(sandbox), ShopEvent.objects.for_sandbox(sandbox).count(),
            ShopFile.objects.for_sandbox(sandbox).count())


@pytest.fixture
def shop(client, make_user, make_sandbox):
    user = make_user("fuzz_a")
    sandbox = make_sandbox(owner=user, name="模糊测试店")
    generate_shop(sandbox=sandbox, seed=5, products=5, orders=12, customers=6)
    client.force_login(user)
    return sandbox


def _console_forms(client, sandbox) -> list[tuple[str, dict]]:
    found: dict[tuple[str, tuple], dict] = {}
    for route, pattern in _patterns("console"):
        try:
            url = _fill("console", route, pattern, sandbox) if _kwarg_names(route) else reverse(f"console:{pattern.name}")
        except AssertionError:
            continue
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = form["action"] or url
            if not action.startswith("/console/"):
                continue  # logout, language switcher
            key = (action, tuple(sorted(form["fields"])), tuple(form["files"]))
            found.setdefault(key, form | {"action": action})
    return [(key[0], form) for key, form in sorted(found.items())]


def test_every_console_form_survives_generated_input(client, shop):
    forms = _console_forms(client, shop)
    assert len(forms) >= 25, f"found only {len(forms)} console forms to fuzz"
    failures = []
    for action, form in forms:
        field_values = {name: st.sampled_from(options + NASTY) if options else st.sampled_from(NASTY) | st.text(max_size=40)
                        for name, options in form["fields"].items()}
        files = {name: st.tuples(st.sampled_from(["a.jpg", "b.png", "c.csv", "d.xlsx", "e.exe", "长文件名" * 20 + ".jpg"]),
                                 st.binary(max_size=2048)) for name in form["files"]}

        @settings(max_examples=EXAMPLES_PER_FORM, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(data=st.fixed_dictionaries(field_values), uploads=st.fixed_dictionaries(files))
        def run(data, uploads):
            before = _state(shop)
            payload = dict(data)
            for name, (filename, content) in uploads.items():
                payload[name] = SimpleUploadedFile(filename, content)
            response = client.post(action, payload)
            status = response.status_code
            if status >= 500:
                failures.append(f"{action} {sorted(data)} → {status}")
            elif status not in (301, 302, 303) and _state(shop) != before:
                failures.append(f"{action} answered {status} but changed the shop")

        run()
    assert not failures, "\n".join(failures[:20])
