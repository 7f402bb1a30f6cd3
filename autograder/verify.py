"""``manage.py scenarios verify``: prove each scenario's rubric tells right from wrong.

For every scenario and a sample of variants (seeds derived from the scenario's uuid, so CI runs the
same ones every time), three kinds of run, each on a fresh instance:

* blank — nobody touched the shop: the total must be the declared floor (0 by default);
* solution — the reference solution drives the real UI in Chromium: every machine-scored criterion
  earns its points and nothing outside the scope changed;
* each mutant — a plausible wrong solution: the criteria it loses (scores below their points) are
  exactly its ``LOSES``, no more, no fewer (``"collateral"`` in LOSES: its out-of-scope changes cost
  points);
* each persona — a candidate written from the instructions alone: its machine-scored total, less the
  collateral deduction, lies in
  the band an examiner declared for it (``EXPECTED``), and within the fairness targets of its kind
  (a gaming persona at most 30 % of the points, mass collateral damage at most half, a fully
  correct one at least 95 %). Mutants prove each criterion can fail; personas prove the score is fair.

Manual (examiner-scored) criteria are left out of the solution and mutant comparisons. The site is
a Daphne child process over the current database (file SQLite or PostgreSQL; an in-memory database
cannot be shared with it), unless the caller passes ``base_url`` of a server that already serves it.
Run it against a scratch database — see ``make verify``.
"""

from __future__ import annotations

import hashlib
import os
import traceback
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from django.utils.translation import gettext as _

from task_scenarios.loader import COLLATERAL_LOSS
from task_scenarios.loader import PERSONA_KINDS as PERSONA_KINDS_LABELS

DEFAULT_SEEDS = 2
VERIFY_USERNAME = "scenario-verify"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class VerifyRow:
    """One line of the verification table."""

    scenario: str
    seed: int | str
    run: str  # "blank", "solution", "mutant <name>", "persona <name>", "load"
    expected: str
    got: str
    ok: bool
    details: tuple[str, ...] = ()
    # personas only: how far the total fell outside the declared band (0 inside it)
    off_by: Decimal | None = None


def verify_seeds(scenario_uuid: str, count: int = DEFAULT_SEEDS) -> list[int]:
    """``count`` fixed 31-bit seeds derived from the scenario uuid (reproducible across machines)."""
    seeds = []
    for index in range(count):
        digest = hashlib.sha256(f"{scenario_uuid}:verify:{index}".encode()).digest()
        seeds.append(int.from_bytes(digest[:4], "big") & 0x7FFFFFFF)
    return seeds


def blank_floor(scenario) -> Decimal:
    """The total a blank attempt must score: ``verify: {blank_floor: X}`` in scenario.yaml, else 0."""
    verify = getattr(scenario.spec, "verify", None)
    floor = getattr(verify, "blank_floor", None) if verify is not None else None
    return Decimal(str(floor if floor is not None else 0)).quantize(CENT)


def _lost(report) -> list[str]:
    """Machine-scored criteria that scored below their points, in rubric order."""
    return [c.id for c in report.criteria if c.machine_scored and c.result.score < c.points]


def _messages(report, ids: Iterable[str]) -> tuple[str, ...]:
    lines = []
    for criterion_id in ids:
        result = report.criterion(criterion_id).result
        text = (result.error or result.message or "").strip().splitlines()
        lines.append(f"{criterion_id}: {result.score}/{result.max} {text[0] if text else ''}"[:300])
    return tuple(lines)


def _ids(ids: Iterable[str]) -> str:
    ids = list(ids)
    return ", ".join(ids) if ids else _("无")


# -- the three kinds of run -------------------------------------------------------------------------

def _grade(instance, scenario, pool, base_url):
    from autograder.browser import BrowserSession
    from autograder.engine import grade

    with BrowserSession(pool, base_url=base_url, sandbox=instance.sandbox) as session:
        return grade(instance=instance, scenario=scenario, browser_session=session)


def _error_row(scenario, seed, run: str, expected: str, exc: BaseException, what: str) -> VerifyRow:
    trace = traceback.format_exception(type(exc), exc, exc.__traceback__)
    message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return VerifyRow(scenario.slug, seed, run, expected, f"{what}：{type(exc).__name__}: {message}"[:120], False,
                     tuple(line.rstrip() for line in "".join(trace[-3:]).splitlines()))


def verify_blank(scenario, seed: int, *, owner, pool, base_url: str) -> VerifyRow:
    from task_scenarios.setup import scenario_instance_create

    floor = blank_floor(scenario)
    expected = _("总分 %(floor)s") % {"floor": floor}
    try:
        instance = scenario_instance_create(scenario=scenario, seed=seed, owner=owner)
        report = _grade(instance, scenario, pool, base_url)
    except Exception as exc:
        return _error_row(scenario, seed, "blank", expected, exc, _("出错"))
    scored = [c.id for c in report.criteria if c.result.score > 0]
    ok = report.total == floor
    got = _("总分 %(total)s") % {"total": report.total}
    if scored and not ok:
        got += _("（得分项：%(ids)s）") % {"ids": _ids(scored)}
    return VerifyRow(scenario.slug, seed, "blank", expected, got, ok, () if ok else _messages(report, scored))


def _run_script(path: Path, scenario, seed: int, *, owner, pool, base_url: str):
    from autograder.solution import script_run
    from task_scenarios.setup import scenario_instance_create

    instance = scenario_instance_create(scenario=scenario, seed=seed, owner=owner)
    script_run(path, instance=instance, scenario=scenario, pool=pool, base_url=base_url)
    return instance


def _run_and_grade(path: Path, scenario, seed: int, run: str, expected: str, script_failed: str, *, owner, pool,
                   base_url: str):
    """Run a solution, mutant or persona script on a fresh instance and grade it: (report, None), or
    (None, the FAIL row saying which of the two went wrong)."""
    try:
        instance = _run_script(path, scenario, seed, owner=owner, pool=pool, base_url=base_url)
    except Exception as exc:
        return None, _error_row(scenario, seed, run, expected, exc, script_failed)
    try:
        return _grade(instance, scenario, pool, base_url), None
    except Exception as exc:
        return None, _error_row(scenario, seed, run, expected, exc, _("评分出错"))


def verify_solution(scenario, seed: int, *, owner, pool, base_url: str) -> VerifyRow:
    expected = _("满分 %(max)s，无附带损害") % {"max": _machine_max(scenario)}
    report, failed = _run_and_grade(scenario.solution_path, scenario, seed, "solution", expected, _("解法出错"),
                                    owner=owner, pool=pool, base_url=base_url)
    if failed:
        return failed
    lost = _lost(report)
    earned = sum((c.result.score for c in report.criteria if c.machine_scored), Decimal(0)).quantize(CENT)
    ok = not lost and not report.collateral and not report.collateral_error
    got = _("%(earned)s 分") % {"earned": earned}
    if lost:
        got += _("，失分：%(ids)s") % {"ids": _ids(lost)}
    if report.collateral or report.collateral_error:
        got += _("，附带损害 %(n)d 处") % {"n": len(report.collateral)}
    details = _messages(report, lost) + tuple(c.message for c in report.collateral)
    if report.collateral_error:
        details += (report.collateral_error,)
    return VerifyRow(scenario.slug, seed, "solution", expected, got, ok, details)


def verify_mutant(scenario, mutant, seed: int, *, owner, pool, base_url: str) -> VerifyRow:
    manual = {c.id for c in scenario.rubric if not _machine_scored(c)}
    declared = [name for name in mutant.loses if name not in manual]
    expected = _("失分：%(ids)s") % {"ids": _ids(declared)}
    run = f"mutant {mutant.name}"
    report, failed = _run_and_grade(mutant.path, scenario, seed, run, expected, _("错误解法出错"),
                                    owner=owner, pool=pool, base_url=base_url)
    if failed:
        return failed
    lost = _lost(report) + ([COLLATERAL_LOSS] if report.deduction > 0 else [])
    ok = set(lost) == set(declared)
    got = _("失分：%(ids)s") % {"ids": _ids(lost)}
    details = ()
    if not ok:
        extra = [i for i in lost if i not in declared]
        kept = [i for i in declared if i not in lost]
        details = tuple(
            [_("多失分：%(line)s") % {"line": line}
             for line in _messages(report, [i for i in extra if i != COLLATERAL_LOSS])]
            + [_("应失分却得分：%(line)s") % {"line": line}
               for line in _messages(report, [i for i in kept if i != COLLATERAL_LOSS])]
            + [_("多失分：%(line)s") % {"line": c.message} for c in report.collateral if COLLATERAL_LOSS in extra]
            + ([_("应失分却得分：超出范围的改动没有扣分")] if COLLATERAL_LOSS in kept else []))
    return VerifyRow(scenario.slug, seed, run, expected, got, ok, details)


# The fairness targets a persona's actual score must meet, as shares of the machine-scored points.
PERSONA_TARGETS = {
    "gaming": ("max", Decimal("0.30")),
    "collateral": ("max", Decimal("0.50")),
    "correct": ("min", Decimal("0.95")),
}


def _machine_max(scenario) -> Decimal:
    return sum((c.points for c in scenario.rubric if _machine_scored(c)), Decimal(0)).quantize(CENT)


def verify_persona(scenario, persona, seed: int, *, owner, pool, base_url: str) -> VerifyRow:
    low, high = persona.expected
    expected = _("%(low)s–%(high)s 分") % {"low": low, "high": high}
    run = f"persona {persona.name}"
    report, failed = _run_and_grade(persona.path, scenario, seed, run, expected, _("人设脚本出错"),
                                    owner=owner, pool=pool, base_url=base_url)
    if failed:
        return failed
    earned = sum((c.result.score for c in report.criteria if c.machine_scored), Decimal(0))
    earned = max(earned - report.deduction, Decimal(0)).quantize(CENT)  # collateral damage counts
    off_by = max(low - earned, earned - high, Decimal(0))
    details = []
    if off_by:
        details.append(_("总分 %(earned)s 不在考评员给出的区间 %(band)s 内") % {"earned": earned, "band": expected})
    target = PERSONA_TARGETS.get(persona.kind)
    if target is not None:
        side, share = target
        bound = (_machine_max(scenario) * share).quantize(CENT)
        if (side == "max" and earned > bound) or (side == "min" and earned < bound):
            details.append(_("%(kind)s 的得分应%(side)s %(bound)s 分（总分的 %(share)s%%）")
                           % {"kind": _(PERSONA_KINDS_LABELS[persona.kind]), "side": _("不高于") if side == "max" else _("不低于"),
                              "bound": bound, "share": int(share * 100)})
    if details:
        details += [f"{c.id}: {c.result.score}/{c.points} {c.result.message}" for c in report.criteria if c.machine_scored]
        if report.deduction:
            details += [_("附带损害扣 %(d)s 分：") % {"d": report.deduction}] + [c.message for c in report.collateral]
    got = _("%(earned)s 分") % {"earned": earned}
    return VerifyRow(scenario.slug, seed, run, expected, got, not details, tuple(details), off_by)


def persona_agreement(rows: Iterable[VerifyRow]) -> dict[str, dict]:
    """Per scenario: persona runs, the mean and largest distance of a total from its band, the worst."""
    out: dict[str, dict] = {}
    for row in rows:
        if row.off_by is None:
            continue
        entry = out.setdefault(row.scenario, {"runs": 0, "total_off": Decimal(0), "worst": None})
        entry["runs"] += 1
        entry["total_off"] += row.off_by
        if entry["worst"] is None or row.off_by > entry["worst"].off_by:
            entry["worst"] = row
    for entry in out.values():
        entry["mean_off"] = (entry.pop("total_off") / entry["runs"]).quantize(CENT)
    return out


def persona_mix_problems(scenario) -> list[str]:
    """What the scenario's personas lack against the required mix (issue: scores a fair examiner would sign)."""
    counts = {kind: 0 for kind in PERSONA_KINDS_LABELS}
    for persona in scenario.personas:
        counts[persona.kind] += 1
    problems = [_("%(kind)s 至少 %(min)d 个，现有 %(n)d 个") % {"kind": _(PERSONA_KINDS_LABELS[kind]), "min": minimum,
                                                          "n": counts[kind]}
                for kind, minimum in PERSONA_MIX.items() if counts[kind] < minimum]
    if len(scenario.personas) < PERSONA_MIN:
        problems.append(_("人设至少 %(min)d 个，现有 %(n)d 个") % {"min": PERSONA_MIN, "n": len(scenario.personas)})
    return problems


PERSONA_MIN = 10
PERSONA_MIX = {"correct": 2, "partial": 2, "wrong": 2, "gaming": 2, "collateral": 1}


def _machine_scored(criterion) -> bool:
    from autograder.registry import get_kind

    try:
        return bool(get_kind(criterion.check.kind).machine_scored)
    except KeyError:
        return True


PERSONA_MODES = ("all", "rotate", "none")


def persona_rotation() -> int:
    """Which seed each persona takes in ``rotate`` mode: the UTC day number, so consecutive days
    cover every persona on every seed; ``VERIFY_PERSONA_ROTATION`` pins it (to reproduce a run)."""
    pinned = os.environ.get("VERIFY_PERSONA_ROTATION", "").strip()
    if pinned.isdigit():
        return int(pinned)
    return datetime.now(timezone.utc).toordinal()


def personas_for_seed(personas, seed_index: int, seed_count: int, *, mode: str, rotation: int = 0) -> list:
    """The personas to run on the ``seed_index``-th seed: all of them, none, or (``rotate``) each
    persona on exactly one seed, so a CI run covers every persona once at 1/seed_count of the cost
    (the full set on every seed stays in ``make verify``)."""
    if mode == "all":
        return list(personas)
    if mode == "none":
        return []
    if mode != "rotate":
        raise ValueError(f"persona mode must be one of {PERSONA_MODES}, not {mode!r}")
    return [p for i, p in enumerate(personas) if (i + rotation) % seed_count == seed_index]


def verify_scenario(scenario, *, seeds: list[int], owner, pool, base_url: str,
                    on_row: Callable[[VerifyRow], None] | None = None, personas: str = "all",
                    rotation: int = 0) -> list[VerifyRow]:
    """Every run of ``scenario`` for each seed; ``on_row`` sees each row as soon as it is known.
    ``personas`` is ``all`` (every persona on every seed), ``rotate`` or ``none``
    (``personas_for_seed``)."""
    rows = []
    for index, seed in enumerate(seeds):
        runs = [partial(verify_blank, scenario, seed), partial(verify_solution, scenario, seed)]
        runs += [partial(verify_mutant, scenario, mutant, seed) for mutant in scenario.mutants]
        chosen = personas_for_seed(scenario.personas, index, len(seeds), mode=personas, rotation=rotation)
        runs += [partial(verify_persona, scenario, persona, seed) for persona in chosen]
        for run in runs:
            row = run(owner=owner, pool=pool, base_url=base_url)
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


# -- the command ------------------------------------------------------------------------------------

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * max(2, columns - _width(text))


COLUMNS = (26, 12, 26, 34, 34)


def format_row(cells: tuple[str, ...]) -> str:
    return "".join(_pad(cell, width) for cell, width in zip(cells, COLUMNS)) + cells[-1]


def _row_cells(row: VerifyRow) -> tuple[str, ...]:
    return (row.scenario, str(row.seed), row.run, row.expected, row.got, "OK" if row.ok else "FAIL")


def _say(stream, text: str) -> None:
    """One line to a Django OutputWrapper or any text stream."""
    stream.write(text if text.endswith("\n") else text + "\n")
    flush = getattr(stream, "flush", None)
    if callable(flush):
        flush()


def resolve_folders(targets: Iterable[str], catalog: Path) -> list[Path]:
    """Slugs of the catalog or paths to scenario folders; none = every scenario of the catalog."""
    from task_scenarios.loader import catalog_folders

    targets = list(targets or [])
    if not targets:
        return catalog_folders(catalog)
    folders = []
    for target in targets:
        path = Path(target)
        in_catalog = (catalog / target).is_dir()
        folders.append(path if path.is_dir() and ("/" in target or not in_catalog) else catalog / target)
    return folders


def verify_owner():
    """The user who owns verification sandboxes: a candidate without a usable password."""
    from django.contrib.auth import get_user_model

    from sandbox.accounts.roles import CANDIDATE, roles_sync

    groups = roles_sync()
    user, created = get_user_model().objects.get_or_create(username=VERIFY_USERNAME)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(groups[CANDIDATE])
    return user


def _quiet_server() -> None:
    """In the server child: a solution's missing favicon is not worth a warning line in the table."""
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)


def _start_server():
    """Daphne in a child process over the current database; refuses a database it cannot share."""
    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connection, connections

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        raise RuntimeError(_("场景验证需要文件型 SQLite 或 PostgreSQL 数据库：内存数据库无法与网站进程共享"))
    connections.close_all()  # the child opens its own connection
    process = DaphneProcess("127.0.0.1", partial(make_application, static_wrapper=ASGIStaticFilesHandler),
                            setup=_quiet_server)
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError(_("Daphne 未能启动"))
    return process, f"http://127.0.0.1:{process.port.value}"


def verify_command(targets: Iterable[str] = (), *, catalog: Path | None = None, stdout, stderr=None,
                   seeds: int | list[int] | None = None, base_url: str | None = None, pool=None,
                   require_personas: bool = False, personas: str = "all") -> int:
    """Verify scenarios and print the table; 0 if every run passed, 1 if any failed, 2 if it could not run.

    ``require_personas`` fails a scenario whose personas fall short of the required mix (at least 10:
    2 fully correct, 2 partial, 2 wrong, 2 gaming, 1 collateral).
    ``seeds`` is how many derived seeds per scenario (default 2) or an explicit list. ``base_url`` and
    ``pool`` let a caller (a test) supply a running server and a browser; otherwise this starts both.
    ``personas``: ``all`` (default), ``rotate`` (each persona on one seed, chosen by ``persona_rotation``)
    or ``none``.
    """
    from task_scenarios.loader import ScenarioLoadError, catalog_root, load_scenario

    stderr = stderr or stdout
    catalog = Path(catalog) if catalog is not None else catalog_root()
    folders = resolve_folders(targets, catalog)
    if not folders:
        _say(stdout, _("没有找到场景。"))
        return 0
    if seeds is None:
        seeds = DEFAULT_SEEDS
    if isinstance(seeds, int) and seeds < 1:
        _say(stderr, _("--seeds 至少为 1"))
        return 2

    rows: list[VerifyRow] = []
    scenarios = []
    for folder in folders:
        try:
            scenarios.append(load_scenario(folder))
        except ScenarioLoadError as exc:
            rows.append(VerifyRow(folder.name, "-", "load", _("格式正确"), _("%(n)d 个问题") % {"n": len(exc.problems)},
                                  False, tuple(str(p) for p in exc.problems)))

    if require_personas:
        for scenario in scenarios:
            short = persona_mix_problems(scenario)
            if short:
                rows.append(VerifyRow(scenario.slug, "-", "personas", _("人设齐全"), _("%(n)d 个不足") % {"n": len(short)},
                                      False, tuple(short)))

    _say(stdout, format_row((_("场景"), _("种子"), _("运行"), _("期望"), _("实际"), _("结果"))))
    for row in rows:
        _say(stdout, format_row(_row_cells(row)))

    server = own_pool = None
    try:
        if scenarios:
            if base_url is None:
                try:
                    server, base_url = _start_server()
                except RuntimeError as exc:
                    _say(stderr, str(exc))
                    return 2
            if pool is None:
                from autograder.browser import BrowserPool

                pool = own_pool = BrowserPool()
            owner = verify_owner()
            rotation = persona_rotation() if personas == "rotate" else 0
            if personas == "rotate":
                _say(stdout, _("人设轮换：每个人设只在一个种子上运行（轮换号 %(n)d；完整运行用 --personas all）")
                     % {"n": rotation})
            for scenario in scenarios:
                scenario_seeds = list(seeds) if not isinstance(seeds, int) else verify_seeds(scenario.uuid, seeds)
                rows += verify_scenario(scenario, seeds=scenario_seeds, owner=owner, pool=pool, base_url=base_url,
                                        on_row=lambda row: _say(stdout, format_row(_row_cells(row))),
                                        personas=personas, rotation=rotation)
    finally:
        if own_pool is not None:
            own_pool.close()
        if server is not None:
            server.terminate()
            server.join(timeout=10)

    failed = [row for row in rows if not row.ok]
    for row in failed:
        if row.details:
            _say(stderr, f"FAIL {row.scenario} #{row.seed} {row.run}:")
            for line in row.details:
                _say(stderr, f"    {line}")
    for slug, entry in persona_agreement(rows).items():
        worst = entry["worst"]
        _say(stdout, _("评分一致性 %(slug)s：%(runs)d 次人设运行，与考评员区间平均偏差 %(mean)s 分，最大 %(max)s 分（%(run)s #%(seed)s）")
             % {"slug": slug, "runs": entry["runs"], "mean": entry["mean_off"], "max": worst.off_by,
                "run": worst.run, "seed": worst.seed})
    _say(stdout, _("%(n)d 次运行，%(failed)d 次失败") % {"n": len(rows), "failed": len(failed)})
    return 1 if failed else 0

