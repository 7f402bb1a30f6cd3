"""``text``: copy the candidate wrote — length, required keywords, words banned in advertising.

The banned words are a maintained list with categories and legal basis in
``task_scenarios/data/ad_banned_words.yaml`` (广告法第九条 …), matched tolerantly: ``ＮＯ．１``,
``No. 1`` and ``NO.1`` are the same word. Phrases that merely contain a banned word (最近 in 最)
are listed per category as allowed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from pydantic import Field, ValidationError, model_validator

from autograder.matching import normalize_text
from autograder.registry import CheckKind, CheckParams, CheckResult, register
from shop_sim.services.text import byte_length
from task_scenarios.shopmodels import ShopNameError, resolve_field, shop_model

from .state import (
    EVIDENCE_ROWS, MESSAGE_ROWS, Fallback, RowQuery, one_of_groups, one_of_note, row_name, select_rows_found,
)

BANNED_WORDS_FILE = Path(__file__).resolve().parents[2] / "task_scenarios" / "data" / "ad_banned_words.yaml"


@dataclass(frozen=True)
class BannedCategory:
    id: str
    name: str
    basis: str
    words: tuple[str, ...]
    allow: tuple[str, ...]


@dataclass(frozen=True)
class BannedHit:
    word: str  # as listed
    category: str
    basis: str

    def describe(self) -> str:
        return f"“{self.word}”（{self.category}，{self.basis}）"


@functools.lru_cache(maxsize=4)
def banned_categories(path: str | None = None) -> tuple[BannedCategory, ...]:
    """The maintained list, read once per process."""
    data = yaml.safe_load(Path(path or BANNED_WORDS_FILE).read_text(encoding="utf-8"))
    return tuple(
        BannedCategory(id=c["id"], name=c["name"], basis=c["basis"],
                       words=tuple(str(w) for w in c.get("words") or ()),
                       allow=tuple(str(w) for w in c.get("allow") or ()))
        for c in data["categories"]
    )


def _mask(text: str, phrases: tuple[str, ...]) -> str:
    for phrase in sorted({normalize_text(p) for p in phrases if normalize_text(p)}, key=len, reverse=True):
        text = text.replace(phrase, "\x00" * len(phrase))
    return text


def banned_words_found(text: str, *, extra: tuple[str, ...] = ()) -> list[BannedHit]:
    """Every banned word in ``text`` (longest match wins where words overlap), in order of appearance."""
    haystack = normalize_text(text)
    spans: list[tuple[int, int, BannedHit]] = []
    groups = [(c.allow, c.words, c.name, c.basis) for c in banned_categories()]
    if extra:
        groups.append(((), tuple(extra), _("本题禁用词"), _("题目要求")))
    for allow, words, name, basis in groups:
        masked = _mask(haystack, allow)
        for word in words:
            needle = normalize_text(word)
            if not needle:
                continue
            start = masked.find(needle)
            while start != -1:
                spans.append((start, start + len(needle), BannedHit(word=word, category=name, basis=basis)))
                start = masked.find(needle, start + 1)
    kept: list[tuple[int, int, BannedHit]] = []
    for span in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if not any(k[0] <= span[0] and span[1] <= k[1] for k in kept):
            kept.append(span)
    seen, hits = set(), []
    for _start, _end, hit in sorted(kept, key=lambda s: s[0]):
        if hit.word not in seen:
            seen.add(hit.word)
            hits.append(hit)
    return hits


Keyword = str | list[str]


def keyword_variants(keyword: Keyword) -> list[str]:
    return [keyword] if isinstance(keyword, str) else list(keyword)


def keyword_found(text: str, keyword: Keyword) -> bool:
    haystack = normalize_text(text)
    return any(normalize_text(v) and normalize_text(v) in haystack for v in keyword_variants(keyword))


class TextParams(CheckParams):
    """A text — a field of the selected rows, or a literal — and the rules it must follow."""

    model: str | None = Field(default=None, description="Shop model whose field holds the text (with filter/field).")
    filter: dict[str, Any] = Field(default_factory=dict, description="Which rows (same syntax as the state kind).")
    exclude: dict[str, Any] = Field(default_factory=dict, description="Rows to leave out.")
    label: str | None = Field(default=None, description="Field naming a row in messages.")
    created: bool | str = Field(default=False, description="Only rows added in this attempt (as in the state kind).")
    fallback: list[Fallback] = Field(default_factory=list,
                                     description="When filter finds no row: other filters, tried in order "
                                                 "(as in the state kind).")
    filter_label: str | None = Field(default=None, description="The filter in the candidate's words (state kind).")
    one_of: str | None = Field(default=None, description="Rows of several of these (a relation, or id): the best "
                                                         "one is judged (as in the state kind).")
    field: str | None = Field(default=None, description="The text field (title, subtitle, detail_html, reply …).")
    text: str | None = Field(default=None, description="A literal text instead of a field (e.g. from params).")
    html: bool = Field(default=False, description="Strip HTML tags before measuring (rich-text fields).")
    min_length: int | None = Field(default=None, ge=0, description="At least this long (in unit).")
    max_length: int | None = Field(default=None, ge=1, description="At most this long (in unit).")
    unit: Literal["chars", "bytes"] = Field(default="chars", description="chars, or bytes as Taobao counts them "
                                                                          "(CJK/full-width = 2).")
    keywords: list[Keyword] = Field(default_factory=list, description="Required keywords; each a word or a list of "
                                                                      "acceptable variants.")
    keywords_mode: Literal["all", "any"] = Field(default="all", description="all: every keyword; any: at least one.")
    banned_words: bool = Field(default=True, description="Check the Advertising Law list (最, 第一, 国家级 …).")
    extra_banned: list[str] = Field(default_factory=list, description="More words this task forbids.")
    stuffing: bool = Field(default=False,
                           description="A required keyword written more than once is keyword stuffing (关键词堆砌, "
                                       "against the platform's title rules): it halves what the text earned "
                                       "(it earns no share of its own: not stuffing is no content), or zeroes it "
                                       "when named in ``gate``.")
    gate: list[Literal["length", "keywords", "banned_words", "stuffing"]] = Field(
        default_factory=list,
        description="Rules that must hold for the text to earn anything: broken, the text scores 0 (a title with "
                    "a banned word after an explicit warning, or over the length limit, earns nothing). A gate rule "
                    "earns no share of its own: the other rules share the points.")
    partial: Literal["per_check", "all_or_nothing"] = Field(
        default="per_check", description="per_check: each rule (length, keywords, banned words) earns its share.")

    @model_validator(mode="after")
    def _target(self) -> TextParams:
        if (self.text is None) == (self.model is None):
            raise ValueError(_("text 检查需要 model+field（店铺中的文本）或 text（给定文本），二选一"))
        if self.model is not None:
            if not self.field:
                raise ValueError(_("指定 model 时必须同时指定 field"))
            try:
                self.row_query()
            except ValidationError as exc:
                raise ValueError("；".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None
            try:
                resolve_field(shop_model(self.model), self.field, allow_many=False)
            except ShopNameError as exc:
                raise ValueError(f"field: {exc}") from None
        if self.min_length is not None and self.max_length is not None and self.min_length > self.max_length:
            raise ValueError(_("min_length 不能大于 max_length"))
        if self.min_length is None and self.max_length is None and not self.keywords and not self.banned_words \
                and not self.extra_banned:
            raise ValueError(_("text 检查至少需要一条规则（长度、关键词或禁用词）"))
        given = {"length": self.min_length is not None or self.max_length is not None,
                 "keywords": bool(self.keywords), "banned_words": self.banned_words or bool(self.extra_banned),
                 "stuffing": self.stuffing}
        unset = [name for name in self.gate if not given[name]]
        if unset:
            raise ValueError(_("gate 中的规则没有设置：%(rules)s") % {"rules": "、".join(unset)})
        if self.stuffing and not self.keywords:
            raise ValueError(_("stuffing 需要 keywords（重复哪个关键词算堆砌）"))
        return self

    def row_query(self) -> RowQuery:
        return RowQuery(model=self.model, filter=self.filter, exclude=self.exclude, label=self.label,
                        created=self.created, fallback=self.fallback, filter_label=self.filter_label,
                        one_of=self.one_of)


def keyword_repeats(text: str, keyword: Keyword) -> int:
    """How many times the keyword (any of its variants; non-overlapping, tolerant) occurs in ``text``."""
    haystack = normalize_text(text)
    return max((haystack.count(normalize_text(v)) for v in keyword_variants(keyword) if normalize_text(v)), default=0)


def evaluate_text(text: str, params: TextParams) -> tuple[Decimal, list[str], dict[str, Any]]:
    """(share earned, problems found, measurements) for one text.

    Each rule that is set earns an equal share (but ``stuffing``, which halves the result); a rule
    named in ``gate`` earns no share but, broken, makes the whole text score 0 (the problem says so)."""
    parts: dict[str, Decimal] = {}
    problems: list[str] = []
    measured: dict[str, Any] = {}
    stuffed = False
    content = (strip_tags(text) if params.html else text or "").strip()
    if params.min_length is not None or params.max_length is not None:
        length = byte_length(content) if params.unit == "bytes" else len(content)
        unit = _("字节") if params.unit == "bytes" else _("字")
        measured["length"] = length
        if params.min_length is not None and length < params.min_length:
            problems.append(_("长度 %(n)d %(unit)s，至少需要 %(min)d %(unit)s")
                            % {"n": length, "unit": unit, "min": params.min_length})
            parts["length"] = Decimal(0)
        elif params.max_length is not None and length > params.max_length:
            problems.append(_("长度 %(n)d %(unit)s，最多 %(max)d %(unit)s")
                            % {"n": length, "unit": unit, "max": params.max_length})
            parts["length"] = Decimal(0)
        else:
            parts["length"] = Decimal(1)
    if params.keywords:
        missing = [k for k in params.keywords if not keyword_found(content, k)]
        found = len(params.keywords) - len(missing)
        measured["keywords_found"] = found
        if params.keywords_mode == "any":
            parts["keywords"] = Decimal(1) if found else Decimal(0)
            if not found:
                problems.append(_("缺少关键词（任一即可）：") + "、".join("/".join(keyword_variants(k)) for k in params.keywords))
        else:
            parts["keywords"] = Decimal(found) / Decimal(len(params.keywords))
            if missing:
                problems.append(_("缺少关键词：") + "、".join("/".join(keyword_variants(k)) for k in missing))
    if params.banned_words or params.extra_banned:
        hits = banned_words_found(content, extra=tuple(params.extra_banned)) if params.banned_words else \
            _extra_only(content, params.extra_banned)
        measured["banned"] = [h.word for h in hits]
        parts["banned_words"] = Decimal(0) if hits else Decimal(1)
        if hits:
            problems.append(_("含有禁用词：") + "、".join(h.describe() for h in hits))
    if params.stuffing:
        repeated = [(k, n) for k in params.keywords if (n := keyword_repeats(content, k)) > 1]
        measured["repeated_keywords"] = ["/".join(keyword_variants(k)) for k, _n in repeated]
        # Not a part of its own (an unstuffed title would earn a share for what it does not do): it
        # halves what the title earned, or zeroes it when gated.
        if "stuffing" in params.gate:
            parts["stuffing"] = Decimal(0) if repeated else Decimal(1)
        stuffed = bool(repeated)
        if repeated:
            problems.append(_("关键词堆砌：") + "、".join(
                _("“%(word)s”出现 %(n)d 次") % {"word": "/".join(keyword_variants(k)), "n": n} for k, n in repeated))
    broken = [name for name in params.gate if parts.get(name, Decimal(1)) < 1]
    scored = [share for name, share in parts.items() if name not in params.gate]
    share = sum(scored, Decimal(0)) / Decimal(len(scored)) if scored else Decimal(1)
    if params.stuffing and stuffed and "stuffing" not in params.gate:
        share = share / 2
    if params.partial == "all_or_nothing" and share < 1:
        share = Decimal(0)
    if broken:
        names = {"length": _("长度"), "keywords": _("关键词"), "banned_words": _("禁用词"), "stuffing": _("关键词堆砌")}
        problems.append(_("%(rules)s不符合要求，本项不得分") % {"rules": "、".join(names[b] for b in broken)})
        measured["gate_broken"] = broken
        share = Decimal(0)
    return share, problems, measured


def _extra_only(content: str, words: list[str]) -> list[BannedHit]:
    haystack = normalize_text(content)
    return [BannedHit(word=w, category=_("本题禁用词"), basis=_("题目要求")) for w in words
            if normalize_text(w) and normalize_text(w) in haystack]


@register
class TextCheck(CheckKind):
    """Copy: length bounds, required keywords, words banned by the Advertising Law."""

    name = "text"
    Params = TextParams

    def run(self, ctx, params: TextParams) -> CheckResult:
        if params.text is not None:
            share, problems, measured = evaluate_text(params.text, params)
            message = "；".join(problems) if problems else _("文本符合要求")
            return CheckResult(score=Decimal(ctx.points) * share, max=ctx.points, message=message,
                               expected=_rules(params), actual=measured,
                               evidence=[{"kind": "text", "text": params.text[:2000]}])
        model, label, rows, found_by = select_rows_found(ctx, params.row_query(), [params.field])
        if not rows:
            return CheckResult(score=0, max=ctx.points, message=_("没有找到要检查的%(what)s记录")
                                                                % {"what": model._meta.verbose_name},
                               expected=_rules(params), actual={"rows": 0})
        query = params.row_query()
        groups = one_of_groups(model, query, rows)
        note = ""
        if len(groups) > 1:  # judge the best of the candidate's several attempts
            def average(group):
                return sum((evaluate_text(str(r.get(params.field) or ""), params)[0] for r in group),
                           Decimal(0)) / Decimal(len(group))

            best = max(range(len(groups)), key=lambda i: (average(groups[i]), -i))
            rows, note = groups[best], one_of_note(model, query, groups, best)
        total = Decimal(0)
        lines, results = [], []
        for row in rows:
            value = row.get(params.field) or ""
            share, problems, measured = evaluate_text(str(value), params)
            total += share
            results.append({"row": row_name(model, label, row), "share": str(share.quantize(Decimal("0.01"))),
                            **measured})
            if problems:
                lines.append(f"{row_name(model, label, row)}：" + "；".join(problems))
        share = total / Decimal(len(rows))
        bad = len(lines)
        message_lines = lines[:MESSAGE_ROWS]
        if bad > MESSAGE_ROWS:
            message_lines.append(_("……另有 %(n)d 条不符合") % {"n": bad - MESSAGE_ROWS})
        if not lines:
            message_lines = [_("文本符合要求（%(n)d 条）") % {"n": len(rows)}]
        if note:
            message_lines.insert(0, note)
        if found_by:
            message_lines.insert(0, found_by)
        evidence = [{"kind": "text", "row": row_name(model, label, row),
                     "text": str(row.get(params.field) or "")[:2000]} for row in rows[:EVIDENCE_ROWS]]
        return CheckResult(score=Decimal(ctx.points) * share, max=ctx.points, message="\n".join(message_lines),
                           expected=_rules(params), actual={"rows": len(rows), "results": results[:EVIDENCE_ROWS]},
                           evidence=evidence)


def _rules(params: TextParams) -> dict[str, Any]:
    return {"min_length": params.min_length, "max_length": params.max_length, "unit": params.unit,
            "keywords": params.keywords, "keywords_mode": params.keywords_mode,
            "banned_words": params.banned_words, "extra_banned": params.extra_banned, "stuffing": params.stuffing,
            "gate": params.gate}
