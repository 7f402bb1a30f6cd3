"""``transcript``: how the candidate answered a buyer in chat — facts given, words avoided, speed.

The buyer is named by nickname; all of that buyer's chat sessions are read in time order. Only the
conversation the task opened counts: the buyer's questions after the last reply that was already in
the shop's starting state (the baseline), and the shop's replies after the first of them. So a
generated shop's old chat history can neither earn nor lose points. Only messages sent by the time
the attempt froze (``ctx.frozen_at``) are read: a reply that slipped in after 交卷 or the deadline
never counts (the report lists it for the examiner, see autograder.freeze).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from autograder.matching import normalize_text
from autograder.registry import CheckKind, CheckParams, CheckResult, register
from shop_sim.models import ChatMessage, Customer

from .text import banned_words_found

Fact = str | list[str]


def fact_variants(fact: Fact) -> list[str]:
    return [fact] if isinstance(fact, str) else list(fact)


class TranscriptParams(CheckParams):
    """A buyer's conversation with the shop and what the shop's replies must do."""

    customer: str = Field(min_length=1, description="The buyer's nickname (会员名).")
    must_mention: list[Fact] = Field(default_factory=list,
                                     description="Facts the replies must give; each a phrase or a list of "
                                                 "acceptable phrasings (matched ignoring 全角/半角, case, spaces).")
    forbidden: list[str] = Field(default_factory=list, description="Words no reply may contain.")
    banned_ad_words: bool = Field(default=False, description="Also forbid the Advertising Law list (最, 第一 …).")
    first_response_seconds: int | None = Field(default=None, ge=1,
                                               description="The first reply must come within this many seconds of "
                                                           "the buyer's first question.")
    count_auto_replies: bool = Field(default=False,
                                     description="Auto-replies (自动回复) count as the shop's replies too.")

    @model_validator(mode="after")
    def _something(self) -> TranscriptParams:
        if not self.must_mention and not self.forbidden and not self.banned_ad_words \
                and self.first_response_seconds is None:
            raise ValueError(_("transcript 检查至少需要 must_mention、forbidden 或 first_response_seconds 之一"))
        for index, fact in enumerate(self.must_mention):
            if not any(v.strip() for v in fact_variants(fact)):
                raise ValueError(_("must_mention[%(i)d] 不能为空") % {"i": index})
        return self


def conversation(ctx, params: TranscriptParams) -> tuple[Customer | None, list[ChatMessage], list[ChatMessage]]:
    """(buyer, the buyer's open questions, the shop's replies to them) — see the module docstring."""
    customer = Customer.objects.for_sandbox(ctx.sandbox).filter(nickname=params.customer).first()
    if customer is None:
        return None, [], []
    messages = ChatMessage.objects.for_sandbox(ctx.sandbox).filter(session__customer=customer)
    frozen_at = getattr(ctx, "frozen_at", None)
    if frozen_at is not None:
        messages = messages.filter(created_at__lte=frozen_at)
    messages = list(messages.order_by("created_at", "id"))
    baseline = getattr(ctx, "baseline_ids", None)
    old_ids = baseline("chatmessage") if callable(baseline) else set()
    repliers = {ChatMessage.Sender.MERCHANT, ChatMessage.Sender.AUTO} if params.count_auto_replies \
        else {ChatMessage.Sender.MERCHANT}
    # Only replies of the kinds this check counts close a question: an auto-reply that fired while
    # the scenario set the chat up must not make the buyer's question look answered already.
    old_replies = [m for m in messages if m.pk in old_ids and m.sender in repliers]
    last = (old_replies[-1].created_at, old_replies[-1].pk) if old_replies else None
    questions = [m for m in messages if m.sender == ChatMessage.Sender.BUYER
                 and (last is None or (m.created_at, m.pk) > last)]
    if not questions:
        return customer, [], []
    first = questions[0]
    replies = [m for m in messages if m.sender in repliers and m.pk not in old_ids
               and (m.created_at, m.pk) > (first.created_at, first.pk)]
    return customer, questions, replies


@register
class TranscriptCheck(CheckKind):
    """A chat with one buyer: facts the replies give, forbidden words, first-response time."""

    name = "transcript"
    Params = TranscriptParams

    def run(self, ctx, params: TranscriptParams) -> CheckResult:
        customer, questions, replies = conversation(ctx, params)
        expected = {"customer": params.customer, "must_mention": params.must_mention, "forbidden": params.forbidden,
                    "first_response_seconds": params.first_response_seconds}
        if customer is None:
            return CheckResult(score=0, max=ctx.points, message=_("找不到买家“%(name)s”")
                                                                % {"name": params.customer}, expected=expected)
        if not questions:
            return CheckResult(score=0, max=ctx.points, message=_("买家“%(name)s”没有待回复的咨询") % {"name": params.customer},
                               expected=expected, actual={"questions": 0})
        evidence = [{"kind": "transcript", "customer": params.customer,
                     "messages": [{"sender": m.sender, "at": m.created_at.isoformat(), "body": m.body}
                                  for m in sorted([*questions, *replies], key=lambda m: (m.created_at, m.pk))]}]
        if not replies:
            return CheckResult(score=0, max=ctx.points, message=_("没有回复买家“%(name)s”的咨询") % {"name": params.customer},
                               expected=expected, actual={"questions": len(questions), "replies": 0},
                               evidence=evidence)
        said = "\n".join(m.body for m in replies)
        parts: list[Decimal] = []
        notes: list[str] = []
        mentioned = []
        for fact in params.must_mention:
            variants = fact_variants(fact)
            ok = any(normalize_text(v) and normalize_text(v) in normalize_text(said) for v in variants)
            mentioned.append(ok)
            parts.append(Decimal(1) if ok else Decimal(0))
            if not ok:
                notes.append(_("未提到：%(fact)s") % {"fact": variants[0]} + (
                    _("（可接受的说法：%(all)s）") % {"all": " / ".join(variants)} if len(variants) > 1 else ""))
        said_forbidden: list[str] = []
        if params.forbidden or params.banned_ad_words:
            heard = normalize_text(said)
            said_forbidden = [w for w in params.forbidden if normalize_text(w) and normalize_text(w) in heard]
            if params.banned_ad_words:
                said_forbidden += [h.word for h in banned_words_found(said) if h.word not in said_forbidden]
            parts.append(Decimal(0) if said_forbidden else Decimal(1))
            if said_forbidden:
                notes.append(_("回复中出现了不应使用的词：") + "、".join(said_forbidden))
        seconds = None
        if params.first_response_seconds is not None:
            seconds = int((replies[0].created_at - questions[0].created_at).total_seconds())
            fast = seconds <= params.first_response_seconds
            parts.append(Decimal(1) if fast else Decimal(0))
            if not fast:
                notes.append(_("首次响应用时 %(s)d 秒，要求不超过 %(max)d 秒") % {"s": seconds, "max": params.first_response_seconds})
        share = sum(parts, Decimal(0)) / Decimal(len(parts)) if parts else Decimal(1)
        actual: dict[str, Any] = {"questions": len(questions), "replies": len(replies),
                                  "mentioned": mentioned, "forbidden_said": said_forbidden,
                                  "first_response_seconds": seconds}
        message = "\n".join(notes) if notes else _("回复符合要求")
        return CheckResult(score=Decimal(ctx.points) * share, max=ctx.points, message=message,
                           expected=expected, actual=actual, evidence=evidence)
