"""Permission matrix: every URL of the URL conf, GET as each role, against a declared table.

The URL list is read from the URL conf (as the isolation sweep does), so a new view is checked as
soon as it is routed — and a URL whose namespace (or unnamed route) is not declared in ``RULES``
fails the test, so whoever adds a URL has to say who may open it.

For each URL a rule says:
- ``allowed``: roles that may use it. They must never get 401/403, a 5xx, or a redirect to a
  login page; 404 only when the URL names an object the fixture does not have (a placeholder
  value, listed in ``PLACEHOLDER_KWARGS`` or missing from the shop).
- ``forbidden``: roles that lack the permission outright: 403 (or 405 for a method refused
  before the permission check).
- everyone else (e.g. an admin on a candidate's own sitting): never a 2xx.
- anonymous, unless the URL is public: a redirect to a login page (or 404/405), never a 2xx.
Nobody ever gets a 5xx.

The same URL walk also sends every URL a forged POST (a logged-in candidate's or admin's cookies,
no CSRF token): refused with 403 before any view runs, the journal unchanged; the only exemption
is declared in ``CSRF_EXEMPT``.

Roles: a registered candidate with a started sitting (``sitting_start``), a practice attempt and
a shop of their own; an examiner; a trainer with a class (the candidate is in it) and a shop; the
admin is a superuser in the admin group (as ``make run``'s demo admin).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "candidate", "examiner", "trainer", "admin")
ANON, CAND, EXAMINER, TRAINER, ADMIN = ROLES
EXAM_SCENARIO = "product-listing-sku"  # no orders: provisions fast
PRACTICE_SCENARIO = "product-listing-sku"
LOGIN_NAMES = ("accounts:login", "exams:ticket_login", "admin:login")


@dataclass(frozen=True)
class Rule:
    allowed: frozenset = frozenset()
    forbidden: frozenset = frozenset()  # lack the permission: 403
    public: bool = False  # anonymous may open it too
    refusals_ok: bool = False  # an allowed role may still get 403 (the admin's disabled add/delete)

    @classmethod
    def of(cls, allowed=(), forbidden=(), public=False, refusals_ok=False) -> Rule:
        return cls(frozenset(allowed), frozenset(forbidden), public, refusals_ok)


PUBLIC = Rule.of(allowed=ROLES[1:], public=True)
EVERY_USER = Rule.of(allowed=ROLES[1:])
EXAM_STAFF = Rule.of(allowed=(EXAMINER, ADMIN), forbidden=(CAND, TRAINER))
CANDIDATE_OWN = Rule.of(allowed=(CAND,), forbidden=(EXAMINER, TRAINER))  # admin: not theirs → 404
CANDIDATE_LIST = Rule.of(allowed=(CAND, ADMIN), forbidden=(EXAMINER, TRAINER))  # admin: own, empty
CLASS_STAFF = Rule.of(allowed=(TRAINER, ADMIN), forbidden=(CAND, EXAMINER))
STATISTICS = Rule.of(allowed=(TRAINER, EXAMINER, ADMIN), forbidden=(CAND,))
CONSOLE = Rule.of(allowed=(CAND, TRAINER), forbidden=(EXAMINER,))  # admin has no shop → 404
CONSOLE_OBJECT = Rule.of(allowed=(CAND,), forbidden=(EXAMINER,))  # ids are the candidate's shop's
# journals, sittings, manual scores are append-only: their ModelAdmins refuse add/delete with 403
SUPERUSER = Rule.of(allowed=(ADMIN,), refusals_ok=True)
OWN_ONLY = Rule.of(allowed=(CAND,))  # looked up among the user's own rows: anyone else 404

# namespace → {url_name or "*": rule}. Unnamed routes are declared by their route string (except
# the admin's own unnamed redirects, which follow the admin's "*").
RULES: dict[str, dict[str, Rule]] = {
    "accounts": {"*": EVERY_USER, "login": PUBLIC, "logout": PUBLIC},
    "console": {"*": CONSOLE},  # URLs with object ids: CONSOLE_OBJECT (see rule_for)
    "storefront": {"*": PUBLIC},  # reached by the unguessable storefront key
    "practice": {"*": CANDIDATE_OWN, "practice_list": CANDIDATE_LIST,
                 "class_list": CLASS_STAFF, "class_detail": CLASS_STAFF, "class_publish": CLASS_STAFF,
                 "class_unpublish": CLASS_STAFF, "class_results": CLASS_STAFF, "class_attempt": CLASS_STAFF,
                 # the owner's practice evidence, their class's trainer's and the admin's; others 404
                 # (sandbox.accounts.permissions; every role × media route: test_media_access.py)
                 "practice_evidence": Rule.of(allowed=(CAND, TRAINER, ADMIN))},
    "exams": {"*": EXAM_STAFF, "ticket_login": PUBLIC,
              "my_ticket": OWN_ONLY, "my_ticket_photo": OWN_ONLY},
    "workspace": {"*": CANDIDATE_OWN, "sitting_list": CANDIDATE_LIST},
    "recording": {"*": EXAM_STAFF, "ingest": Rule.of(allowed=(CAND,))},  # ingest: the candidate's pages post
    "review": {"*": EXAM_STAFF},
    "statistics": {"*": STATISTICS},
    "admin": {"*": SUPERUSER, "login": PUBLIC, "logout": PUBLIC},
    "": {"set_language": PUBLIC, "healthz": PUBLIC, "healthz_live": PUBLIC, "csp_report": PUBLIC, r"^media/(?P<path>.*)$": PUBLIC},
}

# URL kwargs that name no stored object in the fixture (files that were never written): 404 is
# what an allowed role gets, and it says nothing about permissions.
PLACEHOLDER_KWARGS = {"version": 1, "criterion": "no-such-criterion", "filename": "none.png", "path": "none.txt",
                      "url": "no-such-page/"}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield namespace, prefix + str(p.pattern), p


def _kwarg_names(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


def all_urls() -> list[tuple[str, str, URLPattern]]:
    return list(_walk(get_resolver().url_patterns))


def rule_for(namespace: str, route: str, pattern: URLPattern) -> Rule | None:
    table = RULES.get(namespace)
    if table is None:
        return None
    key = pattern.name or route
    if key in table:
        return table[key]
    if pattern.name is None and namespace != "admin":
        return None  # an unnamed route must be declared by its route (Django's admin has a few of its own)
    if namespace == "console" and _kwarg_names(route):
        return CONSOLE_OBJECT
    return table.get("*")


def test_every_url_is_declared():
    undeclared = [f"{ns or '(root)'}:{p.name or route}" for ns, route, p in all_urls()
                  if rule_for(ns, route, p) is None]
    assert not undeclared, f"declare these URLs in RULES (who may open them?): {undeclared}"


# -- the world the URLs are filled from ----------------------------------------------------------------

@dataclass
class World:
    users: dict
    values: dict  # kwarg → value, shared
    by_namespace: dict = field(default_factory=dict)  # namespace → kwarg → value (wins over ``values``)
    placeholders: set = field(default_factory=set)  # kwargs filled with values that name nothing


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _shop_values(sandbox) -> tuple[dict, set]:
    """One object id per shop model of ``sandbox`` (the console's and storefront's kwargs)."""
    values, missing = {}, set()
    for model in apps.get_app_config("shop_sim").get_models():
        if not any(f.name == "sandbox" for f in model._meta.concrete_fields):
            continue
        obj = model.objects.filter(sandbox=sandbox).order_by("pk").first()
        key = f"{model._meta.model_name}_id"
        if obj is None:
            values[key], _ = 999_999, missing.add(key)
        else:
            values[key] = obj.pk
    return values, missing


@pytest.fixture
def world(make_user, make_sandbox, settings, tmp_path) -> World:
    from fixtures.generators import generate_shop
    from sandbox.exams.models import Exam, ExamPart, Registration, RegradePreview, ScoreReview
    from sandbox.exams.services import sitting_start
    from sandbox.practice.services import practice_start, publication_create, training_class_create, \
        training_class_member_add
    from shop_sim.models import CartItem, Customer, Product

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    candidate = make_user("matrix_cand")
    examiner = make_user("matrix_examiner", role="examiner")
    trainer = make_user("matrix_trainer", role="trainer")
    admin = make_user("matrix_admin", role="admin")
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])

    now = timezone.now()
    exam = Exam.objects.create(name="权限矩阵考试", window_start=now - timedelta(minutes=30),
                               window_end=now + timedelta(hours=3), created_by=examiner)
    part = ExamPart.objects.create(exam=exam, position=1, scenario_slug=EXAM_SCENARIO, title="商品发布")
    registration = Registration.objects.create(exam=exam, candidate=candidate, full_name="矩阵考生",
                                               id_number="110101199001011234", ticket_number="M0000001")
    registration.photo.save("m.png", ContentFile(_png()), save=True)
    sitting = sitting_start(registration=registration, actor=candidate)
    task = sitting.tasks.select_related("attempt").get()
    preview = RegradePreview.objects.create(attempt=task.attempt, requested_by=examiner)
    review = ScoreReview.objects.create(registration=registration, reason="请复核")

    klass = training_class_create(name="矩阵班", trainer=trainer)
    training_class_member_add(training_class=klass, user=candidate, actor=trainer)
    publication_create(training_class=klass, scenario_slug=PRACTICE_SCENARIO, actor=trainer)
    practice, _created = practice_start(candidate=candidate, scenario_slug=PRACTICE_SCENARIO)

    make_sandbox(owner=trainer, name="培训师试做")
    shop = make_sandbox(owner=candidate, name="考生店铺")  # the newest: the candidate's console shows it
    generate_shop(sandbox=shop, seed=3, products=4, orders=12, customers=5)
    product = Product.objects.for_sandbox(shop).filter(status="on_sale").first()
    CartItem.objects.create(sandbox=shop, customer=Customer.objects.for_sandbox(shop).first(), product=product,
                            sku=product.skus.first(), quantity=1)
    shop_values, missing = _shop_values(shop)

    values = {**shop_values, **PLACEHOLDER_KWARGS,
              "storefront_key": shop.storefront_key, "exam_id": exam.pk, "exampart_id": part.pk,
              "registration_id": registration.pk, "sittingtask_id": task.pk, "attempt_id": task.attempt_id,
              "preview_id": preview.pk, "scorereview_id": review.pk, "criterion_id": "no-such-criterion",
              "trainingclass_id": klass.pk, "scenario_slug": PRACTICE_SCENARIO,
              "app_label": "auth", "object_id": str(candidate.pk), "id": str(candidate.pk),
              "content_type_id": ContentType.objects.get_for_model(get_user_model()).pk}
    return World(users={CAND: candidate, EXAMINER: examiner, TRAINER: trainer, ADMIN: admin}, values=values,
                 by_namespace={"practice": {"attempt_id": practice.pk}},
                 placeholders=set(PLACEHOLDER_KWARGS) | missing | {"criterion_id"})


def _fill(world: World, namespace: str, route: str, pattern: URLPattern) -> tuple[str, bool]:
    """The URL with real ids, and whether it names something the fixture does not have."""
    if pattern.name is None:
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>",
                      lambda m: str(world.values[m.group(1) or m.group(2)]), route.lstrip("^").rstrip("$"))
        return "/" + path, True
    names = _kwarg_names(route)
    kwargs = {name: world.by_namespace.get(namespace, {}).get(name, world.values.get(name)) for name in names}
    unknown = [name for name, value in kwargs.items() if value is None]
    assert not unknown, f"{namespace}:{pattern.name} has URL kwargs the matrix cannot fill: {unknown}"
    if namespace == "admin" and "object_id" in kwargs:
        kwargs["object_id"] = _admin_object_id(pattern.name, kwargs["object_id"])
    view = f"{namespace}:{pattern.name}" if namespace else pattern.name
    placeholder = bool(set(names) & world.placeholders) or namespace == "admin"
    return reverse(view, kwargs=kwargs), placeholder


def _admin_object_id(name: str, default: str) -> str:
    """An existing row of the model an admin change/delete/history URL is about."""
    for model in apps.get_models():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            obj = model._default_manager.order_by("pk").first()
            return str(obj.pk) if obj is not None else "999999"
    return default


def _login_urls() -> tuple[str, ...]:
    return tuple(reverse(name) for name in LOGIN_NAMES)


def _judge(role: str, rule: Rule, response, placeholder: bool) -> str | None:
    """What is wrong with this answer, or None."""
    status = response.status_code
    location = response.get("Location", "") if status in (301, 302, 303, 307, 308) else ""
    to_login = bool(location) and location.split("?")[0].startswith(_login_urls())
    if status >= 500:
        return f"{status} (server error)"
    if role == ANON and not rule.public:
        if 200 <= status < 300:
            return f"{status} for anonymous"
        if status in (404, 405) or to_login:
            return None
        return f"{status} for anonymous (expected a redirect to a login page) {location}"
    if role in rule.allowed or (role == ANON and rule.public):
        if status == 401 or (status == 403 and not rule.refusals_ok):
            return f"{status} for an allowed role"
        if to_login:
            return f"redirect to login for an allowed role ({location})"
        if status == 404 and not placeholder:
            return "404 for an allowed role although every id in the URL exists"
        return None
    if 200 <= status < 300:
        return f"{status} for a role that is not allowed"
    if role in rule.forbidden and status not in (403, 405):
        return f"{status} for a role without the permission (expected 403)"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, role):
    urls = all_urls()
    assert len(urls) > 100, "the URL walk found too few URLs"
    user = world.users.get(role)
    problems = []
    checked = 0
    for namespace, route, pattern in urls:
        rule = rule_for(namespace, route, pattern)
        if rule is None:
            problems.append(f"{namespace}:{pattern.name or route}: not declared in RULES")
            continue
        url, placeholder = _fill(world, namespace, route, pattern)
        if user is not None:
            client.force_login(user)  # a view that logged the user out must not skew the rest
        response = client.get(url)
        checked += 1
        problem = _judge(role, rule, response, placeholder)
        if problem:
            problems.append(f"GET {url} ({namespace}:{pattern.name}) as {role}: {problem}")
    assert checked > 100
    assert not problems, f"{len(problems)} permission problem(s):\n" + "\n".join(problems)


def test_judge_refuses_what_it_must():
    """The matrix's own judge: a 200 for a role that is not allowed fails, a 403 for an allowed
    role fails, anonymous must be sent to log in, a 500 always fails."""

    class R:
        def __init__(self, status, location=""):
            self.status_code, self.location = status, location

        def get(self, key, default=""):
            return self.location if key == "Location" else default

    login = reverse("accounts:login")
    assert _judge(CAND, EXAM_STAFF, R(200), False) is not None
    assert _judge(CAND, EXAM_STAFF, R(403), False) is None
    assert _judge(CAND, EXAM_STAFF, R(404), False) is not None  # no permission → 403, not 404
    assert _judge(ADMIN, CANDIDATE_OWN, R(404), False) is None
    assert _judge(ADMIN, CANDIDATE_OWN, R(200), False) is not None
    assert _judge(EXAMINER, EXAM_STAFF, R(403), False) is not None
    assert _judge(EXAMINER, EXAM_STAFF, R(404), False) is not None
    assert _judge(EXAMINER, EXAM_STAFF, R(404), True) is None
    assert _judge(EXAMINER, EXAM_STAFF, R(302, login + "?next=/x"), False) is not None
    assert _judge(ANON, EXAM_STAFF, R(302, login + "?next=/x"), False) is None
    assert _judge(ANON, EXAM_STAFF, R(302, "/elsewhere/"), False) is not None
    assert _judge(ANON, EXAM_STAFF, R(200), False) is not None
    assert _judge(ANON, PUBLIC, R(200), False) is None
    assert _judge(EXAMINER, EXAM_STAFF, R(500), False) is not None


# Views that take a POST without our CSRF token, on purpose (each with the reason in its module).
CSRF_EXEMPT = {"csp_report"}  # browsers send CSP reports without a token; a report changes nothing


def _journal_size() -> int:
    from sandbox.exams.models import SittingEvent
    from shop_sim.models import ShopEvent

    return ShopEvent.objects.count() + SittingEvent.objects.count()


@pytest.mark.parametrize("role", (CAND, ADMIN))
def test_every_url_refuses_a_post_without_the_csrf_token(world, role):
    """A forged cross-site POST (a logged-in user's cookies, no token) is refused by every URL of
    the URL conf before any view runs, and changes nothing — the journal stays as it was."""
    from django.test import Client

    forged = Client(enforce_csrf_checks=True)
    forged.force_login(world.users[role])
    before = _journal_size()
    problems, checked = [], 0
    for namespace, route, pattern in all_urls():
        if (pattern.name or "") in CSRF_EXEMPT:
            continue
        url, _placeholder = _fill(world, namespace, route, pattern)
        response = forged.post(url, {"name": "forged", "body": "forged", "memo": "forged"})
        checked += 1
        if response.status_code != 403 or b"CSRF" not in response.content:
            problems.append(f"POST {url} ({namespace}:{pattern.name}): {response.status_code}")
    assert checked > 100
    assert not problems, f"{len(problems)} URL(s) took a POST without the CSRF token:\n" + "\n".join(problems)
    assert _journal_size() == before
