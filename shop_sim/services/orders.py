"""Order and refund state machines, declared as data; every move writes one ShopEvent."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop_sim.models import Order, Refund

from .base import Actor, event_record, snapshot, transition_check

S = Order.Status
# current status -> statuses it may move to (Taobao's trade states)
ORDER_PIPELINE: dict[str, set[str]] = {
    S.AWAITING_PAYMENT: {S.PAID, S.CLOSED},
    S.PAID: {S.SHIPPED, S.CLOSED},
    S.SHIPPED: {S.FINISHED, S.CLOSED},
    S.FINISHED: set(),
    S.CLOSED: set(),
}
# which timestamp a move into a status stamps
ORDER_STATUS_STAMPS = {S.PAID: "paid_at", S.SHIPPED: "shipped_at", S.FINISHED: "finished_at", S.CLOSED: "closed_at"}

R = Refund.Status
REFUND_PIPELINE: dict[str, set[str]] = {
    R.AWAITING_SELLER: {R.SUCCESS, R.AWAITING_RETURN, R.REFUSED, R.CLOSED},
    R.AWAITING_RETURN: {R.AWAITING_RECEIPT, R.CLOSED},
    R.AWAITING_RECEIPT: {R.SUCCESS, R.REFUSED},
    R.REFUSED: {R.AWAITING_SELLER, R.CLOSED},
    R.SUCCESS: set(),
    R.CLOSED: set(),
}


def order_transition(*, order: Order, target: str, actor: Actor, changes: dict | None = None,
                     action: str | None = None) -> Order:
    """Move ``order`` to ``target`` (raising IllegalTransition if undeclared), set ``changes``,
    stamp the status time and record one event with before -> after of every touched field."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk, sandbox_id=order.sandbox_id)
        transition_check(ORDER_PIPELINE, locked.status, target, label=_("订单"))
        fields = ["status", *(changes or {}).keys()]
        stamp = ORDER_STATUS_STAMPS.get(target)
        if stamp:
            fields.append(stamp)
        before = snapshot(locked, fields)
        locked.status = target
        for name, value in (changes or {}).items():
            setattr(locked, name, value)
        if stamp:
            setattr(locked, stamp, timezone.now())
        locked.save(update_fields=fields)
        event_record(sandbox=locked.sandbox_id, actor=actor, action=action or f"order.{target}",
                     obj=locked, before=before, after=snapshot(locked, fields))
    return locked


def refund_transition(*, refund: Refund, target: str, actor: Actor, changes: dict | None = None,
                      action: str | None = None) -> Refund:
    """Same contract as ``order_transition`` for refunds."""
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk, sandbox_id=refund.sandbox_id)
        transition_check(REFUND_PIPELINE, locked.status, target, label=_("退款"))
        fields = ["status", *(changes or {}).keys()]
        before = snapshot(locked, fields)
        locked.status = target
        for name, value in (changes or {}).items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        event_record(sandbox=locked.sandbox_id, actor=actor, action=action or f"refund.{target}",
                     obj=locked, before=before, after=snapshot(locked, fields))
    return locked
