"""Personas in a scenario folder (the fixture task is worth 10 points): each declares its kind and the band an examiner would give it,
literally, before the grader runs; the loader refuses a missing, malformed or too-wide band."""

from decimal import Decimal

import pytest

from task_scenarios.loader import ScenarioLoadError, load_scenario
from tests.unit.scenario_fixtures.helpers import copy_good

RUN = "\n\ndef run(ctx):\n    pass\n"


def _with_persona(tmp_path, name: str, header: str):
    folder = copy_good(tmp_path)
    (folder / "personas").mkdir(exist_ok=True)
    (folder / "personas" / f"{name}.py").write_text(f'"""A candidate."""\n{header}{RUN}', encoding="utf-8")
    return folder


def _problems(folder) -> list[str]:
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(folder)
    return [str(p) for p in caught.value.problems]


def test_a_persona_is_loaded_with_its_kind_and_band(tmp_path):
    folder = _with_persona(tmp_path, "other_order", 'KIND = "correct"\nEXPECTED = (9, 10)\n')
    (folder / "personas" / "__init__.py").write_text("")
    (folder / "personas" / "_shared.py").write_text("def helper(ctx):\n    pass\n")  # not a persona
    scenario = load_scenario(folder)
    assert [(p.name, p.kind, p.expected) for p in scenario.personas] == \
        [("other_order", "correct", (Decimal("9"), Decimal("10")))]


def test_a_scenario_without_personas_still_loads(tmp_path):
    assert load_scenario(copy_good(tmp_path)).personas == ()


@pytest.mark.parametrize("header,field,says", [
    ('KIND = "correct"\n', "EXPECTED", "缺少 EXPECTED"),
    ('KIND = "correct"\nEXPECTED = (8, 6)\n', "EXPECTED", "0 ≤ 最低分 ≤ 最高分 ≤ 总分"),
    ('KIND = "correct"\nEXPECTED = (9, 11)\n', "EXPECTED", "0 ≤ 最低分 ≤ 最高分 ≤ 总分"),
    ('KIND = "partial"\nEXPECTED = (4, 6)\n', "EXPECTED", "分数区间最宽为总分的 15%（1.5 分），现为 2 分"),
    ('KIND = "partial"\nEXPECTED = [8]\n', "EXPECTED", "缺少 EXPECTED"),
    ('KIND = "partial"\nEXPECTED = (LOW, 5)\n', "EXPECTED", "缺少 EXPECTED"),
    ('KIND = "lucky"\nEXPECTED = (4, 5)\n', "KIND", "KIND 必须是以下之一"),
    ('EXPECTED = (4, 5)\n', "KIND", "KIND 必须是以下之一"),
])
def test_a_bad_header_is_a_problem_naming_the_file_and_field(tmp_path, header, field, says):
    problems = _problems(_with_persona(tmp_path, "someone", header))
    assert any(p.startswith(f"personas/someone.py: {field}") and says in p for p in problems), problems


def test_a_persona_without_run_is_a_problem(tmp_path):
    folder = copy_good(tmp_path)
    (folder / "personas").mkdir()
    (folder / "personas" / "idle.py").write_text('KIND = "gaming"\nEXPECTED = (0, 1)\n', encoding="utf-8")
    assert any(p.startswith("personas/idle.py: run") for p in _problems(folder))


# -- which personas a verify run takes (CI rotates them over the seeds) ---------------------------

def test_rotate_runs_each_persona_on_exactly_one_seed_and_the_rotation_moves_it():
    from autograder.verify import personas_for_seed

    personas = [f"p{i}" for i in range(11)]
    for rotation in (0, 1, 738_000):
        chosen = [personas_for_seed(personas, index, 2, mode="rotate", rotation=rotation) for index in range(2)]
        assert sorted(chosen[0] + chosen[1]) == sorted(personas)  # every persona once
        assert not set(chosen[0]) & set(chosen[1])  # and never twice
        assert abs(len(chosen[0]) - len(chosen[1])) <= 1
    day0 = personas_for_seed(personas, 0, 2, mode="rotate", rotation=0)
    day1 = personas_for_seed(personas, 0, 2, mode="rotate", rotation=1)
    assert not set(day0) & set(day1)  # the next day each persona meets the other seed
    assert personas_for_seed(personas, 1, 2, mode="all") == personas
    assert personas_for_seed(personas, 0, 2, mode="none") == []
    with pytest.raises(ValueError):
        personas_for_seed(personas, 0, 2, mode="some")


def test_the_rotation_follows_the_day_unless_pinned(monkeypatch):
    from datetime import datetime, timezone

    from autograder.verify import persona_rotation

    monkeypatch.delenv("VERIFY_PERSONA_ROTATION", raising=False)
    assert persona_rotation() == datetime.now(timezone.utc).toordinal()
    monkeypatch.setenv("VERIFY_PERSONA_ROTATION", "7")
    assert persona_rotation() == 7
