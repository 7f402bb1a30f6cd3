"""Candidate import (考生导入): encodings, XLSX, every row rule, all-or-nothing, ticket numbers."""

import io
import struct
import zlib
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.utils import timezone

from sandbox.exams import manage_services
from sandbox.exams.imports import MAX_ROWS, resident_id_problem, template_csv
from sandbox.exams.manage_services import ImportRefused, registrations_import
from sandbox.exams.models import Exam, IdType, Registration

User = get_user_model()
HEADER = "姓名,证件类型,证件号码,级别,过程模块成绩,理论成绩"


def resident_id(body17: str) -> str:
    """A 居民身份证 number with the right ISO 7064 MOD 11-2 check digit."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights)) % 11]


ID_A = resident_id("44010619900101123")
ID_B = resident_id("11010519851231002")
ID_C = resident_id("32010219991111456")
ID_X = next(i for n in range(100) if (i := resident_id(f"310101198801010{n:02d}")).endswith("X"))


def png_bytes() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x00\xff\x00\x00" * 1
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def examiner(make_user):
    return make_user("kaoping_imp", "examiner")


@pytest.fixture
def exam(examiner):
    start = timezone.make_aware(datetime(2026, 6, 28, 10, 30))
    return Exam.objects.create(name="2026年6月四级实操", level="4", window_start=start,
                               window_end=start + timedelta(hours=2), created_by=examiner)


def csv_bytes(*lines, encoding="utf-8", header=HEADER) -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def do_import(exam, examiner, data, filename="考生.csv"):
    return registrations_import(exam=exam, data=data, filename=filename, actor=examiner)


def refused(exam, examiner, data, filename="考生.csv"):
    users_before = User.objects.count()
    with pytest.raises(ImportRefused) as info:
        do_import(exam, examiner, data, filename)
    assert Registration.objects.count() == 0, "nothing may be written when the file has a problem"
    assert User.objects.count() == users_before
    return info.value.problems


# -- happy paths -----------------------------------------------------------------------------------

def _assert_imported(exam, names):
    regs = list(Registration.objects.filter(exam=exam).order_by("ticket_number"))
    assert [r.full_name for r in regs] == names
    prefix = f"2026{exam.pk:04d}4"
    assert [r.ticket_number for r in regs] == [f"{prefix}{n:04d}" for n in range(1, len(names) + 1)]
    for reg in regs:
        assert reg.candidate.username == reg.ticket_number
        assert not reg.candidate.has_usable_password()
        assert list(reg.candidate.groups.values_list("name", flat=True)) == ["candidate"]
        assert reg.candidate.has_perm("accounts.sit_exam")
    return regs


def test_utf8_csv_imports_every_row_with_scores(exam, examiner):
    data = csv_bytes(f"张三,居民身份证,{ID_A},四级,85.5,72", f"李四,居民身份证,{ID_B},4,,")
    created = do_import(exam, examiner, data)
    assert len(created) == 2
    a, b = _assert_imported(exam, ["张三", "李四"])
    assert (a.id_type, a.id_number, a.module_score, a.theory_score) == (IdType.RESIDENT, ID_A, Decimal("85.5"), Decimal("72"))
    assert b.module_score is None and b.theory_score is None


def test_utf8_bom_csv(exam, examiner):
    data = b"\xef\xbb\xbf" + csv_bytes(f"王五,居民身份证,{ID_A},中级工,,")
    do_import(exam, examiner, data)
    _assert_imported(exam, ["王五"])


def test_gbk_csv(exam, examiner):
    data = csv_bytes(f"赵六,居民身份证,{ID_A},四级/中级工,90,60", "钱七,护照,E12345678,四级 / 中级工,,", encoding="gbk")
    do_import(exam, examiner, data)
    regs = _assert_imported(exam, ["赵六", "钱七"])
    assert regs[1].id_type == IdType.PASSPORT and regs[1].id_number == "E12345678"


def test_gb18030_csv_with_a_character_gbk_lacks(exam, examiner):
    data = csv_bytes(f"孙㐀,居民身份证,{ID_A},四级,,", encoding="gb18030")
    do_import(exam, examiner, data)
    _assert_imported(exam, ["孙㐀"])


def test_xlsx_with_numeric_cells(exam, examiner):
    data = xlsx_bytes([["姓名", "证件类型", "证件号码", "级别", "过程模块成绩", "理论成绩"],
                       ["周八", "居民身份证", ID_A, 4, 88, 61.25],
                       [None, None, None, None, None, None],
                       ["吴九", "护照", "P1234567", "四级", None, 100]])
    do_import(exam, examiner, data, filename="名单.xlsx")
    a, b = _assert_imported(exam, ["周八", "吴九"])
    assert a.module_score == Decimal("88") and a.theory_score == Decimal("61.25")
    assert b.theory_score == Decimal("100")


def test_english_header_aliases(exam, examiner):
    data = csv_bytes(f"Li Lei,居民身份证,{ID_A},4,70,80", header="name,id_type,id_number,level,module_score,theory_score")
    do_import(exam, examiner, data)
    _assert_imported(exam, ["Li Lei"])


def test_lower_case_x_is_accepted_and_stored_upper(exam, examiner):
    do_import(exam, examiner, csv_bytes(f"郑十,居民身份证,{ID_X.lower()},四级,,"))
    assert Registration.objects.get().id_number == ID_X


def test_template_csv_is_utf8_bom_with_the_headers():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8").strip() == HEADER


def test_resident_id_rules():
    assert resident_id_problem(ID_A) is None
    assert "18" in resident_id_problem(ID_A[:-1])
    assert "出生日期" in resident_id_problem(resident_id("44010619901301123"))
    wrong = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")
    assert "校验位" in resident_id_problem(wrong)


# -- bad rows: each is reported with row and column, and nothing is written --------------------------

BAD_ROWS = [
    ("empty-name", f",居民身份证,{ID_A},四级,,", "姓名", "姓名不能为空"),
    ("long-name", f"{'长' * 51},居民身份证,{ID_A},四级,,", "姓名", "50"),
    ("html-name", f"<b>张三</b>,居民身份证,{ID_A},四级,,", "姓名", "HTML"),
    ("bad-id-type", f"张三,驾驶证,{ID_A},四级,,", "证件类型", "驾驶证"),
    ("empty-id-type", f"张三,,{ID_A},四级,,", "证件类型", "不能为空"),
    ("id-too-short", f"张三,居民身份证,{ID_A[:17]},四级,,", "证件号码", "18 位"),
    ("id-letters", "张三,居民身份证,44010619900101A23X,四级,,", "证件号码", "前 17 位"),
    ("id-bad-date", f"张三,居民身份证,{resident_id('44010619900231123')},四级,,", "证件号码", "出生日期"),
    ("id-check-digit", f"张三,居民身份证,{ID_A[:-1]}{'1' if ID_A[-1] != '1' else '2'},四级,,", "证件号码", "校验位"),
    ("id-scientific", "张三,居民身份证,4.40106E+17,四级,,", "证件号码", "科学计数法"),
    ("id-empty", "张三,居民身份证,,四级,,", "证件号码", "不能为空"),
    ("passport-short", "张三,护照,E12,四级,,", "证件号码", "5–30"),
    ("passport-symbols", "张三,护照,E123-4567,四级,,", "证件号码", "5–30"),
    ("level-other", f"张三,居民身份证,{ID_A},三级,,", "级别", "不符"),
    ("level-unknown", f"张三,居民身份证,{ID_A},特级,,", "级别", "无法识别"),
    ("level-empty", f"张三,居民身份证,{ID_A},,,", "级别", "不能为空"),
    ("score-over-100", f"张三,居民身份证,{ID_A},四级,100.01,", "过程模块成绩", "0–100"),
    ("score-negative", f"张三,居民身份证,{ID_A},四级,,-1", "理论成绩", "0–100"),
    ("score-three-decimals", f"张三,居民身份证,{ID_A},四级,85.123,", "过程模块成绩", "两位小数"),
    ("score-text", f"张三,居民身份证,{ID_A},四级,,优秀", "理论成绩", "0–100"),
    ("extra-cells", f"张三,居民身份证,{ID_A},四级,,,多余", "", "列数多于表头"),
]


@pytest.mark.parametrize("line,column,message", [r[1:] for r in BAD_ROWS], ids=[r[0] for r in BAD_ROWS])
def test_bad_row_is_reported_and_nothing_imported(exam, examiner, line, column, message):
    good = f"李四,居民身份证,{ID_B},四级,,"
    problems = refused(exam, examiner, csv_bytes(good, line))
    assert len(problems) == 1, problems
    (problem,) = problems
    assert (problem.row, problem.column) == (3, column)
    assert message in problem.message


def test_every_problem_of_every_row_is_collected(exam, examiner):
    data = csv_bytes(f",驾驶证,{ID_A},四级,,", f"李四,居民身份证,{ID_B},四级,,", "王五,居民身份证,123,三级,101,")
    problems = refused(exam, examiner, data)
    assert [(p.row, p.column) for p in problems] == [
        (2, "姓名"), (2, "证件类型"), (4, "证件号码"), (4, "级别"), (4, "过程模块成绩")]


def test_duplicate_ids_in_the_file_name_both_rows(exam, examiner):
    data = csv_bytes(f"张三,居民身份证,{ID_A},四级,,", f"李四,居民身份证,{ID_B},四级,,",
                     f"张三三,居民身份证,{ID_A.lower()},四级,,")
    problems = refused(exam, examiner, data)
    assert [(p.row, p.column, p.message) for p in problems] == [
        (2, "证件号码", "证件号码与第 4 行重复"), (4, "证件号码", "证件号码与第 2 行重复")]


def test_duplicate_against_registered_candidates(exam, examiner):
    do_import(exam, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,"))
    before = (Registration.objects.count(), User.objects.count())
    with pytest.raises(ImportRefused) as info:
        do_import(exam, examiner, csv_bytes(f"李四,居民身份证,{ID_B},四级,,", f"张三,居民身份证,{ID_A},四级,,"))
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (3, "证件号码")
    assert Registration.objects.get(id_number=ID_A).ticket_number in problem.message
    assert (Registration.objects.count(), User.objects.count()) == before


def test_registered_duplicates_are_reported_beside_other_row_problems(exam, examiner):
    do_import(exam, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,"))
    with pytest.raises(ImportRefused) as info:
        do_import(exam, examiner, csv_bytes(f"李四,居民身份证,{ID_B},四级,101,", f"张三,居民身份证,{ID_A},四级,,"))
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "过程模块成绩"), (3, "证件号码")]
    assert Registration.objects.count() == 1


def test_the_same_person_may_register_for_another_exam(exam, examiner):
    other = Exam.objects.create(name="另一场", level="4", window_start=exam.window_start,
                                window_end=exam.window_end, created_by=examiner)
    do_import(exam, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,"))
    do_import(other, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,"))
    assert Registration.objects.filter(id_number=ID_A).count() == 2


# -- bad files ---------------------------------------------------------------------------------------

def _file_problem(exam, examiner, data, filename="考生.csv") -> str:
    (problem,) = refused(exam, examiner, data, filename)
    assert problem.row is None
    return problem.message


def test_png_renamed_csv(exam, examiner):
    assert "PNG" in _file_problem(exam, examiner, png_bytes(), "考生.csv")


def test_truncated_xlsx(exam, examiner):
    data = xlsx_bytes([["姓名", "证件类型", "证件号码", "级别"], ["张三", "居民身份证", ID_A, "四级"]])
    assert "XLSX" in _file_problem(exam, examiner, data[: len(data) // 2], "考生.xlsx")


def test_csv_text_named_xlsx_is_refused(exam, examiner):
    assert "XLSX" in _file_problem(exam, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,"), "考生.xlsx")


def test_binary_noise(exam, examiner):
    assert "二进制" in _file_problem(exam, examiner, bytes(range(256)) * 4)


def test_undecodable_bytes(exam, examiner):
    # 0xFF is not a lead byte in UTF-8, GBK or GB18030
    assert "编码" in _file_problem(exam, examiner, HEADER.encode() + b"\r\n\xff\xff,\xff\r\n")


def test_utf16(exam, examiner):
    assert "UTF-16" in _file_problem(exam, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,", encoding="utf-16"))


def test_old_xls(exam, examiner):
    assert ".xls" in _file_problem(exam, examiner, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "考生.csv")


def test_empty_file_and_header_only(exam, examiner):
    assert "空" in _file_problem(exam, examiner, b"")
    assert "没有考生数据" in _file_problem(exam, examiner, (HEADER + "\r\n\r\n").encode())


def test_missing_and_unknown_headers(exam, examiner):
    problems = refused(exam, examiner, csv_bytes(f"张三,{ID_A},四级,x", header="姓名,证件号码,级别,备注"))
    assert [(p.row, p.column, p.message[:4]) for p in problems] == [(1, "备注", "未知的列"), (1, "证件类型", "缺少必填")]


def test_too_many_rows(exam, examiner):
    lines = [f"考生{n},护照,P{n:07d},四级,," for n in range(MAX_ROWS + 1)]
    assert "5000" in _file_problem(exam, examiner, csv_bytes(*lines))


def test_file_over_2_mb(exam, examiner):
    assert "2 MB" in _file_problem(exam, examiner, csv_bytes("x" * (2 * 1024 * 1024)))


# -- ticket numbers ----------------------------------------------------------------------------------

def test_ticket_numbers_continue_across_imports_and_skip_taken_usernames(exam, examiner):
    prefix = f"2026{exam.pk:04d}4"
    do_import(exam, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,"))
    User.objects.create_user(username=f"{prefix}0002")  # e.g. an account made by hand
    do_import(exam, examiner, csv_bytes(f"李四,居民身份证,{ID_B},四级,,", f"王五,居民身份证,{ID_C},四级,,"))
    tickets = list(Registration.objects.order_by("ticket_number").values_list("ticket_number", flat=True))
    assert tickets == [f"{prefix}0001", f"{prefix}0003", f"{prefix}0004"]
    assert len(set(tickets)) == len(tickets)


def test_a_ticket_clash_is_retried_not_half_written(exam, examiner, monkeypatch):
    """Another import took the number between allocation and insert: the unique constraint fires,
    the whole attempt rolls back and is retried with fresh numbers."""
    do_import(exam, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,"))
    taken = Registration.objects.get().ticket_number
    real = manage_services.ticket_numbers_allocate
    calls = []

    def clashing(exam, count):
        calls.append(count)
        return [taken] * count if len(calls) == 1 else real(exam, count)

    monkeypatch.setattr(manage_services, "ticket_numbers_allocate", clashing)
    do_import(exam, examiner, csv_bytes(f"李四,居民身份证,{ID_B},四级,,"))
    assert len(calls) == 2
    tickets = sorted(Registration.objects.values_list("ticket_number", flat=True))
    assert tickets == [taken, taken[:-4] + "0002"]
    assert User.objects.filter(username__startswith=taken[:-4]).count() == 2


def test_clashes_that_persist_give_up_cleanly(exam, examiner, monkeypatch):
    do_import(exam, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,"))
    taken = Registration.objects.get().ticket_number
    monkeypatch.setattr(manage_services, "ticket_numbers_allocate", lambda exam, count: [taken] * count)
    with pytest.raises(manage_services.ExamError) as info:
        do_import(exam, examiner, csv_bytes(f"李四,居民身份证,{ID_B},四级,,"))
    assert "重试" in info.value.message
    assert Registration.objects.count() == 1


def test_ticket_number_is_unique_in_the_database(exam, examiner):
    do_import(exam, examiner, csv_bytes(f"张三,居民身份证,{ID_A},四级,,"))
    reg = Registration.objects.get()
    other_user = User.objects.create_user(username="someone")
    with pytest.raises(IntegrityError):
        Registration.objects.create(exam=exam, candidate=other_user, full_name="x", id_number=ID_B,
                                    ticket_number=reg.ticket_number)


@pytest.mark.parametrize("rows, columns, refs", [(2000, 1000, False), (2000, 101, True)],
                         ids=["2M-cell-bomb", "202k-cells"])
def test_a_workbook_over_the_file_limits_is_refused_before_it_is_parsed(exam, examiner, rows, columns, refs):
    import time

    from bench.table_files import xlsx_table

    bomb = xlsx_table(rows, columns, refs=refs, dimension="A1", header=["姓名", "证件类型", "证件号码", "级别"])
    assert len(bomb) < 2 * 1024 * 1024
    started = time.thread_time()  # the web thread's own CPU (the machine may be shared)
    problems = refused(exam, examiner, bomb, filename="考生.xlsx")
    assert time.thread_time() - started < 2
    assert len(problems) == 1 and problems[0].message.startswith("文件超出限制：")
