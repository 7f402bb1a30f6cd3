"""Load a scenario folder, reporting *every* problem at once with its file and field path.

A trainer fixing a scenario should see the whole list, not one error per run: YAML syntax (with the
line), schema errors (``rubric[2].check.expect``), missing files, check kinds that are not
registered or whose parameters do not validate, mutants naming criteria that do not exist, a
variant.py that does not import or whose ``derive`` misbehaves. Everything that depends on the
variant (check parameters, setup, instructions) is validated after filling in the params of a few
sample seeds, so ``"{{ params.orders }}"`` is accepted where a list is expected and a bad param is
still caught at load, never at grading.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
import threading
import traceback
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import yaml
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from pydantic import ValidationError

from .schema import Criterion, LocalizedText, Scenario, ShopSpec, cross_field_problems
from .templating import TemplateError, has_placeholder, render_instructions, render_value, render_value_collect
from .variants import VariantError, canonical_json, derive_params

REQUIRED_FILES = ("scenario.yaml", "instructions.md", "solution.py")
SAMPLE_SEEDS = (0, 1, 2)
MIN_MUTANTS = 2
# A mutant's LOSES may name this instead of (or beside) criterion ids: its damage outside the task's
# scope must cost points (scope.costs), the way a criterion must fall below its points.
COLLATERAL_LOSS = "collateral"
# Personas (personas/*.py): candidates written from the instructions alone, each with the band an
# examiner would give it, declared before the grader ever ran on it (docs/scenarios.md).
PERSONA_KINDS = {
    "correct": N_("完全正确（做法与参考解法不同）"),
    "partial": N_("部分完成"),
    "wrong": N_("看似合理但做错"),
    "gaming": N_("投机取巧"),
    "collateral": N_("大量附带损害"),
}
# An examiner's band is at most this share of the task's points wide (3 of 20).
PERSONA_BAND_MAX_SHARE = Decimal("0.15")
# Type tags pydantic adds to an error's location inside unions; not part of the YAML path.
_UNION_TAGS = {"str", "int", "float", "bool", "decimal", "list", "dict", "none", "constrained-str", "constrained-int",
               "union", "tagged-union", "lax-or-strict", "json-or-python", "is-instance", "literal", "any"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: which file, where in it (dotted path or line), and what."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else f"{self.file}: {self.message}"


class ScenarioLoadError(Exception):
    """The scenario does not load; ``problems`` lists every problem found."""

    def __init__(self, folder: Path | str, problems: list[Problem]):
        self.folder = Path(folder)
        self.problems = list(problems)
        super().__init__(_("%(name)s：%(n)d 个问题") % {"name": self.folder.name, "n": len(self.problems)} + "\n"
                         + "\n".join(f"  {p}" for p in self.problems))


@dataclass(frozen=True)
class Mutant:
    """A wrong solution and the criteria it must lose in verification."""

    name: str
    path: Path
    loses: tuple[str, ...]


@dataclass(frozen=True)
class Persona:
    """A candidate written from the instructions, and the band of points an examiner would give it."""

    name: str
    path: Path
    kind: str
    expected: tuple[Decimal, Decimal]


@dataclass(eq=False)
class LoadedScenario:
    """A validated scenario folder: the spec plus what the files add (variant code, mutants …)."""

    spec: Scenario
    folder: Path
    instructions_source: str
    variant: ModuleType | None
    solution_path: Path
    mutants: tuple[Mutant, ...] = field(default_factory=tuple)
    personas: tuple[Persona, ...] = field(default_factory=tuple)

    @property
    def slug(self) -> str:
        return self.spec.slug

    @property
    def uuid(self) -> str:
        return str(self.spec.uuid)

    @property
    def version(self) -> int:
        return self.spec.version

    @property
    def rubric(self) -> list[Criterion]:
        return self.spec.rubric

    @property
    def derive(self) -> Callable | None:
        return getattr(self.variant, "derive", None) if self.variant is not None else None

    @property
    def variant_setup(self) -> Callable | None:
        return getattr(self.variant, "setup", None) if self.variant is not None else None

    @property
    def variant_start(self) -> Callable | None:
        """``start(ctx, params)``: runs after setup on the real clock, before the baseline is taken."""
        return getattr(self.variant, "start", None) if self.variant is not None else None

    def params(self, seed: int) -> dict[str, Any]:
        """The variant params of ``seed`` (see task_scenarios.variants)."""
        return derive_params(self.derive, uuid=self.uuid, version=self.version, seed=seed)

    def instructions(self, params: dict[str, Any]) -> str:
        """instructions.md for this variant (Markdown, params filled in, HTML-escaped)."""
        return render_instructions(self.instructions_source, params)

    def shop_spec(self, params: dict[str, Any]) -> ShopSpec:
        return ShopSpec.model_validate(render_value(self.spec.setup.shop.model_dump(), params, path="setup.shop"))

    def description(self, criterion: Criterion, params: dict[str, Any]) -> LocalizedText:
        return LocalizedText.model_validate(render_value(criterion.description.model_dump(), params))

    def check_params(self, criterion: Criterion, params: dict[str, Any]):
        """The criterion's check parameters for this variant, validated by its kind's model."""
        from autograder.registry import get_kind

        kind = get_kind(criterion.check.kind)
        rendered = render_value(criterion.check.params, params, path=f"{criterion.id}.check")
        return kind.Params.model_validate(rendered)

    def asset_path(self, name: str) -> Path:
        path = (self.folder / "assets" / name).resolve()
        if not path.is_relative_to((self.folder / "assets").resolve()):
            raise ValueError(_("asset %(name)s 不在 assets/ 目录中") % {"name": repr(name)})
        return path


# -- helpers ---------------------------------------------------------------------------------------

class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (PyYAML keeps the last silently)."""


def _mapping_no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, Any] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, _("重复的键 %(key)s") % {"key": repr(key)},
                key_node.start_mark)
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_no_duplicates)


def yaml_load(text: str) -> Any:
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def _yaml_problem(exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    where = (_("第 %(line)s 行第 %(column)s 列") % {"line": mark.line + 1, "column": mark.column + 1}
             if mark is not None else "")
    what = " ".join(str(x) for x in (getattr(exc, "context", None), getattr(exc, "problem", None)) if x) or str(exc)
    return Problem("scenario.yaml", where, _("YAML 语法错误：%(what)s") % {"what": what})


def loc_path(loc: tuple) -> str:
    """('rubric', 2, 'check', 'expect') → 'rubric[2].check.expect' (union type tags dropped)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _UNION_TAGS or "[" in str(part) or str(part).startswith("function-"):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


# pydantic's error types in the trainers' language (anything else keeps pydantic's English text).
_MESSAGES = {
    "extra_forbidden": N_("未知的键（不允许）"),
    "missing": N_("缺少必填项"),
    "int_parsing": N_("应为整数"), "int_type": N_("应为整数"), "int_from_float": N_("应为整数"),
    "decimal_parsing": N_("应为数字"), "decimal_type": N_("应为数字"), "float_parsing": N_("应为数字"), "float_type": N_("应为数字"),
    "bool_parsing": N_("应为 true 或 false"), "bool_type": N_("应为 true 或 false"),
    "string_type": N_("应为文本"), "list_type": N_("应为列表"), "dict_type": N_("应为键值映射（key: value）"),
    "model_type": N_("应为键值映射（key: value）"), "model_attributes_type": N_("应为键值映射（key: value）"),
    "uuid_parsing": N_("不是有效的 UUID"), "uuid_type": N_("不是有效的 UUID"),
    "greater_than_equal": N_("应不小于 {ge}"), "greater_than": N_("应大于 {gt}"),
    "less_than_equal": N_("应不大于 {le}"), "less_than": N_("应小于 {lt}"),
    "string_too_short": N_("至少 {min_length} 个字符"), "string_too_long": N_("最多 {max_length} 个字符"),
    "too_short": N_("至少需要 {min_length} 项"), "too_long": N_("最多 {max_length} 项"),
    "string_pattern_mismatch": N_("格式不正确（应匹配 {pattern}）"),
    "literal_error": N_("应为以下之一：{expected}"),
    "decimal_max_places": N_("最多 {decimal_places} 位小数"), "decimal_max_digits": N_("数字位数过多"),
}


def _message(error: dict) -> str:
    template = _MESSAGES.get(error["type"])
    template = _(template) if template is not None else None
    if template is None:
        return error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return template.split("{")[0].strip()


def validation_problems(exc: ValidationError, *, file: str, prefix: str = "", suffix: str = "") -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        path = loc_path(tuple(error["loc"]))
        full = f"{prefix}.{path}" if prefix and path else (prefix or path)
        problems.append(Problem(file, full, _message(error) + suffix))
    return problems


def _code_problems(path: Path, rel: str, *, need_run: bool) -> tuple[ast.Module | None, list[Problem]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        return None, [Problem(rel, _("第 %(lineno)s 行")
                                   % {"lineno": exc.lineno}, _("Python 语法错误：%(msg)s") % {"msg": exc.msg})]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(rel, "", _("无法读取：%(exc)s") % {"exc": exc})]
    problems = []
    functions = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if need_run and "run" not in functions:
        problems.append(Problem(rel, "run", _("缺少函数 run(ctx)")))
    return tree, problems


def _mutant_loses(tree: ast.Module, rel: str) -> tuple[tuple[str, ...] | None, list[Problem]]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "LOSES" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None, [Problem(rel, "LOSES", _("LOSES 必须是字面量列表，如 [\"ship_paid_orders\"]"))]
            if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
                return None, [Problem(rel, "LOSES", _("LOSES 必须是非空的评分项 id 列表"))]
            return tuple(value), []
    return None, [Problem(rel, "LOSES", _("缺少 LOSES = [评分项 id, …]（该错误解法必须失分的评分项）"))]


def _literal(tree: ast.Module, name: str) -> tuple[bool, Any]:
    """(found, value) of a module-level ``NAME = <literal>``; value is ValueError if not a literal."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            try:
                return True, ast.literal_eval(node.value)
            except ValueError as exc:
                return True, exc
    return False, None


def _persona_header(tree: ast.Module, rel: str, total: Decimal | None) -> tuple[tuple | None, list[Problem]]:
    """(kind, (low, high)) declared by a persona file, or the problems with them."""
    problems = []
    found, kind = _literal(tree, "KIND")
    if not found or kind not in PERSONA_KINDS:
        problems.append(Problem(rel, "KIND", _("KIND 必须是以下之一：%(kinds)s") % {"kinds": ", ".join(PERSONA_KINDS)}))
    found, band = _literal(tree, "EXPECTED")
    numbers = (isinstance(band, (list, tuple)) and len(band) == 2
               and all(isinstance(v, (int, float, str)) and not isinstance(v, bool) for v in band))
    low = high = None
    if numbers:
        try:
            low, high = (Decimal(str(v)) for v in band)
        except ArithmeticError:
            numbers = False
    if not found or not numbers:
        problems.append(Problem(rel, "EXPECTED", _("缺少 EXPECTED = (最低分, 最高分)：考评员会给的分数区间，运行评分前写定")))
    elif not (0 <= low <= high) or (total is not None and high > total):
        problems.append(Problem(rel, "EXPECTED", _("EXPECTED 必须满足 0 ≤ 最低分 ≤ 最高分 ≤ 总分")))
    elif total is not None and high - low > total * PERSONA_BAND_MAX_SHARE:
        problems.append(Problem(rel, "EXPECTED", _("分数区间最宽为总分的 15%%（%(max)s 分），现为 %(width)s 分")
                                               % {"max": (total * PERSONA_BAND_MAX_SHARE).normalize(),
                                                  "width": (high - low).normalize()}))
    if problems:
        return None, problems
    return (kind, (low, high)), []


_MODULES: dict[tuple[str, str], ModuleType] = {}


def import_variant(path: Path, slug: str) -> ModuleType:
    """Import variant.py under a private name (once per file content)."""
    source = path.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:12]
    key = (str(path.resolve()), digest)
    if key in _MODULES:
        return _MODULES[key]
    name = f"task_scenarios._variant_{slug.replace('-', '_')}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _MODULES[key] = module
    return module


def _exception_problem(rel: str, exc: BaseException, what: str) -> Problem:
    if isinstance(exc, SyntaxError):
        return Problem(rel, _("第 %(lineno)s 行") % {"lineno": exc.lineno}, _("Python 语法错误：%(msg)s") % {"msg": exc.msg})
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(rel.split("/")[-1])]
    where = _("第 %(lineno)s 行") % {"lineno": frames[-1].lineno} if frames else ""
    return Problem(rel, where, f"{what}：{type(exc).__name__}: {exc}")


# -- the loader ------------------------------------------------------------------------------------

def load_scenario(folder: Path | str) -> LoadedScenario:
    """Validate and load ``folder``; raises ScenarioLoadError listing every problem found."""
    from autograder.registry import load_kinds

    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise ScenarioLoadError(folder, [Problem(folder.name, "", _("场景目录不存在"))])
    for name in REQUIRED_FILES:
        if not (folder / name).is_file():
            problems.append(Problem(name, "", _("缺少文件")))

    raw: Any = None
    if (folder / "scenario.yaml").is_file():
        try:
            raw = yaml_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(_yaml_problem(exc))
        except UnicodeDecodeError:
            problems.append(Problem("scenario.yaml", "", _("文件必须是 UTF-8 编码")))
        else:
            if not isinstance(raw, dict):
                problems.append(Problem("scenario.yaml", "", _("顶层必须是键值映射（uuid、version、rubric …）")))
                raw = None

    spec: Scenario | None = None
    if raw is not None:
        try:
            spec = Scenario.model_validate(raw, context={"skip_cross_checks": True})
        except ValidationError as exc:
            problems.extend(validation_problems(exc, file="scenario.yaml"))
        problems.extend(Problem("scenario.yaml", path, message) for path, message in cross_field_problems(raw))
        if isinstance(raw.get("slug"), str) and raw["slug"] != folder.name:
            problems.append(Problem("scenario.yaml", "slug", _("slug %(slug)s 必须与目录名 %(name)s 相同")
                                                             % {"slug": repr(raw["slug"]), "name": repr(folder.name)}))

    criterion_ids = _criterion_ids(raw)

    instructions = ""
    if (folder / "instructions.md").is_file():
        try:
            instructions = (folder / "instructions.md").read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem("instructions.md", "", _("文件必须是 UTF-8 编码")))
        if not instructions.strip() and not any(p.file == "instructions.md" for p in problems):
            problems.append(Problem("instructions.md", "", _("任务说明不能为空")))

    if (folder / "solution.py").is_file():
        problems.extend(_code_problems(folder / "solution.py", "solution.py", need_run=True)[1])

    mutants: list[Mutant] = []
    mutant_files = sorted((folder / "mutants").glob("*.py")) if (folder / "mutants").is_dir() else []
    mutant_files = [p for p in mutant_files if p.name != "__init__.py"]
    if len(mutant_files) < MIN_MUTANTS:
        problems.append(Problem("mutants/", "", _("至少需要 %(min)s 个错误解法（mutants/*.py），现有 %(n)s 个")
                                                % {"min": MIN_MUTANTS, "n": len(mutant_files)}))
    for path in mutant_files:
        rel = f"mutants/{path.name}"
        tree, found = _code_problems(path, rel, need_run=True)
        problems.extend(found)
        if tree is None:
            continue
        loses, found = _mutant_loses(tree, rel)
        problems.extend(found)
        if loses is None:
            continue
        if criterion_ids is not None:
            for name in loses:
                if name not in criterion_ids and name != COLLATERAL_LOSS:
                    problems.append(Problem(rel, "LOSES", _("评分项 %(name)s 不存在（现有：%(ids)s）")
                                                          % {"name": repr(name), "ids": ", ".join(criterion_ids)}))
        mutants.append(Mutant(name=path.stem, path=path, loses=loses))

    personas: list[Persona] = []
    total = _decimal_or_none(raw.get("points")) if isinstance(raw, dict) else None
    persona_files = sorted((folder / "personas").glob("*.py")) if (folder / "personas").is_dir() else []
    for path in (p for p in persona_files if not p.name.startswith("_")):  # _*.py: helpers they share
        rel = f"personas/{path.name}"
        tree, found = _code_problems(path, rel, need_run=True)
        problems.extend(found)
        if tree is None:
            continue
        header, found = _persona_header(tree, rel, total)
        problems.extend(found)
        if header is not None:
            personas.append(Persona(name=path.stem, path=path, kind=header[0], expected=header[1]))

    variant: ModuleType | None = None
    variant_broken = False
    samples: list[tuple[int, dict]] = []
    slug = raw.get("slug") if isinstance(raw, dict) and isinstance(raw.get("slug"), str) else folder.name
    if (folder / "variant.py").is_file():
        try:
            variant = import_variant(folder / "variant.py", slug)
        except BaseException as exc:  # trainer code: any failure to import is a problem to report
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            problems.append(_exception_problem("variant.py", exc, _("导入失败")))
            variant_broken = True
        else:
            if not callable(getattr(variant, "derive", None)):
                problems.append(Problem("variant.py", "derive", _("缺少函数 derive(rng) -> dict")))
                variant, variant_broken = None, True
            else:
                if getattr(variant, "setup", None) is not None and not callable(variant.setup):
                    problems.append(Problem("variant.py", "setup", _("setup 必须是函数 setup(ctx, params)")))
                if getattr(variant, "start", None) is not None and not callable(variant.start):
                    problems.append(Problem("variant.py", "start", _("start 必须是函数 start(ctx, params)")))
    if spec is not None or isinstance(raw, dict):
        uuid = str(spec.uuid) if spec is not None else str(raw.get("uuid"))
        version = spec.version if spec is not None else raw.get("version", 1)
        derive = getattr(variant, "derive", None) if variant is not None else None
        count = len(problems)
        samples = _sample_params(derive, uuid, version, problems)
        variant_broken = variant_broken or len(problems) > count

    if raw is not None:
        load_kinds()
        # With a broken variant the params are unknown: check only what does not depend on them.
        problems.extend(_variant_dependent_problems(raw, samples or [(0, {})], folder, instructions,
                                                    params_known=not variant_broken))

    problems = list(dict.fromkeys(problems))
    if problems or spec is None:
        raise ScenarioLoadError(folder, problems or [Problem("scenario.yaml", "", _("无法加载"))])
    return LoadedScenario(spec=spec, folder=folder, instructions_source=instructions, variant=variant,
                          solution_path=folder / "solution.py", mutants=tuple(mutants),
                          personas=tuple(personas))


def _decimal_or_none(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    except InvalidOperation:
        return None


def _criterion_ids(raw: Any) -> list[str] | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("rubric"), list):
        return None
    return [item["id"] for item in raw["rubric"] if isinstance(item, dict) and isinstance(item.get("id"), str)]


def _sample_params(derive, uuid: str, version: Any, problems: list[Problem]) -> list[tuple[int, dict]]:
    """Params of the sample seeds (deduplicated); derive's failures become problems."""
    if not isinstance(version, int) or isinstance(version, bool):
        version = 1
    samples: list[tuple[int, dict]] = []
    seen: set[str] = set()
    for seed in SAMPLE_SEEDS:
        try:
            params = derive_params(derive, uuid=uuid, version=version, seed=seed)
            again = derive_params(derive, uuid=uuid, version=version, seed=seed)
        except VariantError as exc:
            problems.append(Problem("variant.py", "derive", _("%(exc)s（种子 %(seed)s）") % {"exc": exc, "seed": seed}))
            return samples
        except Exception as exc:  # trainer code
            problems.append(_exception_problem("variant.py", exc, _("derive() 出错（种子 %(seed)s）") % {"seed": seed}))
            return samples
        if canonical_json(params) != canonical_json(again):
            problems.append(Problem("variant.py", "derive",
                                    _("derive() 不确定：同一种子两次得到不同参数（只能使用传入的 rng，不要用全局 random 或时间）")))
            return samples
        key = canonical_json(params)
        if key not in seen:
            seen.add(key)
            samples.append((seed, params))
    return samples


def _variant_dependent_problems(raw: dict, samples: list[tuple[int, dict]], folder: Path, instructions: str, *,
                                params_known: bool = True) -> list[Problem]:
    """Setup, rubric check parameters, descriptions and instructions, filled in per sample seed.

    A problem is reported once: with the first seed that shows it (the seed is named when it is not
    the first sample, since such a problem depends on the variant). Without ``params_known`` (the
    variant is broken) anything that uses a placeholder is skipped rather than reported as undefined.
    """
    from autograder.registry import load_kinds

    kinds = load_kinds()
    problems: list[Problem] = []
    seen: set[tuple[str, str, str]] = set()

    def add(file: str, path: str, message: str, suffix: str) -> None:
        if (file, path, message) not in seen:
            seen.add((file, path, message))
            problems.append(Problem(file, path, message + suffix))

    def add_validation(exc: ValidationError, prefix: str, suffix: str) -> None:
        for problem in validation_problems(exc, file="scenario.yaml", prefix=prefix):
            add(problem.file, problem.path, problem.message, suffix)

    rubric = raw.get("rubric") if isinstance(raw.get("rubric"), list) else []
    for number, (seed, params) in enumerate(samples):
        suffix = "" if number == 0 else _("（变体种子 %(seed)s）") % {"seed": seed}
        shop = raw.get("setup", {}).get("shop") if isinstance(raw.get("setup"), dict) else None
        if isinstance(shop, dict) and (params_known or not has_placeholder(shop)):
            rendered, errors = render_value_collect(shop, params, path="setup.shop")
            for error in errors:
                add("scenario.yaml", error.path, error.message, suffix)
            if not errors:
                try:
                    ShopSpec.model_validate(rendered)
                except ValidationError as exc:
                    add_validation(exc, "setup.shop", suffix)
        for index, item in enumerate(rubric):
            if not isinstance(item, dict):
                continue
            where = f"rubric[{index}]"
            if isinstance(item.get("description"), dict) and params_known:
                for error in render_value_collect(item["description"], params, path=f"{where}.description")[1]:
                    add("scenario.yaml", error.path, error.message, suffix)
            check = item.get("check")
            if not isinstance(check, dict) or not isinstance(check.get("kind"), str):
                continue
            kind = kinds.get(check["kind"])
            if kind is None:
                add("scenario.yaml", f"{where}.check.kind",
                    _("未知的检查类型 %(kind)s（已注册：%(kinds)s）")
                    % {"kind": repr(check["kind"]), "kinds": ", ".join(sorted(kinds))}, "")
                continue
            rest = {k: v for k, v in check.items() if k != "kind"}
            if not params_known and has_placeholder(rest):
                continue
            rendered, errors = render_value_collect(rest, params, path=f"{where}.check")
            for error in errors:
                add("scenario.yaml", error.path, error.message, suffix)
            if errors:
                continue
            try:
                validated = kind.Params.model_validate(rendered)
            except ValidationError as exc:
                add_validation(exc, f"{where}.check", suffix)
                continue
            hook = getattr(kind, "scenario_problems", None)
            if hook is not None:
                try:
                    criterion = Criterion.model_validate(item)
                except ValidationError:
                    continue
                for path, message in hook(kind(), validated, folder=folder, criterion=criterion):
                    add("scenario.yaml", f"{where}.check.{path}", message, suffix)
        if instructions.strip() and params_known:
            try:
                render_instructions(instructions, params)
            except TemplateError as exc:
                add("instructions.md", "", exc.message, suffix)
            except Exception as exc:  # Django TemplateSyntaxError and friends
                add("instructions.md", "", _("模板错误：%(exc)s") % {"exc": exc}, suffix)
    return problems


# -- the catalog -----------------------------------------------------------------------------------

def catalog_root() -> Path:
    """Where scenario folders live (settings.SCENARIO_CATALOG_DIR, default task_scenarios/catalog)."""
    configured = getattr(settings, "SCENARIO_CATALOG_DIR", None)
    return Path(configured) if configured else Path(__file__).resolve().parent / "catalog"


def catalog_folders(root: Path | str | None = None) -> list[Path]:
    """Every scenario folder of the catalog, by name (folders starting with . or _ are skipped)."""
    root = Path(root) if root is not None else catalog_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load_catalog(root: Path | str | None = None) -> tuple[dict[str, LoadedScenario], dict[str, ScenarioLoadError]]:
    """All scenarios of the catalog: (loaded by slug, load errors by folder name)."""
    loaded: dict[str, LoadedScenario] = {}
    failed: dict[str, ScenarioLoadError] = {}
    for folder in catalog_folders(root):
        try:
            loaded[folder.name] = load_scenario(folder)
        except ScenarioLoadError as exc:
            failed[folder.name] = exc
    return loaded, failed


def folder_signature(folder: Path) -> str:
    """A digest of every file in ``folder`` (names and bytes): changes whenever a trainer edits one.
    Content, not modification times, so two edits within one clock tick are still told apart."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


# Loading validates the whole folder (YAML, sample seeds, mutants, check parameters): ~35 ms a
# scenario, paid on every exam start and grading run before this cache. A loaded scenario is kept
# until a file of its folder changes; reading the folder to compare costs well under a millisecond.
# One load at a time per process: Python 3.11's parser is not safe when several threads compile
# the same trainer code at once ("AST constructor recursion depth mismatch", seen under load when a
# cold server's request threads all loaded one scenario), and one load serves them all anyway.
_LOADED: dict[str, tuple[str, LoadedScenario]] = {}
_LOAD_LOCK = threading.RLock()


def scenario_load(slug: str, root: Path | str | None = None) -> LoadedScenario:
    """The catalog scenario ``slug`` (ScenarioLoadError if missing or broken), loaded once per
    version of its files."""
    folder = (Path(root) if root is not None else catalog_root()) / slug
    signature = folder_signature(folder) if folder.is_dir() else ""
    key = str(folder.resolve())
    cached = _LOADED.get(key)
    if cached is not None and signature and cached[0] == signature:
        return cached[1]
    with _LOAD_LOCK:
        cached = _LOADED.get(key)  # another thread may have loaded it while this one waited
        if cached is not None and signature and cached[0] == signature:
            return cached[1]
        scenario = load_scenario(folder)
        _LOADED[key] = (signature, scenario)
    return scenario


def scenario_load_locked(folder: Path) -> LoadedScenario:
    """``load_scenario`` serialised with the cached loads (see ``_LOAD_LOCK``), for callers that keep
    a cache of their own."""
    with _LOAD_LOCK:
        return load_scenario(folder)
