"""Review handling (评价管理): the seller's public reply to a buyer's review."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop_sim.models import Review, Sandbox

from .base import Actor, ShopError, event_record, sandbox_write_check, snapshot

REPLY_MAX = 500


def review_reply(*, sandbox: Sandbox, actor: Actor, review: Review, reply: str) -> Review:
    """Answer a review (one reply per review, shown under it on the storefront). Editing the reply
    later is allowed and journaled as ``review.reply_edit`` with the old text."""
    if review.sandbox_id != sandbox.pk:
        raise ShopError(_("对象不属于当前店铺"))
    reply = (reply or "").strip()
    if not reply:
        raise ShopError(_("请填写回复内容"))
    if len(reply) > REPLY_MAX:
        raise ShopError(_("回复最多 %(max)d 个字") % {"max": REPLY_MAX})
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = Review.objects.select_for_update().get(pk=review.pk, sandbox=sandbox)
        if locked.reply == reply:
            raise ShopError(_("回复内容没有变化"))
        action = "review.reply_edit" if locked.reply else "review.reply"
        fields = ["reply", "replied_at"]
        before = snapshot(locked, fields)
        locked.reply = reply
        locked.replied_at = timezone.now()
        locked.save(update_fields=fields)
        event_record(sandbox=sandbox, actor=actor, action=action, obj=locked,
                     before=before, after=snapshot(locked, fields))
    return locked
