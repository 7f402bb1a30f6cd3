"""Results as a table (one row per registration) and its XLSX and CSV files.

Scores stay numbers (Decimal) in the XLSX; every text cell is written as text, never as a formula.
The CSV starts with a BOM so Excel reads it as UTF-8, and a text cell starting with = + - @ gets a
leading ' so a spreadsheet does not run it as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from sandbox.exams.models import Exam
from sandbox.exams.scores import exam_results

from .selectors import part_label

FORMULA_STARTS = ("=", "+", "-", "@")


def results_table(exam: Exam) -> tuple[list[str], list[list]]:
    parts = list(exam.parts.order_by("position"))
    header = [_("准考证号"), _("姓名"), _("证件类型"), _("证件号码")]
    for part in parts:
        label = part_label(part)
        header += [_("%(part)s 得分") % {"part": label}, _("%(part)s 满分") % {"part": label},
                   _("%(part)s 百分制") % {"part": label}]
    header += [_("操作技能成绩"), _("过程模块测验成绩"), _("综合成绩"), _("理论知识成绩"), _("是否合格"), _("成绩状态")]
    rows = []
    for line in exam_results(exam):
        registration = line.registration
        row = [registration.ticket_number, registration.full_name, registration.get_id_type_display(),
               registration.id_number]
        for task in line.tasks:
            row += [task.earned, task.max, task.percent]
        passed = {True: _("合格"), False: _("不合格"), None: _("待定")}[line.passed]
        row += [line.operational, registration.module_score, line.composed, line.theory, passed,
                _("完整") if line.complete else _("未完成")]
        rows.append(row)
    return header, rows


def csv_safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def results_csv(exam: Exam) -> bytes:
    header, rows = results_table(exam)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in [header, *rows]:
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def results_xlsx(exam: Exam) -> bytes:
    from openpyxl import Workbook

    header, rows = results_table(exam)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("成绩")
    for r, row in enumerate([header, *rows], start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text is text: "=…" must not become a formula
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
