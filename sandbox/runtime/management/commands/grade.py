"""``manage.py grade <attempt>`` grades one attempt and prints its report; ``grade --all`` grades a batch.

Grading happens in this process (one Chromium for the whole batch) unless ``--enqueue`` hands the
attempts to the task queue's workers instead. Page checks need the web server at
``GRADER_BASE_URL`` (``make run`` serves it).
"""

from __future__ import annotations

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from sandbox.runtime.models import Attempt
from sandbox.runtime.selectors import attempt_get, attempts_with_status
from sandbox.runtime.services import AttemptError, attempt_grade

MESSAGE_COLUMNS = 70


def width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(1, columns - width(text))


def clip(text: str, columns: int) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    out = ""
    for ch in line:
        if width(out + ch) > columns - 1:
            return out + "…"
        out += ch
    return out


def report_lines(report: dict, *, heading: str) -> list[str]:
    """A GradeReport.as_dict() as a table: criterion, points, score, message; then the totals."""
    rows = [(_("评分项"), _("分值"), _("得分"), _("说明"))]
    for criterion in report["criteria"]:
        result = criterion["result"]
        score = result["score"] if criterion["machine_scored"] else _("待评")
        if result.get("verdict") == "not_evaluated":
            score = _("未评定")
        message = result.get("message", "")
        if result.get("error") and result["error"] not in message:
            message = _("出错：%(e)s") % {"e": result["error"]}
        rows.append((criterion["id"], criterion["points"], score, clip(message, MESSAGE_COLUMNS)))
    widths = [max(width(row[i]) for row in rows) + 2 for i in range(3)]
    lines = [heading]
    for row in rows:
        lines.append("  " + "".join(pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + row[3])
    for change in report.get("collateral", []):
        lines.append("  " + _("附带损害：%(m)s") % {"m": change["message"]})
    if report.get("collateral_error"):
        lines.append("  " + _("附带损害检查出错：%(e)s") % {"e": report["collateral_error"]})
    lines.append("  " + _("扣分 %(d)s，总分 %(t)s / %(m)s") % {"d": report["deduction"], "t": report["total"],
                                                            "m": report["max"]})
    if report.get("pending_manual"):
        lines.append("  " + _("待考评员评分：%(ids)s") % {"ids": "、".join(report["pending_manual"])})
    if report.get("not_evaluated"):
        lines.append("  " + _("未评定（评分检查未能完成，需重新评分或核定）：%(ids)s") % {"ids": "、".join(report["not_evaluated"])})
    if report.get("after_freeze"):
        lines.append("  " + report.get("after_freeze_note", ""))
        lines.extend("    " + item["message"] for item in report["after_freeze"])
    return lines


class Command(BaseCommand):
    help = _("评分：grade <作答编号> 评一份并打印报告；grade --all 批量评分（显示进度）")

    def add_arguments(self, parser):
        parser.add_argument("attempt_id", nargs="?", type=int, help=_("作答编号"))
        parser.add_argument("--all", action="store_true", help=_("评分所有处于 --status 状态的作答"))
        parser.add_argument("--status", default=Attempt.Status.SUBMITTED, choices=Attempt.Status.values,
                            help=_("批量评分的作答状态（默认 submitted；graded 表示全部重评）"))
        parser.add_argument("--dry-run", action="store_true", help=_("试评：打印结果，不保存报告、不改状态"))
        parser.add_argument("--enqueue", action="store_true", help=_("交给任务队列的评分进程，而不是在本进程评分"))

    def handle(self, *args, **options):
        if options["all"] == (options["attempt_id"] is not None):
            raise CommandError(_("请给出一个作答编号，或使用 --all"))
        if options["dry_run"] and options["enqueue"]:
            raise CommandError(_("--dry-run 与 --enqueue 不能同时使用"))
        from autograder.browser import shared_pool

        pool = shared_pool()
        try:
            if options["all"]:
                return self.grade_all(options["status"], dry_run=options["dry_run"], enqueue=options["enqueue"])
            return self.grade_one(options["attempt_id"], dry_run=options["dry_run"], enqueue=options["enqueue"])
        finally:
            if pool.started:
                pool.close()

    def grade_one(self, attempt_id: int, *, dry_run: bool, enqueue: bool) -> None:
        try:
            attempt = attempt_get(attempt_id)
        except Attempt.DoesNotExist:
            raise CommandError(_("作答 #%(id)s 不存在") % {"id": attempt_id}) from None
        if enqueue:
            from sandbox.runtime.tasks import attempt_grade_enqueue

            result = attempt_grade_enqueue(attempt=attempt)
            self.stdout.write(_("作答 #%(id)s 已加入评分队列（任务 %(task)s）") % {"id": attempt.pk, "task": result.id})
            return
        try:
            outcome = attempt_grade(attempt=attempt, dry_run=dry_run)
        except AttemptError as exc:
            raise CommandError(exc.message) from None
        instance = attempt.instance
        if dry_run:
            report, label = outcome.as_dict(), _("试评，未保存")
        else:
            report, label = outcome.report, _("报告第 %(v)s 版") % {"v": outcome.version}
        heading = _("作答 #%(id)s  %(slug)s v%(version)s  变体种子 %(seed)s  （%(label)s）") % {
            "id": attempt.pk, "slug": instance.slug, "version": instance.version, "seed": instance.seed, "label": label}
        self.stdout.write("\n".join(report_lines(report, heading=heading)))

    def grade_all(self, status: str, *, dry_run: bool, enqueue: bool) -> None:
        attempts = list(attempts_with_status(status))
        if not attempts:
            self.stdout.write(_("没有状态为“%(status)s”的作答。") % {"status": Attempt.Status(status).label})
            return
        if enqueue:
            from sandbox.runtime.tasks import attempt_grade_enqueue

            for attempt in attempts:
                attempt_grade_enqueue(attempt=attempt)
            self.stdout.write(_("已将 %(n)d 份作答加入评分队列") % {"n": len(attempts)})
            return
        failures: list[tuple[int, str]] = []
        results: list[tuple[int, str]] = []
        started = time.monotonic()
        progress = tqdm(attempts, desc=_("评分"), unit=_("份"), file=self.stderr._out, ascii=True,
                        dynamic_ncols=False, ncols=80, mininterval=0)
        for attempt in progress:
            try:
                outcome = attempt_grade(attempt=attempt, dry_run=dry_run)
            except AttemptError as exc:
                failures.append((attempt.pk, exc.message))
                continue
            except Exception as exc:  # one broken attempt must not stop the batch
                failures.append((attempt.pk, f"{type(exc).__name__}: {exc}"))
                continue
            results.append((attempt.pk, f"{outcome.total} / {outcome.max}"))
        progress.close()
        elapsed = time.monotonic() - started
        if dry_run:
            for attempt_id, score in results:
                self.stdout.write(_("作答 #%(id)s：%(score)s（试评，未保存）") % {"id": attempt_id, "score": score})
        for attempt_id, message in failures:
            self.stderr.write(_("作答 #%(id)s 评分失败：%(message)s") % {"id": attempt_id, "message": message})
        rate = len(attempts) / elapsed if elapsed > 0 else 0.0
        self.stdout.write(_("已评分 %(ok)d 份，失败 %(failed)d 份，用时 %(s).1f 秒（%(rate).2f 份/秒）") % {
            "ok": len(results), "failed": len(failures), "s": elapsed, "rate": rate})
        if failures:
            raise CommandError(_("%(n)d 份作答评分失败") % {"n": len(failures)}, returncode=1)
