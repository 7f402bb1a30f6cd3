"""Small pieces every back-office view needs, kept in one place."""

from django.utils.http import url_has_allowed_host_and_scheme

from shop_sim.services.base import Actor


def merchant_actor(request) -> Actor:
    """The journal's name for the logged-in merchant."""
    return Actor.merchant(request.user)


def safe_next(request, fallback: str) -> str:
    """The POSTed ``next`` URL when it is a path on this site, else ``fallback`` (no open redirects;
    a bare word is not a path — ``redirect()`` would try it as a view name)."""
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback
