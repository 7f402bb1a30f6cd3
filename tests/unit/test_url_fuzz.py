"""Every path parameter of every route, filled with hostile values, as every role: never a 500.

The URL list is the URL conf's (the permission matrix's walk and world: every other parameter of
the URL names a real object, so the bad value is the one the view has to cope with). Values: NUL
(``%00``, alone, inside and after a file name), other control characters, bytes that are not UTF-8
(``%FF``, overlong ``%C0%AE``), ``..`` and a traversal, very long strings and integers too large
for the database or for ``int()``. A value the route's converter does not match never reaches a
view (the resolver answers 404 by itself), so it is not sent — that and one value of each kind
for the admin's look-alike routes keep this to some 1,600 URLs, each sent as GET and POST. Issue #10 finding 6: ``…/evidence/1/x/a.jpg%00.png`` was ``ValueError:
embedded null byte``, a 500.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

import pytest
from django.test import Client
from django.urls.converters import get_converters
from django.utils.encoding import repercent_broken_unicode

from tests.unit.test_permission_matrix import ANON, ROLES, all_urls, world  # noqa: F401 (world: the fixture)

pytestmark = pytest.mark.django_db

BAD_VALUES = (
    "%00", "a%00b", "x.png%00.png", "s.png%00", "%00.png", "%0A", "%0D%0Aset-cookie:%20x=1", "%7F", "%1B",
    "%FF", "%FF.png", "%C0%AE%C0%AE", "%E4%B8%AD%FF", "..", "%2E%2E", "../../../../etc/passwd", "a/%00/b",
    "a" * 3000, "a" * 3000 + ".png", "0", "9" * 19, "9" * 40, "9" * 5000, "-1", "%20", "'%22%3C%3E",
)
# Django's admin has some 60 routes over the same few views (change/delete/history per model):
# they get one value of each kind, the rest of the site every value.
ADMIN_VALUES = ("%00", "x.png%00.png", "%0A", "%FF", "%C0%AE%C0%AE", "..", "../../../../etc/passwd", "a" * 3000,
                "9" * 19, "9" * 5000)
TOKEN = re.compile(r"\(\?P<(\w+)>([^)]*)\)|<(?:(\w+):)?(\w+)>")
CONVERTERS = get_converters()


def _as_path_info(value: str) -> str:
    """What the view's URL matching sees for ``value`` in a request path (WSGI's decoding)."""
    return repercent_broken_unicode(unquote_to_bytes(value)).decode()


def _slots(route: str) -> list[tuple[re.Match, str]]:
    """Each parameter of ``route`` with the regular expression its value must match."""
    slots = []
    for match in TOKEN.finditer(route):
        if match.group(1):
            slots.append((match, match.group(2)))
        else:
            slots.append((match, CONVERTERS[match.group(3) or "str"].regex))
    return slots


def _value_of(world, namespace: str, name: str) -> str:
    value = world.by_namespace.get(namespace, {}).get(name, world.values.get(name))
    return str(value if value is not None else 1)


def fuzzed_urls(world, part: str = "") -> list[str]:
    """One URL per (route, parameter, bad value the parameter's converter takes); ``part``: only
    the admin's routes ("admin") or only the rest ("site")."""
    urls = []
    for namespace, route, _pattern in all_urls():
        if (part == "admin" and namespace != "admin") or (part == "site" and namespace == "admin"):
            continue
        slots = _slots(route)
        for index, (_slot, regex) in enumerate(slots):
            for bad in ADMIN_VALUES if namespace == "admin" else BAD_VALUES:
                if not re.fullmatch(regex, _as_path_info(bad)):
                    continue
                pieces, last = [], 0
                for position, (match, _regex) in enumerate(slots):
                    pieces.append(route[last:match.start()])
                    name = match.group(1) or match.group(4)
                    pieces.append(bad if position == index else _value_of(world, namespace, name))
                    last = match.end()
                pieces.append(route[last:])
                urls.append("/" + "".join(pieces).replace("^", "").replace("$", ""))
    return urls


def test_the_fuzzer_reaches_every_kind_of_parameter(world):
    urls = fuzzed_urls(world)
    assert len(urls) > 1000 and set(urls) == set(fuzzed_urls(world, "site")) | set(fuzzed_urls(world, "admin"))
    for needle in ("/evidence/1/no-such-criterion/x.png%00.png", "/media/a%00b", "/s/%FF/", "/review/", "/admin/",
                   "9" * 5000):
        assert any(needle in url for url in urls), needle


@pytest.mark.parametrize("part", ["site", "admin"])
@pytest.mark.parametrize("role", ROLES)
def test_no_path_parameter_value_is_a_server_error(world, role, part):
    client = Client(raise_request_exception=False)
    user = world.users.get(role)
    problems = []
    for url in fuzzed_urls(world, part):
        if user is not None:
            client.force_login(user)  # a view that logged the user out must not skew the rest
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {url[:200]} as {role}: {response.status_code}")
    assert not problems, f"{len(problems)} server error(s):\n" + "\n".join(problems[:60])


@pytest.mark.parametrize("url", ["/practice/attempts/1/evidence/1/x/a.jpg%00.png", "/media/a%00b.png",
                                 "/s/ab%00cd/", "/admin/auth/user/1%00/change/", "/%00"])
def test_a_nul_anywhere_in_the_path_is_a_plain_404(make_user, url):
    """Refused before the view (sandbox.middleware.PathParameterGuardMiddleware), even for someone
    signed in, with the usual security headers on the 404 page."""
    client = Client(raise_request_exception=False)
    client.force_login(make_user("nul_examiner", role="examiner"))
    response = client.get(url)
    assert response.status_code == 404
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response
