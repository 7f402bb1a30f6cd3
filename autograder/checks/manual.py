"""``manual``: a criterion an examiner scores by hand (商业实务) against level descriptors.

Grading records it with score 0, "待考评员评分" and the descriptors as evidence; the examiner's score is
added to the report later. The descriptors are part of the rubric so every examiner applies the
same scale.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import Field, model_validator

from autograder.registry import CheckKind, CheckParams, CheckResult, register

PENDING = gettext_noop("待考评员评分")


class Descriptor(CheckParams):
    """One level of the scale: its name, the points it earns, and what work at that level looks like."""

    level: str = Field(min_length=1, description="Level name, e.g. 优秀 / 良好 / 合格 / 不合格.")
    points: Decimal = Field(ge=0, max_digits=6, decimal_places=2, description="Points this level earns.")
    description: str = Field(min_length=1, description="What work at this level looks like.")


class ManualParams(CheckParams):
    """The scale the examiner scores against."""

    descriptors: list[Descriptor] = Field(min_length=2, description="The levels, best first.")
    guidance: str = Field(default="", description="Notes for the examiner (what to look at, where).")

    @model_validator(mode="after")
    def _levels(self) -> ManualParams:
        names = [d.level for d in self.descriptors]
        if len(set(names)) != len(names):
            raise ValueError(_("descriptors 的 level 不能重复"))
        return self


@register
class ManualCheck(CheckKind):
    """Examiner-scored against level descriptors: recorded at grading, scored later."""

    name = "manual"
    Params = ManualParams
    machine_scored = False

    def scenario_problems(self, params: ManualParams, *, folder: Path, criterion: Any) -> list[tuple[str, str]]:
        """Load-time: the best level earns exactly the criterion's points, none earns more."""
        top = max(d.points for d in params.descriptors)
        problems = []
        if top != criterion.points:
            problems.append(("descriptors", _("最高档 %(top)s 分应等于评分项分值 %(points)s 分")
                                            % {"top": top, "points": criterion.points}))
        return problems

    def run(self, ctx, params: ManualParams) -> CheckResult:
        descriptors = [{"level": d.level, "points": format(d.points, "f"), "description": d.description}
                       for d in params.descriptors]
        return CheckResult(score=0, max=ctx.points, message=_(PENDING),
                           expected={"descriptors": descriptors, "guidance": params.guidance},
                           evidence=[{"kind": "descriptors", "descriptors": descriptors, "guidance": params.guidance}])
