"""``file``: a spreadsheet the candidate uploaded (CSV or XLSX), checked against the clean data.

What people hand in varies: Excel on a Chinese Windows saves CSV as GBK, others as UTF-8 with or
without a BOM, some save XLSX with a .csv name. So the format is sniffed from the content (an XLSX
is a zip), CSV text is decoded as UTF-8 (BOM or not) and then GB18030 (a superset of GBK), and a file
that is none of these — an image renamed .csv, an empty file, an old .xls — gets a clear message and
zero for the criterion, never an exception.

The sub-checks (columns, row count, duplicate keys, empty cells, values) each earn their share.
``normalise`` names the format the task asks for per column: ``phone`` = 11 digits only, ``date`` =
YYYY-MM-DD, ``datetime`` = YYYY-MM-DD HH:MM, ``money`` = two decimals; such a column must be in that
form *and* equal the clean value (a cell left empty where the clean data is empty is right).
``subchecks`` and ``compare`` let one upload feed several criteria (duplicates, phones, dates …),
each scoring only the part of the cleaning it is about.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import pandas as pd
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from autograder.bounded import WALL_FACTOR, BudgetExceeded, call_bounded
from autograder.matching import (
    is_empty, normalize_date, normalize_money, normalize_number, normalize_phone, normalize_text,
)
from autograder.registry import CheckKind, CheckParams, CheckResult, register
from shop_sim.file_limits import (
    FileLimitExceeded, FileLimits, csv_delimiter, file_limits, table_limits_check, text_decode, too_big_in_memory,
    too_slow,
)

MAX_BYTES = 20 * 1024 * 1024
MESSAGE_CELLS = 5
Format = Literal["text", "exact", "trimmed", "number", "money", "phone", "date", "datetime"]
Subcheck = Literal["columns", "rows", "duplicates", "dedupe", "nulls", "values"]
SUBCHECKS: tuple[str, ...] = ("columns", "rows", "duplicates", "nulls", "values")
MATCH_SHARE = 0.6  # a row whose key did not survive is matched by at least this share of the ``match`` columns
_DATETIME_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
                          r"(?:\s*[tT]?\s*(\d{1,2})[:：时](\d{1,2})分?(?:[:：](\d{1,2})(?:\.\d+)?|(\d{1,2})秒)?)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MAGIC = (
    (b"\x89PNG", N_("PNG 图片")), (b"\xff\xd8\xff", N_("JPEG 图片")), (b"GIF8", N_("GIF 图片")), (b"%PDF", N_("PDF 文档")),
    (b"Rar!", N_("RAR 压缩包")), (b"7z\xbc\xaf", N_("7z 压缩包")), (b"BM", N_("BMP 图片")), (b"RIFF", N_("音视频或 WebP 文件")),
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileProblem(Exception):
    """The upload cannot be read as a table; ``message`` tells the candidate why, in Chinese.
    ``over_limits``: it is readable but over the file limits (shop_sim.file_limits)."""

    def __init__(self, message: str, over_limits: bool = False):
        super().__init__(message, over_limits)
        self.message = message
        self.over_limits = over_limits


def _cell(value: Any) -> Any:
    """An XLSX cell as people read it: blank → '', whole floats → ints, midnight datetimes → dates."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _decode(data: bytes) -> str:
    """The CSV's text, decoded the way the file limits read it (UTF-16 with BOM, UTF-8, GB18030)."""
    text = text_decode(data)
    if text is not None:
        return text
    raise FileProblem(_("无法识别文件的文字编码，请保存为 UTF-8 或 GBK 编码的 CSV 文件"))


def _read_csv(data: bytes) -> pd.DataFrame:
    text = _decode(data)
    if not text.strip():
        raise FileProblem(_("文件是空的，没有任何数据"))
    if "\x00" in text:
        raise FileProblem(_("文件不是 CSV 或 Excel（.xlsx）表格"))
    delimiter = csv_delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skip_blank_lines=True, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise FileProblem(_("CSV 文件格式有误，无法按表格读取（%(error)s）") % {"error": str(exc).splitlines()[0][:120]}) from None
    return frame


def _read_xlsx(data: bytes, sheet: str | int) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="openpyxl")
    except MemoryError:
        raise  # over the parse's memory budget (read_upload), not a damaged file
    except Exception:  # BadZipFile, InvalidFileException, KeyError from a zip that is not a workbook
        raise FileProblem(_("无法读取 Excel 文件：文件已损坏，或不是 .xlsx 格式")) from None
    names = book.sheet_names
    if isinstance(sheet, str) and sheet not in names:
        raise FileProblem(_("Excel 文件中找不到工作表“%(sheet)s”（现有：%(names)s）") % {"sheet": sheet, "names": "、".join(names)})
    if isinstance(sheet, int) and sheet >= len(names):
        raise FileProblem(_("Excel 文件只有 %(n)d 个工作表") % {"n": len(names)})
    try:
        frame = pd.read_excel(book, sheet_name=sheet, dtype=object)
    except MemoryError:
        raise
    except Exception:
        raise FileProblem(_("无法读取 Excel 工作表的内容")) from None
    return frame.map(_cell) if not frame.empty else frame


def read_table(path: Path | str, *, sheet: str | int = 0, limits: FileLimits | None = None) -> pd.DataFrame:
    """The upload as a DataFrame of cells (CSV: text; XLSX: typed cells); FileProblem if unreadable
    or over the file limits (checked before anything parses it)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise FileProblem(_("找不到上传的文件")) from None
    if size == 0:
        raise FileProblem(_("文件是空的（0 字节）"))
    if size > MAX_BYTES:
        raise FileProblem(_("文件过大（%(size)d MB），上限 %(max)d MB")
                          % {"size": size // 1024 // 1024, "max": MAX_BYTES // 1024 // 1024})
    data = path.read_bytes()
    try:
        table_limits_check(data, limits=limits or file_limits())
    except FileLimitExceeded as exc:
        raise FileProblem(exc.message, over_limits=True) from None
    if data[:4] == b"PK\x03\x04":
        frame = _read_xlsx(data, sheet)
    elif data[:8] == OLE2:
        raise FileProblem(_("这是旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后重新上传"))
    else:
        for magic, what in MAGIC:
            if data.startswith(magic):
                raise FileProblem(_("文件不是表格：内容是%(what)s，请上传 CSV 或 Excel（.xlsx）文件") % {"what": _(what)})
        frame = _read_csv(data)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.loc[~frame.apply(lambda row: all(is_empty(v) for v in row), axis=1)] if len(frame) else frame
    if frame.columns.empty or (len(frame.columns) == 1 and not frame.columns[0]):
        raise FileProblem(_("文件没有表头（第一行应为列名）"))
    return frame.reset_index(drop=True)


class GraderBusy(Exception):
    """The parse was stopped by the wall clock while still within its CPU budget: the machine was
    too busy, the file is not to blame. Raised out of the check, so the criterion is reported as a
    grader error (评分检查出错) for a regrade, not as the candidate's zero."""


_last_read: dict[tuple, pd.DataFrame | FileProblem] = {}


def read_upload(path: Path | str, *, sheet: str | int = 0) -> pd.DataFrame:
    """``read_table`` for a candidate's file: parsed in a child process with the limits' time and
    memory budget (autograder.bounded), so a hostile file costs its criterion, never the worker.
    Several criteria often grade one upload part by part; the last file read is kept (keyed by
    its path, size and mtime) so they share one parse."""
    limits = file_limits()
    try:
        stat = Path(path).stat()
    except OSError:
        raise FileProblem(_("找不到上传的文件")) from None
    key = (str(path), stat.st_size, stat.st_mtime_ns, sheet, limits, translation.get_language())
    cached = _last_read.get(key)
    if cached is None:
        try:
            cached = call_bounded(partial(read_table, sheet=sheet, limits=limits), path, seconds=limits.seconds,
                                  memory_bytes=limits.parse_memory_bytes)
        except FileProblem as exc:
            cached = exc
        except BudgetExceeded as exc:
            if exc.kind == "wall":
                raise GraderBusy(f"reading the upload took more than {limits.seconds * WALL_FACTOR:g} s of wall-clock "
                                 f"time within its {limits.seconds:g} CPU seconds: the grader was too busy") from None
            over = too_slow(limits) if exc.kind == "time" else too_big_in_memory(limits)
            cached = FileProblem(over.message, over_limits=True)
        _last_read.clear()
        _last_read[key] = cached
    if isinstance(cached, FileProblem):
        raise FileProblem(cached.message, over_limits=cached.over_limits)
    return cached.copy()


# -- formats -------------------------------------------------------------------------------------

def _whole_second(value: datetime) -> datetime:
    """Excel keeps times as fractions of a day: 09:05 may come back as 09:04:59.999999."""
    return (value + timedelta(microseconds=500_000)).replace(microsecond=0)


def normalize_datetime(value: Any) -> str | None:
    """2026/11/3 9:05, 2026-11-03 09:05:37, 2026年11月3日, 20261103, a datetime cell → 'YYYY-MM-DD HH:MM'
    (seconds dropped, a date alone is 00:00); None if not a date."""
    if isinstance(value, bool) or is_empty(value):
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return _whole_second(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return f"{value.isoformat()} 00:00"
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _DATETIME_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute = ([int(g) if g else 0 for g in match.groups()] + [0, 0])[:5]
    try:
        moment = datetime(year, month, day, hour, minute)
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%d %H:%M")


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return "" if is_empty(value) else str(value).strip()


def format_problem(value: Any, how: str) -> str | None:
    """What the task asks of a cell in this form, in the candidate's words (None when it is in it)."""
    text = _text(value)
    if how == "phone" and not re.fullmatch(r"1\d{10}", text):
        return _("手机号应为 11 位数字，不带空格、短横线或 +86")
    if how == "date" and not (isinstance(value, date) and not isinstance(value, datetime)) \
            and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return _("日期应写成 YYYY-MM-DD")
    if how == "datetime":
        if isinstance(value, datetime):
            return None if _whole_second(value).second == 0 else _("时间应写成 YYYY-MM-DD HH:MM，不带秒")
        if isinstance(value, date):
            return None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?", text):
            return _("时间应写成 YYYY-MM-DD HH:MM，不带秒")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text):
            return _("时间应写成 YYYY-MM-DD HH:MM")
    if how == "money":
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            amount = normalize_money(value)
            if amount is None or Decimal(str(value)) != amount:
                return _("金额应保留两位小数")
        elif not re.fullmatch(r"-?\d+\.\d{2}", text):
            return _("金额应为保留两位小数的数字，不带 ￥、元 或千位分隔符（如 1299.00）")
    if how == "number" and normalize_number(value) is None:
        return _("应为数字，不带单位")
    if how == "trimmed" and isinstance(value, str) and value != value.strip():
        return _("首尾不应有空格")
    return None


def canonical(value: Any, how: str) -> Any:
    """The value reduced to what must be equal to the clean data."""
    if how == "phone":
        return normalize_phone(value)
    if how == "date":
        return normalize_date(value)
    if how == "datetime":
        return normalize_datetime(value)
    if how == "money":
        return normalize_money(value)
    if how == "number":
        return normalize_number(value)
    if how in ("exact", "trimmed"):
        return _text(value)
    return normalize_text(_text(value))


def cell_right(got: Any, want: Any, how: str) -> tuple[bool, str | None]:
    """(is ``got`` the clean value ``want`` in the form the task asks, why not in the candidate's words)."""
    formatted = how in ("phone", "date", "datetime", "money", "number", "trimmed") and not is_empty(got)
    problem = format_problem(got, how) if formatted else None
    return problem is None and canonical(got, how) == canonical(want, how), problem


# -- rows ----------------------------------------------------------------------------------------

def align(actual: list, expected: list, *, keys: list[str], match: list[str], formats: dict[str, str],
          positional: bool = False) -> tuple[dict[int, int], list[int], list[int]]:
    """Which uploaded row is which clean row, by the best key that survives (keys by meaning).

    A row is the clean row whose key it carries; a row whose key was mangled (Excel's 3.5E+17) is the
    clean row it agrees with on most ``match`` columns (at least MATCH_SHARE of them) — so a spoilt key
    costs the key's points, not every cell of the row. Each clean row is matched once, best agreement
    first, earlier upload rows first. Returns (clean position → upload position, upload rows that repeat
    an already-matched row, upload rows that are no clean row at all)."""
    if positional:
        return {p: p for p in range(min(len(actual), len(expected)))}, [], list(range(len(expected), len(actual)))

    def value(row, column):
        return canonical(row.get(column, ""), formats.get(column, "text"))

    by_key: dict[tuple, int] = {}
    for position, row in enumerate(expected):
        by_key.setdefault(tuple(value(row, k) for k in keys), position)
    by_content: dict[str, dict[Any, list[int]]] = {c: {} for c in match}
    for position, row in enumerate(expected):
        for column in match:
            cell = value(row, column)
            if cell not in (None, ""):
                by_content[column].setdefault(cell, []).append(position)
    needed = max(1, -(-len(match) * int(MATCH_SHARE * 100) // 100)) if match else None
    bonus = len(match) + 1
    pairs: list[tuple[int, int, int]] = []
    resembling: set[int] = set()
    for upload, row in enumerate(actual):
        votes: dict[int, int] = {}
        if keys:
            position = by_key.get(tuple(value(row, k) for k in keys))
            if position is not None:
                votes[position] = bonus
        for column in match:
            cell = value(row, column)
            if cell in (None, ""):
                continue
            for position in by_content[column].get(cell, ()):
                votes[position] = votes.get(position, 0) + 1
        for position, score in votes.items():
            if score >= bonus or (needed is not None and score >= needed):
                pairs.append((-score, upload, position))
                resembling.add(upload)
    pairs.sort()
    found_at: dict[int, int] = {}
    taken: set[int] = set()
    for _score, upload, position in pairs:
        if upload in taken or position in found_at:
            continue
        found_at[position] = upload
        taken.add(upload)
    repeats = [u for u in range(len(actual)) if u not in taken and u in resembling]
    strangers = [u for u in range(len(actual)) if u not in taken and u not in resembling]
    return found_at, repeats, strangers


# -- params ---------------------------------------------------------------------------------------

class ExpectedData(BaseModel):
    """The clean data: a CSV/XLSX in the scenario's assets/, or rows given inline (often from params)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    asset: str | None = Field(default=None, description="A file under the scenario's assets/ folder (CSV or XLSX).")
    rows: list[dict[str, Any]] | None = Field(default=None, description="The clean rows: column → value.")

    @field_validator("asset")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        if value is not None:
            pure = PurePosixPath(value)
            if pure.is_absolute() or ".." in pure.parts or not value.strip():
                raise ValueError(_("asset 必须是 assets/ 目录内的相对路径"))
        return value

    @model_validator(mode="after")
    def _one(self) -> ExpectedData:
        if (self.asset is None) == (self.rows is None):
            raise ValueError(_("expected 需要 asset 或 rows，二选一"))
        return self


class FileParams(CheckParams):
    """An uploaded spreadsheet compared with the clean data."""

    upload: str = Field(min_length=1, description="Name of the upload slot the candidate filled in.")
    expected: ExpectedData = Field(description="The clean data the upload must equal.")
    columns: list[str] | None = Field(default=None, description="Required columns (default: the clean data's).")
    key: str | list[str] | None = Field(default=None, description="Column(s) identifying a row: no duplicates, "
                                                                  "rows matched by it.")
    normalise: dict[str, Format] = Field(default_factory=dict,
                                         description="Column → required form: text (tolerant), exact, number, "
                                                     "money (2 decimals), phone (11 digits), date (YYYY-MM-DD), "
                                                     "datetime (YYYY-MM-DD HH:MM).")
    required: list[str] | None = Field(default=None, description="Columns that may not have empty cells "
                                                                 "(default: all required columns).")
    sheet: str | int = Field(default=0, description="XLSX: sheet name or index.")
    partial: Literal["per_check", "all_or_nothing"] = Field(default="per_check",
                                                            description="per_check: each sub-check earns its share.")
    subchecks: list[Subcheck] | None = Field(default=None, min_length=1,
                                             description="The sub-checks this criterion scores (default: all of "
                                                         "columns, rows, duplicates, nulls, values), so several "
                                                         "criteria can grade one upload part by part.")
    compare: list[str] | None = Field(default=None, min_length=1,
                                      description="Columns whose cells the values sub-check compares "
                                                  "(default: all required columns).")
    handed_out: ExpectedData | None = Field(default=None,
                                            description="The file as handed out (needs key). With it the values "
                                                        "sub-check credits only the cells that needed work and "
                                                        "charges cells that were right and were damaged (delta "
                                                        "credit: the input handed back scores 0), and the dedupe "
                                                        "sub-check can count the duplicate rows removed.")
    match: list[str] | None = Field(default=None, min_length=1,
                                    description="Columns that identify a row when its key did not survive (an "
                                                "order number a spreadsheet program turned into 3.5E+17): a row "
                                                "is matched by its key, else by most of these columns, so one "
                                                "slip costs its own points only.")

    @property
    def key_columns(self) -> list[str]:
        return [] if self.key is None else ([self.key] if isinstance(self.key, str) else list(self.key))

    @model_validator(mode="after")
    def _columns_consistent(self) -> FileParams:
        if self.subchecks is not None and len(set(self.subchecks)) != len(self.subchecks):
            raise ValueError(_("subchecks 中有重复项"))
        if (self.handed_out is not None or "dedupe" in (self.subchecks or ())) and not self.key_columns:
            raise ValueError(_("handed_out 和 dedupe 需要 key（用主键把下发的行与清洗后的行对应起来）"))
        if "dedupe" in (self.subchecks or ()) and self.handed_out is None:
            raise ValueError(_("dedupe 需要 handed_out（下发的原始数据）"))
        if self.columns is not None:
            missing = [c for c in [*self.key_columns, *self.normalise, *(self.required or []), *(self.compare or []),
                                   *(self.match or [])]
                       if c not in self.columns]
            if missing:
                raise ValueError(_("key/normalise/required/compare 中的列不在 columns 中：%(cols)s")
                             % {"cols": "、".join(missing)})
        if self.expected.rows is not None:
            columns = self.columns or list(self.expected.rows[0]) if self.expected.rows else self.columns or []
            gaps = [f"rows[{i}]" for i, row in enumerate(self.expected.rows) if any(c not in row for c in columns)]
            if gaps:
                raise ValueError(_("expected.rows 缺少列：%(rows)s") % {"rows": "、".join(gaps[:5])})
        return self


@register
class FileCheck(CheckKind):
    """An uploaded CSV/XLSX (UTF-8, UTF-8-BOM, GBK) against the clean data, sub-check by sub-check."""

    name = "file"
    freeze_aware = True
    Params = FileParams

    def scenario_problems(self, params: FileParams, *, folder: Path, criterion: Any) -> list[tuple[str, str]]:
        """Load-time: an asset named as the clean data must exist and be readable."""
        if params.expected.asset is None:
            return []
        path = folder / "assets" / params.expected.asset
        if not path.is_file():
            return [("expected.asset", _("找不到文件 assets/%(name)s") % {"name": params.expected.asset})]
        try:
            frame = read_table(path, sheet=params.sheet)
        except FileProblem as exc:
            return [("expected.asset", _("assets/%(name)s 无法读取：%(why)s")
                                       % {"name": params.expected.asset, "why": exc.message})]
        wanted = params.columns or []
        missing = [c for c in wanted if c not in frame.columns]
        return [("columns", _("assets/%(name)s 中没有这些列：%(cols)s")
                            % {"name": params.expected.asset, "cols": "、".join(missing)})] if missing else []

    def _expected(self, ctx, params: FileParams, data: ExpectedData | None = None) -> pd.DataFrame:
        data = data or params.expected
        if data.rows is not None:
            return pd.DataFrame(data.rows, dtype=object).fillna("")
        return read_table(ctx.asset_path(data.asset), sheet=params.sheet)

    @staticmethod
    def _dedupe(notes, want_list, found_at, repeats, strangers, mangled, actual_rows, keys, handed_out,
                label) -> Decimal:
        """Delta credit for removing duplicates: of the duplicate rows handed out, those removed, less
        every row that should have stayed and is gone or is no row of the data, then scaled by the
        share of rows whose key survived (the key is what the duplicates are told apart by)."""
        handed_dups = len(handed_out) - len(want_list)
        lost = [p for p in range(len(want_list)) if p not in found_at]
        removed = handed_dups - len(repeats)
        if handed_dups <= 0:
            share = Decimal(1) if not repeats and not lost and not strangers else Decimal(0)
        else:
            share = max(Decimal(removed - len(lost) - len(strangers)), Decimal(0)) / Decimal(handed_dups)
        if mangled and want_list:
            share *= Decimal(len(want_list) - len(mangled)) / Decimal(len(want_list))
        parts = []
        if repeats:
            parts.append(_("还有 %(n)d 行重复记录没有删除（原表有 %(all)d 行重复）") % {"n": len(repeats), "all": handed_dups})
        if lost:
            parts.append(_("删掉了不该删的记录 %(n)d 条：%(rows)s")
                         % {"n": len(lost), "rows": "、".join(label(want_list[p], p) for p in lost[:MESSAGE_CELLS])})
        if strangers:
            parts.append(_("有 %(n)d 行与原表的任何记录都对不上（第 %(rows)s 行）")
                         % {"n": len(strangers), "rows": "、".join(str(u + 2) for u in strangers[:MESSAGE_CELLS])})
        if mangled:
            shown = "、".join(f"“{_text(actual_rows[found_at[p]].get(keys[0], ''))}”" for p in mangled[:3])
            parts.append(_("%(n)d 行的%(key)s被改动了（如 %(shown)s），%(key)s是每条记录的唯一标识，必须与原表一致"
                           "（长数字请按文本导入，避免变成科学计数法或丢掉开头的 0）")
                         % {"n": len(mangled), "key": "、".join(keys), "shown": shown})
        if parts:
            notes.append(("dedupe", "；".join(parts)))
        return share

    def run(self, ctx, params: FileParams) -> CheckResult:
        path = ctx.uploaded_file(params.upload)
        if path is None or not Path(path).is_file():
            return CheckResult(score=0, max=ctx.points, message=_("未找到上传的文件（%(name)s）：请先上传表格再提交")
                                                                % {"name": params.upload},
                               actual={"upload": None})
        try:
            frame = read_upload(path, sheet=params.sheet)
        except FileProblem as exc:
            message = exc.message if exc.over_limits else _("上传的文件无法读取：%(why)s") % {"why": exc.message}
            return CheckResult(score=0, max=ctx.points, message=message,
                               actual={"upload": Path(path).name, "problem": exc.message,
                                       "over_limits": exc.over_limits})
        expected = self._expected(ctx, params)
        handed = self._expected(ctx, params, params.handed_out) if params.handed_out is not None else None
        return self.compare(ctx, params, frame, expected, upload_name=Path(path).name, handed_out=handed)

    def compare(self, ctx, params: FileParams, frame: pd.DataFrame, expected: pd.DataFrame, *,
                upload_name: str, handed_out: pd.DataFrame | None = None) -> CheckResult:
        columns = params.columns or [str(c) for c in expected.columns]
        by_norm = {normalize_text(c): c for c in frame.columns}
        rename = {by_norm[normalize_text(c)]: c for c in columns if normalize_text(c) in by_norm}
        frame = frame.rename(columns=rename)
        present = [c for c in columns if c in frame.columns]
        missing = [c for c in columns if c not in frame.columns]
        shares: dict[str, Decimal] = {}
        notes: list[tuple[str, str]] = []  # (sub-check, what is wrong)

        shares["columns"] = Decimal(len(present)) / Decimal(len(columns)) if columns else Decimal(1)
        if missing:
            notes.append(("columns", _("缺少列：%(cols)s") % {"cols": "、".join(missing)}))

        want_rows, got_rows = len(expected), len(frame)
        shares["rows"] = Decimal(1) if got_rows == want_rows else Decimal(0)
        if got_rows != want_rows:
            notes.append(("rows", _("行数应为 %(want)d，实际 %(got)d") % {"want": want_rows, "got": got_rows}))

        keys = params.key_columns
        formats = {c: params.normalise.get(c, "text") for c in columns}

        def row_key(row: pd.Series, cols: list[str]) -> tuple:
            return tuple(canonical(row.get(c, ""), formats.get(c, "text")) for c in cols)

        key_present = bool(keys) and all(k in frame.columns for k in keys)
        if keys and not key_present:
            shares["duplicates"] = Decimal(0)
            notes.append(("duplicates", _("缺少主键列，无法检查重复：%(cols)s")
                          % {"cols": "、".join(k for k in keys if k not in frame.columns)}))
            actual_keys: list[tuple] = []
        else:
            check_cols = keys or present
            actual_keys = [row_key(row, check_cols) for _index, row in frame.iterrows()]
            seen, duplicates = set(), []
            for value in actual_keys:
                if value in seen and value not in duplicates:
                    duplicates.append(value)
                seen.add(value)
            shares["duplicates"] = Decimal(0) if duplicates else Decimal(1)
            if duplicates:
                shown_keys = "、".join("/".join("" if v is None else str(v) for v in d) for d in duplicates[:5])
                by = _("主键 %(cols)s") % {"cols": "、".join(keys)} if keys else _("整行")
                notes.append(("duplicates", _("有重复记录（%(by)s）：%(keys)s") % {"by": by, "keys": shown_keys}))

        required = params.required if params.required is not None else columns
        clean_columns = 0
        null_notes = []
        for column in required:
            if column not in frame.columns:
                continue
            empties = [i for i, v in enumerate(frame[column]) if is_empty(v)]
            if empties:
                null_notes.append(_("%(col)s（第 %(rows)s 行）")
                                  % {"col": column, "rows": "、".join(str(i + 2) for i in empties[:5])})
            else:
                clean_columns += 1
        shares["nulls"] = Decimal(clean_columns) / Decimal(len(required)) if required else Decimal(1)
        if null_notes:
            notes.append(("nulls", _("有空值：") + "；".join(null_notes)))

        actual_rows = [row for _index, row in frame.iterrows()]
        want_list = [row for _index, row in expected.iterrows()]
        found_at, repeats, strangers = align(actual_rows, want_list, keys=keys if key_present else [],
                                             match=[c for c in (params.match or []) if c in frame.columns],
                                             formats=formats, positional=not keys)

        def label(want: pd.Series, position: int) -> str:
            if not keys:
                return _("第 %(n)d 行") % {"n": position + 2}
            return "、".join(f"{k} {_text(want.get(k, ''))}" for k in keys)

        handed: dict[tuple, pd.Series] = {}
        if handed_out is not None:
            for _index, row in handed_out.iterrows():
                handed.setdefault(row_key(row, keys), row)

        # keys that did not survive: rows matched by their content whose key cell is no longer the key
        mangled = [position for position, found in found_at.items()
                   if keys and key_present and row_key(actual_rows[found], keys) != row_key(want_list[position], keys)]
        if "dedupe" in (params.subchecks or ()):
            shares["dedupe"] = self._dedupe(notes, want_list, found_at, repeats, strangers, mangled,
                                            actual_rows, keys, handed_out, label)

        cell_notes: list[str] = []
        compared = params.compare or columns
        matched_cells, total_cells = 0, 0  # without handed_out: every cell
        fixed, dirty, damaged = 0, 0, 0  # with handed_out: cells that needed work, and right cells spoilt
        # 留空/清空 and 改写 are separate instructions: each counts for an equal share, however few cells
        clause_fixed: dict[str, int] = {"clear": 0, "rewrite": 0}
        clause_dirty: dict[str, int] = {"clear": 0, "rewrite": 0}
        for position, want in enumerate(want_list):
            found = found_at.get(position)
            given_row = handed.get(row_key(want, keys)) if handed_out is not None else None
            for column in compared:
                how = formats[column]
                wanted = want.get(column, "")
                got = actual_rows[found].get(column, "") if found is not None and column in frame.columns else None
                right, problem = cell_right(got, wanted, how) if got is not None else (False, None)
                if handed_out is not None:
                    given = given_row.get(column, "") if given_row is not None else None
                    needed_work = given is None or not cell_right(given, wanted, how)[0]
                    if not needed_work:
                        if got is not None and not right:
                            damaged += 1
                            if len(cell_notes) < MESSAGE_CELLS:
                                cell_notes.append(_("%(row)s 的%(col)s原本就是对的（“%(given)s”），被改成了“%(got)s”")
                                                  % {"row": label(want, position), "col": column,
                                                     "given": _text(given) or _("空"), "got": _text(got) or _("空")})
                        continue
                    dirty += 1
                    clause = "clear" if is_empty(wanted) and given is not None and not is_empty(given) else "rewrite"
                    clause_dirty[clause] += 1
                    if right:
                        fixed += 1
                        clause_fixed[clause] += 1
                        continue
                    # the export had the right fact in the wrong form (17:07:45) and the upload has another
                    # fact (17:08): a wrong value that looks clean is damage, not just work left undone
                    truth = canonical(wanted, how)
                    if got is not None and truth is not None and canonical(given, how) == truth \
                            and canonical(got, how) not in (None, truth):
                        damaged += 1
                        problem = problem or _("原表中是“%(given)s”，清洗后应为“%(want)s”：只改写法，不能改变数据本身") % {
                            "given": _text(given), "want": _text(wanted)}
                else:
                    total_cells += 1
                    if right:
                        matched_cells += 1
                        continue
                if got is None or len(cell_notes) >= MESSAGE_CELLS:
                    continue
                reason = problem or _("应为“%(want)s”") % {"want": _text(wanted) or _("空")}
                cell_notes.append(_("%(row)s 的%(col)s“%(got)s”：%(reason)s") % {
                    "row": label(want, position), "col": column, "got": _text(got) or _("空"), "reason": reason})
            if found is None and keys and len(cell_notes) < MESSAGE_CELLS:
                cell_notes.append(_("上传的表格中没有 %(row)s 这条记录") % {"row": label(want, position)})
        if handed_out is not None:
            if dirty:
                clauses = [Decimal(clause_fixed[c]) / Decimal(n) for c, n in clause_dirty.items() if n]
                shares["values"] = max(sum(clauses, Decimal(0)) / Decimal(len(clauses))
                                       - Decimal(damaged) / Decimal(dirty), Decimal(0))
            else:
                clean_cells = len(want_list) * len(compared)
                shares["values"] = max(Decimal(1) - Decimal(damaged) / Decimal(clean_cells or 1), Decimal(0))
            if fixed < dirty or damaged:
                summary = _("需要清洗的单元格 %(dirty)d 个，清洗正确 %(fixed)d 个") % {"dirty": dirty, "fixed": fixed}
                if clause_dirty["clear"] and clause_dirty["rewrite"]:
                    summary += _("（其中应留空的 %(clear)d 个，做对 %(ok)d 个；应留空和应改写的各占本项一半）") % {
                        "clear": clause_dirty["clear"], "ok": clause_fixed["clear"]}
                if damaged:
                    summary += _("；把原表中正确的数据改错了 %(n)d 个（每个抵消一个清洗正确的单元格）") % {"n": damaged}
                notes.append(("values", summary + "：" + "；".join(cell_notes)))
        else:
            shares["values"] = Decimal(matched_cells) / Decimal(total_cells) if total_cells else Decimal(1)
            if matched_cells < total_cells:
                notes.append(("values", _("数据正确的单元格 %(ok)d/%(all)d：")
                              % {"ok": matched_cells, "all": total_cells} + "；".join(cell_notes)))

        scored = params.subchecks or SUBCHECKS
        notes = [note for name, note in notes if name in scored]
        share = sum((shares[name] for name in scored), Decimal(0)) / Decimal(len(scored))
        if params.partial == "all_or_nothing" and share < 1:
            share = Decimal(0)
        message = _("表格符合要求") if not notes else "\n".join(notes)
        return CheckResult(
            score=Decimal(ctx.points) * share, max=ctx.points, message=message,
            expected={"columns": columns, "rows": want_rows, "key": keys, "normalise": formats},
            actual={"upload": upload_name, "columns": [str(c) for c in frame.columns], "rows": got_rows,
                    "subchecks": {k: str(v.quantize(Decimal("0.01"))) for k, v in shares.items() if k in scored}},
            evidence=[{"kind": "table", "upload": upload_name,
                       "head": [{str(k): _text(v) for k, v in row.items()} for row in actual_rows[:20]]}],
        )
