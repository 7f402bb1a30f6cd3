"""``autoreply``: would the shop's auto-replies answer buyers' questions the trainer keeps hidden?

智能客服训练 is judged the way it is used: a set of buyer questions — the phrasing in the task and
paraphrases the candidate never saw — is put to the shop's own matcher
(``shop_sim.selectors.chat.autoreply_matches``, the function the live chat uses), and the reply of
the keyword rule that answers each question must give the facts. Keywords that only catch the
example sentence lose the paraphrases. Recall alone would pay a catch-all rule (吗/？/的) whose reply
pastes every fact, so the rules are tested for precision too: questions that must NOT get this
topic's answer (the other topics' questions, small talk) are put to the same matcher, and one that
is answered by a rule of this topic, or by a rule pasting every fact, is a false answer.
score = recall × precision. A reply that pastes the shop's other facts (``off_topic``) answers
only half its facts' share (see the ``transcript`` kind).
The first greeting (首次接待语) is judged the same way: the enabled one a new session gets.
Nothing is sent and nothing is written. The rules are those the shop had when the attempt froze
(``autograder.freeze.autoreply_rules_at``): a rule edited after 交卷 or the deadline never counts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from autograder.freeze import autoreply_rules_at
from autograder.registry import CheckKind, CheckParams, CheckResult, register
from shop_sim.models import AutoReplyRule
from shop_sim.selectors.chat import autoreply_matches

from .transcript import PASTE_CREDIT, Fact, fact_given, fact_label, fact_variants, off_topic_given

MESSAGE_ITEMS = 8  # items spelled out in the message; the evidence has them all


class HiddenQuestion(CheckParams):
    """One buyer question of the hidden test and what its answer must say."""

    text: str = Field(min_length=1, max_length=500,
                      description="The buyer's question as sent to the matcher, e.g. 几天能发出？")
    must_mention: list[Fact] = Field(min_length=1,
                                     description="Facts the answering keyword rule's reply must give; each a phrase "
                                                 "or a list of acceptable phrasings (matched ignoring 全角/半角, case, "
                                                 "spaces).")

    @model_validator(mode="after")
    def _facts(self) -> HiddenQuestion:
        if not self.text.strip():
            raise ValueError(_("text 不能为空"))
        _check_facts(self.must_mention, "must_mention")
        return self


class AutoReplyParams(CheckParams):
    """Hidden questions for the keyword rules and/or what the first greeting must say."""

    questions: list[HiddenQuestion] = Field(
        default_factory=list, max_length=100,
        description="Buyer questions (the task's example and paraphrases); each is answered by the first enabled "
                    "keyword rule that matches it, as in the live chat. Equal shares.")
    greeting_must_mention: list[Fact] = Field(
        default_factory=list,
        description="Facts the enabled first greeting (首次接待语) must contain, e.g. the shop name; one more "
                    "equal share.")
    must_not_trigger: list[str] = Field(
        default_factory=list, max_length=100,
        description="Buyer questions that must not get this topic's answer (other topics, small talk): "
                    "precision. Score = recall × share of these answered otherwise or not at all.")
    off_topic: list[Fact] = Field(default_factory=list,
                                  description="The shop's facts that do not answer these questions.")
    off_topic_allowed: int = Field(default=1, ge=0,
                                   description="How many of them a reply may add before it is a paste of "
                                               "the shop's facts, which answers nothing.")

    @model_validator(mode="after")
    def _something(self) -> AutoReplyParams:
        if not self.questions and not self.greeting_must_mention:
            raise ValueError(_("autoreply 检查至少需要 questions 或 greeting_must_mention 之一"))
        _check_facts(self.greeting_must_mention, "greeting_must_mention")
        return self


def _check_facts(facts: list[Fact], where: str) -> None:
    for index, fact in enumerate(facts):
        if not any(str(v).strip() for v in fact_variants(fact)):
            raise ValueError(_("%(where)s[%(i)d] 不能为空") % {"where": where, "i": index})


def _mentioned(text: str, facts: list[Fact]) -> list[bool]:
    return [fact_given(text, fact) for fact in facts]


def _missing(facts: list[Fact], mentioned: list[bool]) -> str:
    return "、".join(fact_label(fact) for fact, ok in zip(facts, mentioned) if not ok)


def _rule_shown(rule: AutoReplyRule) -> dict[str, Any]:
    return {"id": rule.pk, "kind": rule.kind, "keywords": list(rule.keywords or []), "reply": rule.reply,
            "position": rule.position}


@register
class AutoReplyCheck(CheckKind):
    """The shop's auto-reply rules, tested with hidden buyer questions and a new session's greeting."""

    name = "autoreply"
    freeze_aware = True
    Params = AutoReplyParams

    def run(self, ctx, params: AutoReplyParams) -> CheckResult:
        shares: list[Decimal] = []
        lines: list[str] = []
        items: list[dict[str, Any]] = []

        rules = autoreply_rules_at(ctx.sandbox, getattr(ctx, "frozen_at", None))
        if params.greeting_must_mention:
            matches = autoreply_matches(sandbox=ctx.sandbox, text="", first_message=True, offline=False, rules=rules)
            greeting = next((r for r in matches if r.kind == AutoReplyRule.Kind.GREETING), None)
            if greeting is None:
                mentioned = [False] * len(params.greeting_must_mention)
                lines.append(_("首次接待语：没有启用的首次接待语"))
            else:
                mentioned = _mentioned(greeting.reply, params.greeting_must_mention)
                if not all(mentioned):
                    lines.append(_("首次接待语“%(reply)s”未提到：%(missing)s")
                                 % {"reply": greeting.reply, "missing": _missing(params.greeting_must_mention, mentioned)})
            shares.append(Decimal(sum(mentioned)) / Decimal(len(mentioned)))
            items.append({"greeting": True, "rule": _rule_shown(greeting) if greeting else None, "mentioned": mentioned})

        topic_rules: set[int] = set()
        topic_facts: list[Fact] = []
        for question in params.questions:
            matches = autoreply_matches(sandbox=ctx.sandbox, text=question.text, first_message=False, offline=False,
                                        rules=rules)
            rule = next((r for r in matches if r.kind == AutoReplyRule.Kind.KEYWORD), None)
            topic_facts = topic_facts or list(question.must_mention)
            pasted: list[str] = []
            if rule is None:
                mentioned = [False] * len(question.must_mention)
                lines.append(_("买家问“%(q)s”：没有关键词回复规则匹配") % {"q": question.text})
            else:
                topic_rules.add(rule.pk)
                pasted = off_topic_given(rule.reply, params.off_topic)
                mentioned = _mentioned(rule.reply, question.must_mention)
                if len(pasted) > params.off_topic_allowed:
                    lines.append(_("买家问“%(q)s”：回复罗列了与问题无关的店铺资料（%(facts)s），答案淹没在资料里，只计一半")
                                 % {"q": question.text, "facts": "、".join(pasted)})
                else:
                    if not all(mentioned):
                        lines.append(_("买家问“%(q)s”：由关键词“%(keywords)s”的规则回复，未提到：%(missing)s")
                                     % {"q": question.text, "keywords": "、".join(map(str, rule.keywords or [])),
                                        "missing": _missing(question.must_mention, mentioned)})
            share = Decimal(sum(mentioned)) / Decimal(len(mentioned))
            shares.append(share * PASTE_CREDIT if len(pasted) > params.off_topic_allowed else share)
            items.append({"question": question.text, "rule": _rule_shown(rule) if rule else None,
                          "mentioned": mentioned, "off_topic": pasted})

        precision = Decimal(1)
        wrong: list[str] = []
        for text in params.must_not_trigger:
            matches = autoreply_matches(sandbox=ctx.sandbox, text=text, first_message=False, offline=False, rules=rules)
            rule = next((r for r in matches if r.kind == AutoReplyRule.Kind.KEYWORD), None)
            # a rule of this topic, or a paste of every fact (a catch-all below the topic's rules); another
            # topic's rule that adds one of this topic's facts as a courtesy is no false answer
            false = rule is not None and (
                rule.pk in topic_rules
                or bool(topic_facts) and all(_mentioned(rule.reply, topic_facts))
                and len(off_topic_given(rule.reply, params.off_topic)) > params.off_topic_allowed)
            if false:
                wrong.append(text)
            items.append({"must_not_trigger": text, "rule": _rule_shown(rule) if rule else None, "false_answer": false})
        if params.must_not_trigger:
            precision = Decimal(len(params.must_not_trigger) - len(wrong)) / Decimal(len(params.must_not_trigger))
            if wrong:
                lines.append(_("这些与本题无关的问题也收到了这条回复：%(questions)s（关键词太宽，会答非所问）")
                             % {"questions": "、".join(f"“{q}”" for q in wrong)})

        fraction = sum(shares, Decimal(0)) / Decimal(len(shares)) * precision
        answered = sum(1 for share in shares if share == 1)
        if wrong:  # the precision line first: it is the reason, whatever the recall
            lines.insert(0, lines.pop())
        if lines:
            shown = lines[:MESSAGE_ITEMS]
            if len(lines) > MESSAGE_ITEMS:
                shown.append(_("……另有 %(n)d 项不符合") % {"n": len(lines) - MESSAGE_ITEMS})
            message = _("%(good)d/%(n)d 项自动回复符合要求") % {"good": answered, "n": len(shares)} + "\n" + "\n".join(shown)
        else:
            message = _("自动回复符合要求（%(n)d 项）") % {"n": len(shares)}
        expected = params.model_dump(mode="json", include={"questions", "greeting_must_mention", "must_not_trigger"})
        actual = {"items": items, "answered": answered, "false_answers": wrong, "precision": str(precision)}
        return CheckResult(score=min(Decimal(ctx.points) * fraction, Decimal(ctx.points)), max=ctx.points,
                           message=message, expected=expected, actual=actual,
                           evidence=[{"kind": "autoreply", "items": items}])
