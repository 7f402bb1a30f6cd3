"""Read queries of 客服: the inbox, a conversation, the buyer's context, and auto-reply matching."""

from __future__ import annotations

import unicodedata

from django.db.models import OuterRef, Q, QuerySet, Subquery

from shop_sim.models import AutoReplyRule, ChatMessage, ChatSession, Customer, Order, Sandbox

HISTORY_LIMIT = 50


def keyword_normalize(text: str) -> str:
    """Full-width and half-width forms, and letter case, count as the same text (ＶＩＰ = vip)."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def autoreply_matches(*, sandbox: Sandbox | int, text: str, first_message: bool, offline: bool,
                      rules: list[AutoReplyRule] | None = None) -> list[AutoReplyRule]:
    """Every enabled rule that answers ``text``, in the order they are sent: the greeting (first
    message of a new session), the offline notice (service offline), then at most one keyword rule —
    the first by priority whose any keyword occurs in the text. ``rules`` replaces the sandbox's rules
    as they are now (the grader passes the rules as they were when the attempt froze)."""
    if rules is None:
        rules = list(AutoReplyRule.objects.for_sandbox(sandbox).filter(enabled=True).order_by("position", "id"))
    else:
        rules = sorted((r for r in rules if r.enabled), key=lambda r: (r.position, r.pk))
    out: list[AutoReplyRule] = []
    if first_message:
        greeting = next((r for r in rules if r.kind == AutoReplyRule.Kind.GREETING), None)
        if greeting is not None:
            out.append(greeting)
    if offline:
        notice = next((r for r in rules if r.kind == AutoReplyRule.Kind.OFFLINE), None)
        if notice is not None:
            out.append(notice)
    haystack = keyword_normalize(text)
    for rule in rules:
        if rule.kind != AutoReplyRule.Kind.KEYWORD:
            continue
        if any(keyword_normalize(str(k)).strip() and keyword_normalize(str(k)).strip() in haystack
               for k in rule.keywords or []):
            out.append(rule)
            break
    return out


def autoreply_match(*, sandbox: Sandbox | int, text: str, first_message: bool, offline: bool) -> AutoReplyRule | None:
    """The rule whose reply answers the buyer's question: a keyword rule before the offline notice
    before the greeting (the most specific one). ``chat_buyer_message`` sends all of
    ``autoreply_matches``, of which this is the last."""
    matches = autoreply_matches(sandbox=sandbox, text=text, first_message=first_message, offline=offline)
    return matches[-1] if matches else None


def autoreply_rule_list(*, sandbox: Sandbox) -> QuerySet[AutoReplyRule]:
    return AutoReplyRule.objects.for_sandbox(sandbox).order_by("position", "id")


def chat_session_list(*, sandbox: Sandbox, limit: int = 200, before: ChatSession | None = None
                      ) -> QuerySet[ChatSession]:
    """The inbox: newest conversations first, each with its buyer and its last message; ``before``
    continues after that session (keyset, so a conversation that moves to the top meanwhile is
    neither repeated nor pushes another one out of the next page)."""
    last = ChatMessage.objects.filter(session=OuterRef("pk")).order_by("-created_at", "-id")
    sessions = ChatSession.objects.for_sandbox(sandbox)
    if before is not None:
        sessions = sessions.filter(Q(last_message_at__lt=before.last_message_at)
                                   | Q(last_message_at=before.last_message_at, id__lt=before.pk))
    return (
        sessions.select_related("customer")
        .annotate(last_body=Subquery(last.values("body")[:1]), last_sender=Subquery(last.values("sender")[:1]))
        .order_by("-last_message_at", "-id")[:limit]
    )


def chat_session_messages(*, session: ChatSession, limit: int = 200) -> list[ChatMessage]:
    """The latest ``limit`` messages of a conversation, oldest first as a chat window shows them."""
    rows = list(ChatMessage.objects.for_sandbox(session.sandbox_id).filter(session=session)
                .order_by("-created_at", "-id")[:limit])
    rows.reverse()
    return rows


def chat_buyer_history(*, sandbox: Sandbox, customer: Customer | None, limit: int = HISTORY_LIMIT) -> list[ChatMessage]:
    """What the buyer's widget shows on page load: the last messages across their sessions."""
    if customer is None or customer.sandbox_id != sandbox.pk:
        return []
    rows = list(ChatMessage.objects.for_sandbox(sandbox).filter(session__customer=customer)
                .order_by("-created_at", "-id")[:limit])
    rows.reverse()
    return rows


def chat_buyer_orders(*, sandbox: Sandbox, customer: Customer, limit: int = 5) -> list[Order]:
    """The buyer's latest orders with their lines: what a 客服 checks before answering."""
    return list(Order.objects.for_sandbox(sandbox).filter(customer=customer)
                .prefetch_related("lines").order_by("-created_at", "-id")[:limit])
