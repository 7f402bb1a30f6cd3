"""Reference solution: download the export from the 文件中心, clean it by the stated rules, upload XLSX.

The cleaning is pandas standing in for what a candidate does in Excel/WPS; it is written from the
instructions' wording alone (never from the generator), so it proves the rules are unambiguous.
The mutants reuse ``clean_export`` with a step left out.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y年%m月%d日", "%Y%m%d")


def fix_phone(text: str) -> str:
    """Rule 3: half-width digits only, a 13-digit 86… loses its 86, a valid number is 1 + 10 digits."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if len(digits) == 11 and digits.startswith("1") else ""


def fix_time(text: str) -> str:
    """Rule 4: YYYY-MM-DD HH:MM, seconds dropped, a bare date at 00:00; empty stays empty."""
    text = text.strip()
    if not text:
        return ""
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            continue
    raise ValueError(f"未知的时间格式：{text}")


def fix_amount(text: str) -> str:
    """Rule 5: no ￥, 元 or thousands separators, two decimals."""
    number = Decimal(re.sub(r"[￥¥元,，\s]", "", text))
    return str(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def fix_quantity(text: str) -> str:
    return re.search(r"\d+", text).group(0)


def clean_export(frame: pd.DataFrame, *, dedupe: bool = True, phones: bool = True, times: bool = True,
                 outliers: bool = True) -> pd.DataFrame:
    """The export cleaned by rules 2–7 (each step can be left out, for the mutants)."""
    frame = frame.copy()
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip()
    if dedupe:
        frame = frame.drop_duplicates(subset="订单编号", keep="first")
    if phones:
        frame["联系电话"] = frame["联系电话"].map(fix_phone)
    ordered = frame["下单时间"].map(fix_time)
    shipped = frame["发货时间"].map(fix_time)
    if times:
        frame["下单时间"], frame["发货时间"] = ordered, shipped
    frame["实付金额"] = frame["实付金额"].map(fix_amount)
    frame["数量"] = frame["数量"].map(fix_quantity)
    if outliers:
        frame.loc[(shipped != "") & (shipped < ordered), "发货时间"] = ""
    return frame.reset_index(drop=True)


def download_export(ctx) -> pd.DataFrame:
    """Open 文件中心 from the console menu and download the handed-out export."""
    page = ctx.page
    page.goto(ctx.console_url(""))
    page.get_by_role("link", name="文件中心", exact=True).click()
    ctx.expect(page.get_by_role("heading", name="下发文件")).to_be_visible()
    name = ctx.params["file_name"]
    with page.expect_download() as info:
        page.get_by_role("link", name=f"下载 {name}").click()
    target = Path(ctx.tmp_path) / name
    info.value.save_as(target)
    return pd.read_csv(target, encoding="gbk", dtype=str, keep_default_na=False)


def upload(ctx, path: Path) -> None:
    """Choose the file under 上传文件 and wait for the shop to confirm it."""
    page = ctx.page
    page.get_by_label("选择文件").set_input_files(str(path))
    page.get_by_role("button", name="上传", exact=True).click()
    ctx.expect(page.get_by_text(f"已上传“{path.name}”")).to_be_visible()


def run(ctx):
    cleaned = clean_export(download_export(ctx))
    path = Path(ctx.tmp_path) / "订单数据_清洗结果.xlsx"
    cleaned.to_excel(path, index=False, sheet_name="清洗结果")
    upload(ctx, path)
