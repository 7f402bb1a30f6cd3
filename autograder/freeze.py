"""The freeze instant: the grader counts what the shop held when the attempt froze, nothing later.

The write gates refuse writes after 交卷 and after the deadline, but a gate is read without a lock, so
a write racing the freeze can still land — and a regrade months later must give the same score. So
whoever grades hands ``grade()`` the freeze instant (``frozen_at``; the runtime: the exam attempt's
submit or its sitting's deadline, whichever came first; a practice attempt's grading claim) and the
timestamped evidence is read only up to it: chat messages (``transcript``), uploads
(``CheckContext.uploaded_file``) and the auto-reply rules, rewound through their journal
(``autoreply``). Whatever the shop recorded after the freeze — journal events, chat messages,
uploads — is listed in the report for the examiner: never counted, never silently dropped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shop_sim.models import AutoReplyRule, ChatMessage, ShopEvent, ShopFile

ITEMS_SHOWN = 5


def moment(value: datetime) -> str:
    """A timestamp as the examiner reads it (local time, to the second)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class LateWrite:
    """One kind of row the shop recorded after the freeze: how many, when, which."""

    kind: str  # "event" | "chatmessage" | "upload"
    count: int
    first_at: str
    last_at: str
    items: tuple[str, ...]  # distinct actions / senders / file names, the first few
    message: str

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["items"] = list(self.items)
        return data


def _late(kind: str, rows: list[tuple[datetime, str]], template: str) -> LateWrite | None:
    if not rows:
        return None
    items = tuple(dict.fromkeys(label for _at, label in rows))[:ITEMS_SHOWN]
    first, last = moment(rows[0][0]), moment(rows[-1][0])
    return LateWrite(kind=kind, count=len(rows), first_at=first, last_at=last, items=items,
                     message=template % {"n": len(rows), "items": "、".join(items), "at": first})


def writes_after(sandbox, frozen_at: datetime) -> tuple[LateWrite, ...]:
    """Everything ``sandbox`` recorded after ``frozen_at``, by kind (empty: nothing)."""
    events = list(ShopEvent.objects.for_sandbox(sandbox).filter(at__gt=frozen_at).order_by("at", "id")
                  .values_list("at", "action"))
    messages = [(at, str(ChatMessage.Sender(sender).label)) for at, sender in
                ChatMessage.objects.for_sandbox(sandbox).filter(created_at__gt=frozen_at).order_by("created_at", "id")
                .values_list("created_at", "sender")]
    uploads = list(ShopFile.objects.for_sandbox(sandbox).filter(uploaded_at__gt=frozen_at).order_by("uploaded_at", "id")
                   .values_list("uploaded_at", "name"))
    found = (
        _late("event", events, _("冻结后店铺又记录了 %(n)d 个操作（%(items)s），最早在 %(at)s")),
        _late("chatmessage", messages, _("冻结后又有 %(n)d 条聊天消息（%(items)s），最早在 %(at)s；这些消息不计分")),
        _late("upload", uploads, _("冻结后又上传了 %(n)d 个文件（%(items)s），最早在 %(at)s；这些文件不计分")),
    )
    return tuple(item for item in found if item is not None)


# Journal actions that leave the state read by the shop-state kinds alone: chat, uploads and
# auto-reply rules are rewound to the freeze by the kinds that read them (``freeze_aware``).
REWOUND_ACTION_PREFIXES = ("chat.", "file.", "autoreply.")


def state_writes_after(sandbox, frozen_at: datetime) -> list[str]:
    """The distinct journal actions after ``frozen_at`` that change what the shop-state kinds read."""
    actions = (ShopEvent.objects.for_sandbox(sandbox).filter(at__gt=frozen_at).order_by("at", "id")
               .values_list("action", flat=True))
    return list(dict.fromkeys(a for a in actions if not a.startswith(REWOUND_ACTION_PREFIXES)))


def autoreply_rules_at(sandbox, frozen_at: datetime | None) -> list[AutoReplyRule]:
    """The sandbox's auto-reply rules as they were at ``frozen_at`` (all of them, enabled or not):
    the rules now, with every ``autoreply.*`` event after the freeze undone, newest first (each event
    carries the rule's matching fields before and after). Unsaved rows for rules deleted since."""
    rules = {rule.pk: rule for rule in AutoReplyRule.objects.for_sandbox(sandbox)}
    if frozen_at is None:
        return list(rules.values())
    sandbox_id = sandbox if isinstance(sandbox, int) else sandbox.pk
    late = (ShopEvent.objects.for_sandbox(sandbox).filter(at__gt=frozen_at, action__startswith="autoreply.")
            .order_by("-at", "-id"))
    for event in late:
        if event.action == "autoreply.create":
            rules.pop(event.object_id, None)
        elif event.before:  # autoreply.update / autoreply.delete
            rule = rules.get(event.object_id) or AutoReplyRule(pk=event.object_id, sandbox_id=sandbox_id)
            for name, value in event.before.items():
                setattr(rule, name, value)
            rules[event.object_id] = rule
    return list(rules.values())
