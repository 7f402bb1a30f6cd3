"""Isolation sweep: no URL lets one sandbox reach another's rows.

The URL patterns are read from the URL conf, so a new view is swept as soon as it exists. Object
ids in URLs are named ``<model_name>_id``; each is filled with an id that belongs to candidate B's
shop while candidate A is logged in (console) or A's storefront key is used (storefront).
"""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fixtures.generators import generate_shop
from fixtures.fingerprint import shop_fingerprint
from shop_sim.services.base import Actor
from shop_sim.services.files import shopfile_provide
from shop_sim.storefront.buyer import buyer_session_key
from shop_sim.models import CartItem, Customer, Product, ShopEvent


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield namespace, prefix + str(p.pattern), p


def _patterns(namespace: str):
    return [(route, p) for ns, route, p in _walk(get_resolver().url_patterns) if ns == namespace]


def _kwarg_names(route: str) -> list[str]:
    import re

    return re.findall(r"<(?:\w+:)?(\w+)>", route)


def _model_for(kwarg: str):
    assert kwarg.endswith("_id"), f"URL kwarg {kwarg!r} must be named <model_name>_id"
    return apps.get_model("shop_sim", kwarg[: -len("_id")])


@pytest.fixture
def two_shops(make_user, make_sandbox):
    a_user, b_user = make_user("iso_a"), make_user("iso_b")
    a, b = make_sandbox(owner=a_user, name="A"), make_sandbox(owner=b_user, name="B")
    for sandbox, seed in ((a, 1), (b, 2)):
        generate_shop(sandbox=sandbox, seed=seed, products=6, orders=25, customers=8)
        # carts are buyer state the generator does not make
        product = Product.objects.for_sandbox(sandbox).filter(status="on_sale").first()
        CartItem.objects.create(sandbox=sandbox, customer=Customer.objects.for_sandbox(sandbox).first(),
                                product=product, sku=product.skus.first(), quantity=1)
        shopfile_provide(sandbox=sandbox, actor=Actor.system("test"), name="订单导出.csv", data=b"a,b\n1,2\n")
    return a_user, a, b


def _fill(namespace: str, route: str, pattern: URLPattern, sandbox, extra: dict | None = None) -> str:
    assert pattern.name, f"URL {route} has no name"
    kwargs = {}
    for name in _kwarg_names(route):
        if extra and name in extra:
            kwargs[name] = extra[name]
            continue
        model = _model_for(name)
        obj = model.objects.for_sandbox(sandbox).order_by("pk").first()
        assert obj is not None, f"B's generated shop has no {model.__name__} to sweep {route} with"
        kwargs[name] = obj.pk
    return reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)


def _assert_not_found(client, url: str, route: str) -> None:
    """GET and POST both: 404, or 405 where the method is not served at all (answered before any
    lookup, so it says nothing about the object). At least one method must reach the lookup."""
    codes = {}
    for method in ("get", "post"):
        codes[method] = getattr(client, method)(url).status_code
        assert codes[method] in (404, 405), f"{method.upper()} {url} ({route}) gave {codes[method]}"
    assert 404 in codes.values(), f"{url} ({route}) never reached its object lookup: {codes}"


def test_console_urls_refuse_other_sandboxes_ids(client, two_shops):
    a_user, a, b = two_shops
    client.force_login(a_user)
    routes = [(r, p) for r, p in _patterns("console") if _kwarg_names(r)]
    assert len(routes) >= 10, "the sweep found too few console URLs with object ids"
    before_events = ShopEvent.objects.for_sandbox(b).count()
    before = shop_fingerprint(b)
    for route, _p in routes:
        url = _fill("console", route, _p, b)
        _assert_not_found(client, url, route)
    assert ShopEvent.objects.for_sandbox(b).count() == before_events
    assert shop_fingerprint(b) == before


@pytest.mark.parametrize("as_buyer", [False, True], ids=["anonymous", "a-buyer-of-A"])
def test_storefront_urls_refuse_other_sandboxes_ids(client, two_shops, as_buyer):
    _a_user, a, b = two_shops
    if as_buyer:
        session = client.session
        session[buyer_session_key(a.pk)] = Customer.objects.for_sandbox(a).first().pk
        session.save()
    routes = [(r, p) for r, p in _patterns("storefront") if set(_kwarg_names(r)) - {"storefront_key"}]
    assert routes, "the sweep found no storefront URLs with object ids"
    before = shop_fingerprint(b)
    for route, _p in routes:
        url = _fill("storefront", route, _p, b, extra={"storefront_key": a.storefront_key})
        _assert_not_found(client, url, route)
    assert shop_fingerprint(b) == before
