"""What several persona drafts of data-cleaning do alike (helpers a candidate would write once).
Not a persona: the loader skips files whose name starts with "_"."""

import csv
import io
import re
import unicodedata
from datetime import datetime
from decimal import Decimal, ROUND_HALF_UP


TEXT_COLUMNS = ("买家会员名", "收货人", "收货地址", "商品名称")


def _download_export(ctx):
    """Download the handed-out export from 文件中心 and read it (GBK) as a candidate's script would."""
    page = ctx.page
    page.goto(ctx.console_url("files/"))
    name = ctx.params["file_name"]
    with page.expect_download() as info:
        page.get_by_role("link", name=f"下载 {name}").click()
    raw = open(info.value.path(), "rb").read()
    text = raw.decode("gbk")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames), [dict(r) for r in reader]


def _upload(ctx, path):
    page = ctx.page
    page.goto(ctx.console_url("files/"))
    page.get_by_label("选择文件").set_input_files(str(path))
    page.get_by_role("button", name="上传", exact=True).click()
    ctx.expect(page.get_by_role("table").filter(has_text=path.name).last).to_be_visible()


def _half(s):
    return unicodedata.normalize("NFKC", s or "").strip()


def _phone(s, *, blank_invalid=True):
    digits = re.sub(r"\D", "", _half(s))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    return "" if blank_invalid else digits


def _parse_time(s):
    """Any of the export's spellings -> datetime (with seconds), or None when empty."""
    s = _half(s)
    if not s:
        return None
    m = re.match(r"^(\d{4})\D?(\d{1,2})\D?(\d{1,2})\D*?(?:\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?\s*$", s)
    if not m:
        raise ValueError(f"时间格式未识别: {s!r}")
    y, mo, d, hh, mm, ss = m.groups()
    return datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))


def _fmt_time(dt, *, round_seconds=False):
    if dt is None:
        return ""
    if round_seconds and dt.second >= 30:
        from datetime import timedelta
        dt = dt + timedelta(minutes=1)
    return dt.strftime("%Y-%m-%d %H:%M")


def _amount(s):
    v = _half(s).replace("￥", "").replace("¥", "").replace("元", "").replace(",", "").strip()
    return str(Decimal(v).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _qty(s):
    return re.sub(r"\D", "", _half(s))


def _dedup(rows):
    seen, out = set(), []
    for r in rows:
        key = r["订单编号"].strip()
        if key in seen:
            continue
        seen.add(key)
        out.append(r)
    return out


def _clean(rows, *, dedup=True, phones=True, times=True, money=True, text=True, outliers="clear",
           blank_invalid_phone=True, round_seconds=False):
    """The cleaning rules of the task, one switch per rule (outliers: clear | keep | drop)."""
    if dedup:
        rows = _dedup(rows)
    out = []
    for r in rows:
        r = dict(r)
        r["订单编号"] = r["订单编号"].strip()
        if phones:
            r["联系电话"] = _phone(r["联系电话"], blank_invalid=blank_invalid_phone)
        placed, shipped = _parse_time(r["下单时间"]), _parse_time(r["发货时间"])
        early = placed is not None and shipped is not None and shipped < placed
        if early and outliers == "drop":
            continue
        if early and outliers == "clear":
            shipped = None
            if not times:
                r["发货时间"] = ""
        if times:
            r["下单时间"] = _fmt_time(placed, round_seconds=round_seconds)
            r["发货时间"] = _fmt_time(shipped, round_seconds=round_seconds)
        if money:
            r["实付金额"] = _amount(r["实付金额"])
            r["数量"] = _qty(r["数量"])
        if text:
            for c in TEXT_COLUMNS:
                r[c] = r[c].strip()
        out.append(r)
    return out


def _write_csv(path, columns, rows, *, encoding="gbk", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, quoting=quoting, lineterminator=lineterminator)
        w.writeheader()
        w.writerows(rows)
    return path
