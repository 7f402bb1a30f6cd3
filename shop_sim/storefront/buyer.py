"""Who the buyer is on a storefront: a customer of that sandbox, remembered in the session.

A buyer "logs in" by entering a member name (会员名); the storefront creates the customer on first
use. The session key is per sandbox, so one browser can be a buyer in several shops. The chat
consumer reads the same session from the WebSocket scope.

The buyer pass: a shop can require that its buyers act only from a session holding the shop's
per-sandbox buyer pass — so someone who learns a storefront key and a member name cannot act as a
buyer there. The shop knows nothing of exams: whoever runs one registers a policy
``policy(sandbox_id) -> bool`` saying which sandboxes require the pass (the exams app: exam shops).
A session gets the pass from the shop owner's own login (``buyer_pass_grant`` on the buyer login
page) or from the pass link the owner is shown (``buyer_pass_url``); a session without it is no
buyer of such a shop, whatever its buyer key says.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from shop_sim.models import Customer, Sandbox

_PASS_POLICIES: list = []
PASS_SALT = "shop_sim.storefront.buyer_pass"


def buyer_session_key(sandbox_id: int) -> str:
    return f"buyer:{sandbox_id}"


def buyer_pass_session_key(sandbox_id: int) -> str:
    return f"buyer-pass:{sandbox_id}"


# -- the buyer pass --------------------------------------------------------------------------------

def buyer_pass_policy_register(policy) -> None:
    if policy not in _PASS_POLICIES:
        _PASS_POLICIES.append(policy)


def buyer_pass_required(sandbox: Sandbox) -> bool:
    """Whether ``sandbox``'s buyers must hold its pass (some registered policy says so)."""
    return any(policy(sandbox.pk) for policy in _PASS_POLICIES)


def buyer_pass(sandbox: Sandbox) -> str:
    """The sandbox's buyer pass: derived from its id and key with the site's secret, so there is
    nothing to store and nothing to guess."""
    return salted_hmac(PASS_SALT, f"{sandbox.pk}:{sandbox.storefront_key}", algorithm="sha256").hexdigest()[:32]


def buyer_pass_valid(sandbox: Sandbox, candidate: str) -> bool:
    return constant_time_compare(candidate or "", buyer_pass(sandbox))


def buyer_pass_held(session, sandbox: Sandbox) -> bool:
    return buyer_pass_valid(sandbox, session.get(buyer_pass_session_key(sandbox.pk), ""))


def buyer_pass_grant(session, sandbox: Sandbox) -> None:
    session[buyer_pass_session_key(sandbox.pk)] = buyer_pass(sandbox)


def buyer_pass_url(sandbox: Sandbox) -> str:
    """The storefront link that carries the pass (for the shop's owner only: whoever opens it may
    act as the shop's buyers)."""
    url = reverse("storefront:buyer_pass", kwargs={"storefront_key": sandbox.storefront_key})
    return f"{url}?{urlencode({'buyer_pass': buyer_pass(sandbox)})}"


def buyer_may_act(session, sandbox: Sandbox) -> bool:
    """Whether this session may be a buyer of ``sandbox`` (the pass is asked for only if required)."""
    return buyer_pass_held(session, sandbox) or not buyer_pass_required(sandbox)


def buyer_pass_ensure(session, sandbox: Sandbox, *, user) -> bool:
    """Whether this session may become a buyer of ``sandbox``; the owner's own logged-in session
    gets the pass here (a shop that does not require it lets anyone in)."""
    if buyer_may_act(session, sandbox):
        return True
    if user.is_authenticated and sandbox.owner_id is not None and user.pk == sandbox.owner_id:
        buyer_pass_grant(session, sandbox)
        return True
    return False


# -- the buyer -------------------------------------------------------------------------------------

def current_customer(session, sandbox: Sandbox) -> Customer | None:
    """The logged-in buyer of ``sandbox`` or None; never a customer of another sandbox, and nobody
    in a session without the pass of a shop that requires it."""
    customer_id = session.get(buyer_session_key(sandbox.pk))
    if customer_id is None or not buyer_may_act(session, sandbox):
        return None
    return Customer.objects.for_sandbox(sandbox).filter(pk=customer_id).first()


def buyer_session_data(sandbox: Sandbox, customer: Customer) -> dict:
    """What a session holds for ``customer`` to be the buyer (pass included), for sessions made
    server-side (the grader's browser)."""
    assert customer.sandbox_id == sandbox.pk
    return {buyer_session_key(sandbox.pk): customer.pk, buyer_pass_session_key(sandbox.pk): buyer_pass(sandbox)}


def buyer_login(session, sandbox: Sandbox, customer: Customer) -> None:
    assert customer.sandbox_id == sandbox.pk
    session[buyer_session_key(sandbox.pk)] = customer.pk


def buyer_logout(session, sandbox: Sandbox) -> None:
    session.pop(buyer_session_key(sandbox.pk), None)
