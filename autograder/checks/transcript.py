"""``transcript``: how the candidate answered a buyer in chat — facts given, words avoided, speed.

The buyer is named by nickname; all of that buyer's chat sessions are read in time order. Only the
conversation the task opened counts: the buyer's questions after the last reply that was already in
the shop's starting state (the baseline), and the shop's replies after the first of them. So a
generated shop's old chat history can neither earn nor lose points. Only messages sent by the time
the attempt froze (``ctx.frozen_at``) are read: a reply that slipped in after 交卷 or the deadline
never counts (the report lists it for the examiner, see autograder.freeze).

How an examiner reads the answer (issue #11):

* *content first*: the facts (and, for a size question, the one recommended size) are the content;
  replying in time and without forbidden words are quality parts that count only when the content
  is right — a prompt, polite reply that says nothing or the wrong thing earns nothing;
* *no stuffing*: a fact counts only as the answer given — not next to a phrasing that contradicts
  it (``unless``), a recommendation is one size, not the size table, and a reply that pastes more
  of the shop's other facts (``off_topic``) than ``off_topic_allowed`` is a copy of the 店铺资料:
  the facts buried in it earn ``PASTE_CREDIT`` (half) of their share and the quality parts nothing;
* *equivalence*: phrasings are compared with ``normalize_phrase`` (全角/半角, case, spaces, Chinese
  numerals, clock times: 下午四点 = 16:00), and each fact lists the phrasings it accepts;
* the first-response clock runs from the buyer's question, but never from before the task was first
  opened (``ScenarioInstance.started_at``, when the variant's ``start`` ran).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from autograder.matching import labels_named, normalize_phrase, phrase_in
from autograder.registry import CheckKind, CheckParams, CheckResult, register
from shop_sim.models import ChatMessage, Customer

from .text import banned_words_found

PASTE_CREDIT = Decimal("0.5")  # a fact buried in a paste of the shop's facts: informs, but is no answer


class FactSpec(CheckParams):
    """One fact: the phrasings that state it, how to name it to the candidate, what contradicts it."""

    say: list[str] = Field(min_length=1, description="Accepted phrasings, e.g. [满79, 79元以上, 79元及以上].")
    label: str = Field(default="", description="The fact as the candidate should read it in a message, "
                                               "e.g. 满79元包邮; default: the first phrasing.")
    unless: list[str] = Field(default_factory=list,
                              description="Phrasings of a contradicting value (another carrier, another "
                                          "promise): said as well, the fact is not given.")


Fact = str | list[str] | FactSpec


def fact_variants(fact: Fact) -> list[str]:
    if isinstance(fact, FactSpec):
        return list(fact.say)
    return [fact] if isinstance(fact, str) else list(fact)


def fact_label(fact: Fact) -> str:
    if isinstance(fact, FactSpec) and fact.label:
        return fact.label
    return fact_variants(fact)[0]


def fact_given(text: str, fact: Fact) -> bool:
    """The fact is stated in ``text`` (any accepted phrasing) and not contradicted next to it."""
    said = normalize_phrase(text)
    if not any((want := normalize_phrase(v)) and want in said for v in fact_variants(fact)):
        return False
    rivals = fact.unless if isinstance(fact, FactSpec) else []
    return not any((other := normalize_phrase(v)) and other in said for v in rivals)


def off_topic_given(text: str, facts: list[Fact]) -> list[str]:
    """The other topics' facts ``text`` states: a reply that pastes them all is not an answer."""
    return [fact_label(fact) for fact in facts if fact_given(text, fact)]


class Recommendation(CheckParams):
    """A choice the reply must make: exactly one of ``choices`` named, and it is ``answer``."""

    choices: list[list[str]] = Field(min_length=2, description="Each option's labels, e.g. [[S], [M], [XXL, 2XL]].")
    answer: str = Field(min_length=1, description="The right option: one of its labels.")
    label: str = Field(default="", description="What is being recommended, e.g. 尺码.")

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> Recommendation:
        if not any(self.answer in labels for labels in self.choices):
            raise ValueError(_("answer 须是 choices 中的一项"))
        return self

    def right(self) -> int:
        return next(i for i, labels in enumerate(self.choices) if self.answer in labels)


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
    recommend: Recommendation | None = Field(default=None,
                                             description="The replies must recommend exactly one option (a "
                                                         "size), the right one: naming several is a table, "
                                                         "not a recommendation.")
    off_topic: list[Fact] = Field(default_factory=list,
                                  description="The shop's facts that do not answer this buyer (other topics).")
    off_topic_allowed: int = Field(default=1, ge=0,
                                   description="How many of them a reply may add (proactive service) before it "
                                               "counts as a paste of the shop's facts, which answers nothing.")

    @model_validator(mode="after")
    def _something(self) -> TranscriptParams:
        if not self.must_mention and not self.forbidden and not self.banned_ad_words \
                and self.first_response_seconds is None and self.recommend is None:
            raise ValueError(_("transcript 检查至少需要 must_mention、recommend、forbidden 或 first_response_seconds 之一"))
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
    freeze_aware = True
    Params = TranscriptParams

    def run(self, ctx, params: TranscriptParams) -> CheckResult:
        customer, questions, replies = conversation(ctx, params)
        expected = params.model_dump(mode="json", include={"customer", "must_mention", "forbidden",
                                                           "first_response_seconds", "recommend"})
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
        content: list[bool] = []
        notes: list[str] = []
        stuffed = off_topic_given(said, params.off_topic)
        pasted = len(stuffed) > params.off_topic_allowed
        if pasted:
            notes.append(_("回复罗列了与买家问题无关的店铺资料（%(facts)s）：答案淹没在资料里，内容只计一半，"
                           "及时回复和文明用语不计分；请只回答买家问到的内容") % {"facts": "、".join(stuffed)})
        mentioned = []
        for fact in params.must_mention:
            ok = fact_given(said, fact)
            mentioned.append(ok)
            content.append(ok)
            if not ok:
                variants = fact_variants(fact)
                notes.append(_("未提到：%(fact)s") % {"fact": fact_label(fact)} + (
                    _("（可接受的说法：%(all)s）") % {"all": " / ".join(variants)} if len(variants) > 1 else ""))
        recommended: list[str] = []
        if params.recommend is not None:
            named = labels_named(said, params.recommend.choices)
            recommended = [params.recommend.choices[i][0] for i in named]
            ok = named == [params.recommend.right()]
            content.append(ok)
            what = params.recommend.label or _("选项")
            if not named:
                notes.append(_("没有推荐具体的%(what)s，应推荐 %(answer)s") % {"what": what, "answer": params.recommend.answer})
            elif len(named) > 1:
                notes.append(_("推荐须是一个%(what)s，回复中提到了 %(named)s；应推荐 %(answer)s")
                             % {"what": what, "named": "、".join(recommended), "answer": params.recommend.answer})
            elif not ok:
                notes.append(_("推荐的%(what)s是 %(named)s，按资料应为 %(answer)s")
                             % {"what": what, "named": recommended[0], "answer": params.recommend.answer})
        # quality parts (no forbidden words, in time): count only when the content is right
        quality: list[bool] = []
        said_forbidden: list[str] = []
        if params.forbidden or params.banned_ad_words:
            said_forbidden = [w for w in params.forbidden if phrase_in(said, w)]
            if params.banned_ad_words:
                said_forbidden += [h.word for h in banned_words_found(said) if h.word not in said_forbidden]
            quality.append(not said_forbidden)
            if said_forbidden:
                notes.append(_("回复中出现了不应使用的词：") + "、".join(said_forbidden))
        seconds = None
        if params.first_response_seconds is not None:
            asked = questions[0].created_at
            opened = getattr(getattr(ctx, "instance", None), "started_at", None)
            if opened is not None and opened > asked:  # the clock never runs before the task was opened
                asked = opened
            seconds = max(0, int((replies[0].created_at - asked).total_seconds()))
            fast = seconds <= params.first_response_seconds
            quality.append(fast)
            if not fast:
                notes.append(_("首次响应用时 %(s)d 秒，要求不超过 %(max)d 秒") % {"s": seconds, "max": params.first_response_seconds})
        content_right = all(content) and not pasted
        if quality and not content_right and any(quality) and not pasted:
            notes.append(_("回复的内容不对，及时回复和文明用语不单独得分"))
        units = len(content) + len(quality)
        earned = Decimal(sum(content)) * (PASTE_CREDIT if pasted else Decimal(1)) \
            + (sum(quality) if content_right else 0)
        share = earned / Decimal(units) if units else Decimal(1)
        actual: dict[str, Any] = {"questions": len(questions), "replies": len(replies),
                                  "mentioned": mentioned, "recommended": recommended, "off_topic": stuffed,
                                  "forbidden_said": said_forbidden, "first_response_seconds": seconds}
        message = "\n".join(notes) if notes else _("回复符合要求")
        return CheckResult(score=Decimal(ctx.points) * share, max=ctx.points, message=message,
                           expected=expected, actual=actual, evidence=evidence)
