"""The scenario format: strict schema, every problem reported with file and path, at load time."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pydantic import BaseModel, ValidationError

from autograder.registry import load_kinds
from task_scenarios.loader import ScenarioLoadError, load_catalog, load_scenario
from task_scenarios.schema import Scenario, scenario_json_schema
from tests.unit.scenario_fixtures.helpers import FIXTURES, GOOD, copy_good, edit

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def problems_of(folder) -> list[tuple[str, str, str]]:
    with pytest.raises(ScenarioLoadError) as info:
        load_scenario(folder)
    return [(p.file, p.path, p.message) for p in info.value.problems]


def paths_of(folder) -> list[tuple[str, str]]:
    return [(file, path) for file, path, _ in problems_of(folder)]


# -- the good scenario ---------------------------------------------------------------------------

def test_the_good_fixture_loads_with_everything_it_declares():
    scenario = load_scenario(GOOD)
    assert scenario.slug == "ship-and-memo" and scenario.version == 1
    assert [c.id for c in scenario.rubric] == ["ship_orders", "memo", "subtitle_copy", "service_attitude"]
    assert scenario.spec.points == Decimal(10)
    assert {m.name: m.loses for m in scenario.mutants} == {
        "banned_copy": ("memo", "subtitle_copy"), "wrong_carrier": ("ship_orders",)}
    assert scenario.spec.scope.deduct == Decimal(1)
    params = scenario.params(0)
    check = scenario.check_params(scenario.rubric[0], params)
    assert check.filter == {"order_no__in": params["order_nos"]}
    assert check.expect["waybill_no"].op == "in" and check.expect["waybill_no"].value == params["waybills"]
    assert scenario.instructions(params).count(params["order_nos"][0]) == 2


def test_catalog_loading_separates_good_from_broken():
    loaded, failed = load_catalog(FIXTURES)
    assert list(loaded) == ["ship-and-memo"]
    assert set(failed) == {"bad-four-problems", "bad-kind-params", "bad-mutant", "bad-points", "bad-unknown-key",
                           "bad-unknown-kind", "bad-variant", "bad-yaml"}


# -- the broken fixtures ---------------------------------------------------------------------------

def test_one_scenario_with_four_problems_reports_all_four_with_their_paths():
    found = problems_of(FIXTURES / "bad-four-problems")
    assert [(f, p) for f, p, _ in found] == [
        ("scenario.yaml", "author"),
        ("scenario.yaml", "points"),
        ("scenario.yaml", "rubric[1].check.kind"),
        ("scenario.yaml", "rubric[2].check.max_length"),
    ]
    messages = dict(((f, p), m) for f, p, m in found)
    assert messages[("scenario.yaml", "author")] == "未知的键（不允许）"
    assert "12" in messages[("scenario.yaml", "points")] and "10" in messages[("scenario.yaml", "points")]
    assert "screenshot_diff" in messages[("scenario.yaml", "rubric[1].check.kind")]
    assert messages[("scenario.yaml", "rubric[2].check.max_length")] == "应为整数"


@pytest.mark.parametrize("slug, expected", [
    ("bad-unknown-key", [("scenario.yaml", "author")]),
    ("bad-unknown-kind", [("scenario.yaml", "rubric[1].check.kind")]),
    ("bad-kind-params", [("scenario.yaml", "rubric[0].check.model")]),
    ("bad-points", [("scenario.yaml", "points")]),
    ("bad-mutant", [("mutants/wrong_carrier.py", "LOSES")]),
    ("bad-variant", [("variant.py", "第 4 行")]),
])
def test_each_broken_fixture_reports_exactly_its_problem(slug, expected):
    assert paths_of(FIXTURES / slug) == expected


def test_yaml_syntax_errors_name_the_line():
    [(file, path, message)] = problems_of(FIXTURES / "bad-yaml")
    assert file == "scenario.yaml" and path.startswith("第 34 行")
    assert message.startswith("YAML 语法错误")


def test_an_unknown_kind_is_reported_with_the_registered_ones():
    [(_, _, message)] = problems_of(FIXTURES / "bad-unknown-kind")
    for kind in load_kinds():
        assert kind in message


def test_a_mutant_naming_an_unknown_criterion_lists_the_real_ones():
    [(_, _, message)] = problems_of(FIXTURES / "bad-mutant")
    assert "'ship_order'" in message and "ship_orders" in message


# -- more rules, on copies of the good scenario ----------------------------------------------------

def test_missing_files_and_too_few_mutants(tmp_path):
    folder = copy_good(tmp_path)
    (folder / "instructions.md").unlink()
    (folder / "solution.py").unlink()
    (folder / "mutants" / "banned_copy.py").unlink()
    assert paths_of(folder) == [("instructions.md", ""), ("solution.py", ""), ("mutants/", "")]


def test_slug_must_equal_the_folder_name(tmp_path):
    folder = copy_good(tmp_path, "other-name")
    edit(folder / "scenario.yaml", "slug: other-name", "slug: ship-and-memo")
    [(file, path, message)] = problems_of(folder)
    assert (file, path) == ("scenario.yaml", "slug") and "other-name" in message


def test_duplicate_ids_duplicate_yaml_keys_and_bad_slugs(tmp_path):
    folder = copy_good(tmp_path)
    edit(folder / "scenario.yaml", "  - id: memo\n", "  - id: ship_orders\n")
    assert ("scenario.yaml", "rubric[1].id") in paths_of(folder)
    folder = copy_good(tmp_path, "dup-key")
    edit(folder / "scenario.yaml", "minutes: 15\n", "minutes: 15\nminutes: 20\n")
    [(file, path, message)] = problems_of(folder)
    assert file == "scenario.yaml" and path.startswith("第 8 行") and "minutes" in message


def test_schema_field_errors_have_dotted_paths(tmp_path):
    folder = copy_good(tmp_path)
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    text = text.replace("levels: [四级]", "levels: [八级]").replace("minutes: 15", "minutes: 0")
    text = text.replace("en: Ship orders and add a memo}", "english: x}")
    text = text.replace("- {model: product, fields: [subtitle]}", "- {model: product, fields: [subtitel]}")
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    found = paths_of(folder)
    for path in ("title.en", "title.english", "levels[0]", "minutes", "scope.may_change[1]"):
        assert ("scenario.yaml", path) in found, path


def test_kind_params_are_checked_after_templating(tmp_path):
    folder = copy_good(tmp_path)
    # a placeholder where a list is expected is fine; a param that is not a list is not
    edit(folder / "scenario.yaml", 'waybill_no: {in: "{{ params.waybills }}"}',
         'waybill_no: {in: "{{ params.carrier }}"}')
    edit(folder / "scenario.yaml", "field: subtitle", "field: subtitel")
    edit(folder / "scenario.yaml", "{seller_memo: {contains:", "{seller_memo: {contains: 1, eq:")
    found = problems_of(folder)
    assert ("scenario.yaml", "rubric[0].check.expect.waybill_no.in") in [(f, p) for f, p, _ in found]
    assert any(p == "rubric[2].check" and "subtitel" in m for _, p, m in found)
    assert any(p == "rubric[1].check.expect.seller_memo" and "只能写一个" in m for _, p, m in found)


def test_undefined_params_and_template_typos_are_load_errors(tmp_path):
    folder = copy_good(tmp_path)
    edit(folder / "scenario.yaml", '{order_no: "{{ params.order_nos.0 }}"}', '{order_no: "{{ params.order_no }}"}')
    edit(folder / "instructions.md", "{{ params.memo }}", "{{ params.memos }}")
    edit(folder / "scenario.yaml", 'en: "Memo on the first order"', 'en: "Memo {{ param.memo }}"')
    found = problems_of(folder)
    assert ("scenario.yaml", "rubric[1].check.filter.order_no") in [(f, p) for f, p, _ in found]
    assert ("scenario.yaml", "rubric[1].description.en") in [(f, p) for f, p, _ in found]
    assert any(f == "instructions.md" and "params.memos" in m for f, _, m in found)


def test_templated_setup_numbers(tmp_path):
    folder = copy_good(tmp_path)
    edit(folder / "scenario.yaml", "shop: {seed: 11,", 'shop: {seed: "{{ params.shop_seed }}",')
    edit(folder / "variant.py", '        "carrier": carrier,',
         '        "shop_seed": rng.randint(1, 3),\n        "carrier": carrier,')
    scenario = load_scenario(folder)
    params = scenario.params(0)
    assert scenario.shop_spec(params).seed == params["shop_seed"]
    edit(folder / "variant.py", "rng.randint(1, 3)", '"three"')
    assert paths_of(folder) == [("scenario.yaml", "setup.shop.seed")]


def test_derive_must_be_deterministic_and_json(tmp_path):
    folder = copy_good(tmp_path)
    edit(folder / "variant.py", "def derive(rng):\n",
         "import random as _r\n\n\ndef derive(rng):\n    rng = _r.Random()\n")
    [(file, path, message)] = problems_of(folder)
    assert (file, path) == ("variant.py", "derive") and "不确定" in message
    folder = copy_good(tmp_path, "json-params")
    edit(folder / "variant.py", '"memo": rng.choice(MEMOS),', '"memo": {1, 2},')
    [(file, path, message)] = problems_of(folder)
    assert (file, path) == ("variant.py", "derive") and "JSON" in message
    folder = copy_good(tmp_path, "no-derive")
    edit(folder / "variant.py", "def derive(rng):", "def derived(rng):")
    assert ("variant.py", "derive") in paths_of(folder)


def test_mutant_and_solution_code_problems(tmp_path):
    folder = copy_good(tmp_path)
    edit(folder / "mutants" / "wrong_carrier.py", 'LOSES = ["ship_orders"]', "LOSES = []")
    edit(folder / "mutants" / "banned_copy.py", "def run(ctx):", "def run(ctx:")
    edit(folder / "solution.py", "def run(ctx):", "def solve(ctx):")
    found = paths_of(folder)
    assert found == [("solution.py", "run"), ("mutants/banned_copy.py", "第 9 行"), ("mutants/wrong_carrier.py", "LOSES")]


def test_file_assets_and_manual_descriptors_are_checked_at_load(tmp_path):
    folder = copy_good(tmp_path)
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    text = text.replace("points: 10\n", "points: 13\n").replace(
        "        - {level: 优秀, points: 2,", "        - {level: 优秀, points: 3,")
    text += ("  - id: cleaned_file\n    points: 3\n    description: {zh: 上传清洗后的表格, en: Upload}\n"
             "    check: {kind: file, upload: clean, expected: {asset: missing.csv}}\n")
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    found = problems_of(folder)
    assert ("scenario.yaml", "rubric[4].check.expected.asset") in [(f, p) for f, p, _ in found]
    assert any(p == "rubric[3].check.descriptors" and "最高档 3" in m for _, p, m in found)


def test_unknown_key_in_a_kind_params_and_unsafe_lookups(tmp_path):
    folder = copy_good(tmp_path)
    edit(folder / "scenario.yaml", "      partial: per_row\n", "      partial: per_row\n      weight: 2\n")
    edit(folder / "scenario.yaml", '{merchant_code: "{{ params.product_code }}"}',
         '{merchant_code__regex: "{{ params.product_code }}"}')
    edit(folder / "scenario.yaml", '{order_no: "{{ params.order_nos.0 }}"}', '{sandbox__owner__username: "x"}')
    found = problems_of(folder)
    assert ("scenario.yaml", "rubric[0].check.weight", "未知的键（不允许）") in found
    assert any(p == "rubric[2].check" and "regex" in m for _, p, m in found)
    assert any(p == "rubric[1].check" and "沙箱" in m for _, p, m in found)


# -- the schema itself -----------------------------------------------------------------------------

def _models(root: type[BaseModel], seen=None):
    seen = seen if seen is not None else set()
    if root in seen:
        return seen
    seen.add(root)
    for field in root.model_fields.values():
        for arg in _walk_types(field.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                _models(arg, seen)
    return seen


def _walk_types(tp):
    yield tp
    for arg in getattr(tp, "__args__", ()) or ():
        yield from _walk_types(arg)
    for arg in getattr(tp, "__metadata__", ()) or ():
        yield arg


def test_every_field_of_every_model_has_a_description():
    models = _models(Scenario)
    for kind in load_kinds().values():
        models |= _models(kind.Params)
    from autograder.checks.page import PageParams  # written elsewhere; its fields are its own business

    undocumented = [f"{m.__name__}.{name}" for m in models if not issubclass(m, PageParams)
                    and m.__module__.split(".")[0] in ("task_scenarios", "autograder")
                    and not m.__module__.endswith("checks.page")
                    for name, field in m.model_fields.items() if not field.description]
    assert undocumented == []


def test_unknown_keys_are_rejected_by_the_models_themselves():
    data = load_scenario(GOOD).spec.model_dump(mode="json")
    data["rubric"][0]["extra"] = 1
    with pytest.raises(ValidationError):
        Scenario.model_validate(data)
    data["rubric"][0].pop("extra")
    data["points"] = "11"
    with pytest.raises(ValidationError, match="不等于"):
        Scenario.model_validate(data)


def test_json_schema_has_a_branch_per_kind_and_accepts_placeholders():
    schema = scenario_json_schema()
    branches = schema["$defs"]["CheckSpec"]["oneOf"]
    assert sorted(b["properties"]["kind"]["const"] for b in branches) == sorted(load_kinds())
    state = next(b for b in branches if b["properties"]["kind"]["const"] == "state")
    assert state["additionalProperties"] is False and "model" in state["required"]
    assert {"type": "string"}.items() <= state["properties"]["filter"]["anyOf"][1].items()
    refs = json.dumps(schema)
    for ref in set(part.split('"')[0] for part in refs.split('"$ref": "#/$defs/')[1:]):
        assert ref in schema["$defs"], ref


def test_the_exported_schema_in_docs_is_current():
    exported = json.loads((ROOT / "docs" / "scenario.schema.json").read_text(encoding="utf-8"))
    assert exported == scenario_json_schema()


# -- the command -----------------------------------------------------------------------------------

def test_validate_command_prints_every_problem_and_exits_1(capsys):
    with pytest.raises(CommandError) as info:
        call_command("scenarios", "validate", "--catalog", str(FIXTURES), "bad-four-problems", "ship-and-memo")
    assert info.value.returncode == 1
    out, err = capsys.readouterr()
    assert "✓ ship-and-memo" in out
    assert "bad-four-problems：4 个问题" in err
    for path in ("author", "points", "rubric[1].check.kind", "rubric[2].check.max_length"):
        assert f"bad-four-problems/scenario.yaml: {path}: " in err


def test_validate_command_accepts_a_folder_path_and_passes(capsys):
    call_command("scenarios", "validate", str(GOOD))
    assert "✓ ship-and-memo v1（4 个评分项，10 分）" in capsys.readouterr().out


def test_list_schema_and_verify_commands(capsys):
    call_command("scenarios", "list", "--catalog", str(FIXTURES))
    out = capsys.readouterr().out
    assert "ship-and-memo  v1  订单发货与备注" in out and "bad-yaml  ✗ 1 个问题" in out
    call_command("scenarios", "schema")
    assert json.loads(capsys.readouterr().out)["title"] == "scenario.yaml"


def test_verify_without_the_verify_module_exits_2(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "autograder.verify", None)  # import fails with ModuleNotFoundError
    with pytest.raises(CommandError) as info:
        call_command("scenarios", "verify", "ship-and-memo")
    assert info.value.returncode == 2
    assert "scenario verification is not available" in str(info.value)


def test_validate_an_empty_catalog(tmp_path, capsys):
    call_command("scenarios", "validate", "--catalog", str(tmp_path))
    assert capsys.readouterr().out.strip() == "没有找到场景。"


def test_verify_delegates_to_the_verify_module(monkeypatch):
    import sys
    from types import ModuleType

    calls = []
    fake = ModuleType("autograder.verify")

    def verify_command(**kwargs):
        calls.append(kwargs)
        return kwargs["targets"] == ["broken"] and 3 or 0

    fake.verify_command = verify_command
    monkeypatch.setitem(sys.modules, "autograder.verify", fake)
    call_command("scenarios", "verify", "--catalog", str(FIXTURES), "ship-and-memo")
    assert calls[0]["targets"] == ["ship-and-memo"] and calls[0]["catalog"] == FIXTURES
    with pytest.raises(CommandError) as info:
        call_command("scenarios", "verify", "broken")
    assert info.value.returncode == 3


def test_assets_cannot_escape_the_assets_folder():
    scenario = load_scenario(GOOD)
    assert scenario.asset_path("handout.csv").is_file()
    with pytest.raises(ValueError):
        scenario.asset_path("../scenario.yaml")


def test_verify_blank_floor_is_declared_in_the_yaml_and_read_by_the_harness(tmp_path):
    from autograder.verify import blank_floor

    folder = copy_good(tmp_path)
    assert blank_floor(load_scenario(folder)) == Decimal("0.00")
    yaml_path = folder / "scenario.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8") + "verify: {blank_floor: 0.67}\n", encoding="utf-8")
    assert blank_floor(load_scenario(folder)) == Decimal("0.67")
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("blank_floor: 0.67", "blank_flor: 1"),
                         encoding="utf-8")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(folder)
    assert any(p.path.startswith("verify") for p in caught.value.problems)


def test_scenario_load_keeps_a_loaded_scenario_until_a_file_changes(tmp_path):
    """Exam starts and grading load scenarios all the time: loaded once per version of the files,
    and a trainer's edit — even one that keeps the file's size, made within the same clock tick —
    is seen on the next load; a broken edit is reported, never served from the cache."""
    from task_scenarios.loader import scenario_load

    folder = copy_good(tmp_path)
    first = scenario_load(folder.name, root=tmp_path)
    assert scenario_load(folder.name, root=tmp_path) is first
    edit(folder / "scenario.yaml", "version: 1", "version: 2")  # same size
    second = scenario_load(folder.name, root=tmp_path)
    assert second is not first and (first.version, second.version) == (1, 2)
    edit(folder / "scenario.yaml", "version: 2", "version: x")
    with pytest.raises(ScenarioLoadError):
        scenario_load(folder.name, root=tmp_path)
    with pytest.raises(ScenarioLoadError):  # still broken: not the last good one
        scenario_load(folder.name, root=tmp_path)


def test_threads_loading_one_scenario_at_once_share_one_load(tmp_path, monkeypatch):
    """A cold web process: many request threads want the same scenario at the same moment. One
    loads it (compiling trainer code in several threads at once broke Python 3.11's parser), the
    others get that very object."""
    import threading

    from task_scenarios import loader

    folder = copy_good(tmp_path)
    calls = []
    real = loader.load_scenario
    monkeypatch.setattr(loader, "load_scenario", lambda f: calls.append(f) or real(f))
    barrier = threading.Barrier(8)
    got, errors = [], []

    def load():
        try:
            barrier.wait()
            got.append(loader.scenario_load(folder.name, root=tmp_path))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(calls) == 1 and len(got) == 8 and all(s is got[0] for s in got)


def test_a_mutant_may_lose_collateral_but_not_an_unknown_criterion(tmp_path):
    """LOSES = ["collateral"]: the mutant's damage outside the scope must cost points (scope.costs)."""
    folder = copy_good(tmp_path)
    edit(folder / "mutants" / "wrong_carrier.py", 'LOSES = ["ship_orders"]', 'LOSES = ["ship_orders", "collateral"]')
    assert any(m.loses == ("ship_orders", "collateral") for m in load_scenario(folder).mutants)
    edit(folder / "mutants" / "wrong_carrier.py", '"collateral"', '"collaterals"')
    assert ("mutants/wrong_carrier.py", "LOSES") in paths_of(folder)
