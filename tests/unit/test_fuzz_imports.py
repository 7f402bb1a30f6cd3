"""Property-based fuzzing of the candidate import (hypothesis): whatever bytes arrive — generated
CSV in UTF-8, UTF-8 with BOM, GBK or GB18030, truncated files, XLSX with random cells, random
binary — the import either registers every row or refuses with row-level problems. Never another
exception, never a partial write."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, given, settings, strategies as st

from sandbox.exams.manage_services import ImportRefused, registrations_import
from sandbox.exams.models import Exam, Registration
from sandbox.exams.services import ExamError

pytestmark = pytest.mark.django_db
HEADERS = ["姓名", "证件类型", "证件号码", "级别", "过程模块成绩", "理论成绩"]
GOOD_IDS = ["110105199003071239", "44010619951212002X", "11010519491231002X"]
CELL = st.one_of(
    st.sampled_from(["张三", "居民身份证", "护照", "四级", "4", "中级工", "80", "100.5", "-1", "", " ", "=1+1",
                     "<script>alert(1)</script>", "1.1e+17", "E1234567", "１２３", *GOOD_IDS]),
    st.text(max_size=30),
)
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture
def exam(make_user):
    now = timezone.now()
    return Exam.objects.create(name="导入模糊测试", level="4", window_start=now, window_end=now + timedelta(hours=2),
                               created_by=make_user("kaoping_fz", "examiner"))


def _state():
    return Registration.objects.count(), get_user_model().objects.count()


def _run(exam, data: bytes, filename: str):
    before = _state()
    try:
        created = registrations_import(exam=exam, data=data, filename=filename, actor=exam.created_by)
    except ImportRefused as refused:
        assert refused.problems, "a refusal names its problems"
        assert _state() == before, "a refused import wrote something"
        return None
    except ExamError:
        assert _state() == before
        return None
    assert Registration.objects.count() == before[0] + len(created)
    return created


def _csv(rows, encoding: str) -> bytes:
    text = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows)
    return text.encode(encoding, errors="replace")


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=8), max_size=6),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]),
       with_header=st.booleans(), cut=st.integers(min_value=0, max_value=400))
def test_generated_csv_files(exam, rows, encoding, with_header, cut):
    data = _csv(([HEADERS] if with_header else []) + rows, encoding)
    if cut and cut < len(data):
        data = data[:cut]  # truncated mid-row, maybe mid-character
    Registration.objects.all().delete()
    _run(exam, data, "candidates.csv")


@FUZZ
@given(rows=st.lists(st.lists(st.one_of(CELL, st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                                        st.none()), max_size=8), max_size=5),
       truncate=st.booleans())
def test_generated_xlsx_files(exam, rows, truncate):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c[:100]) if isinstance(c, str) else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if truncate:
        data = data[: len(data) // 2]
    Registration.objects.all().delete()
    _run(exam, data, "candidates.xlsx")


@FUZZ
@given(data=st.binary(max_size=3000), filename=st.sampled_from(["a.csv", "a.xlsx", "a.txt", "", "a.png"]))
def test_random_bytes(exam, data, filename):
    assert _run(exam, data, filename) is None  # refused with problems, never an exception, nothing written


def test_a_clean_generated_file_imports_every_row(exam):
    rows = [[f"考生{i}", "居民身份证", number, "四级", "", ""] for i, number in enumerate(GOOD_IDS)]
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        Registration.objects.all().delete()
        created = _run(exam, _csv([HEADERS, *rows], encoding), "ok.csv")
        assert created is not None and len(created) == 3, encoding
