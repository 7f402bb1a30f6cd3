"""Who the buyer is on a storefront: a customer of that sandbox, remembered in the session.

A buyer "logs in" by entering a member name (会员名); the storefront creates the customer on first
use. The session key is per sandbox, so one browser can be a buyer in several shops. The chat
consumer reads the same session from the WebSocket scope.
"""

from __future__ import annotations

from shop_sim.models import Customer, Sandbox


def buyer_session_key(sandbox_id: int) -> str:
    return f"buyer:{sandbox_id}"


def current_customer(session, sandbox: Sandbox) -> Customer | None:
    """The logged-in buyer of ``sandbox`` or None; never a customer of another sandbox."""
    customer_id = session.get(buyer_session_key(sandbox.pk))
    if customer_id is None:
        return None
    return Customer.objects.for_sandbox(sandbox).filter(pk=customer_id).first()


def buyer_login(session, sandbox: Sandbox, customer: Customer) -> None:
    assert customer.sandbox_id == sandbox.pk
    session[buyer_session_key(sandbox.pk)] = customer.pk


def buyer_logout(session, sandbox: Sandbox) -> None:
    session.pop(buyer_session_key(sandbox.pk), None)
