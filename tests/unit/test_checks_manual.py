"""The ``manual`` kind: recorded at grading with its descriptors, scored later by an examiner."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from autograder.checks.manual import PENDING, ManualCheck, ManualParams
from autograder.registry import get_kind
from tests.unit.scenario_fixtures.helpers import run_check

DESCRIPTORS = {"descriptors": [{"level": "优秀", "points": 4, "description": "方案完整、可执行"},
                               {"level": "合格", "points": 2, "description": "方案基本完整"},
                               {"level": "不合格", "points": 0, "description": "未完成"}],
               "guidance": "看营销方案文档"}


def test_pending_with_descriptors_as_evidence():
    result = run_check("manual", DESCRIPTORS, None, points="4")
    assert result.score == 0 and result.max == Decimal("4.00") and result.message == PENDING
    [evidence] = result.evidence
    assert evidence["kind"] == "descriptors" and evidence["guidance"] == "看营销方案文档"
    assert [d["level"] for d in evidence["descriptors"]] == ["优秀", "合格", "不合格"]
    assert evidence["descriptors"][0]["points"] == "4"


def test_is_not_machine_scored():
    assert get_kind("manual") is ManualCheck and ManualCheck.machine_scored is False


@pytest.mark.parametrize("bad", [
    {"descriptors": []},
    {"descriptors": [{"level": "优秀", "points": 2, "description": "x"}]},
    {"descriptors": [{"level": "优秀", "points": 2, "description": "x"},
                     {"level": "优秀", "points": 1, "description": "y"}]},
    {"descriptors": [{"level": "优秀", "points": -1, "description": "x"},
                     {"level": "差", "points": 0, "description": "y"}]},
])
def test_params_refused(bad):
    with pytest.raises(ValidationError):
        ManualParams.model_validate(bad)
