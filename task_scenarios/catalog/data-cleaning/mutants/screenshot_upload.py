"""Cleans the table on screen but uploads a screenshot of it renamed .csv: the 文件中心 judges files
by content and refuses it, so nothing is handed in and every criterion is lost."""

import io
from pathlib import Path

from PIL import Image

from autograder.solution import script_import

LOSES = ["file_columns", "no_duplicates", "phones_normalised", "times_normalised", "amounts_normalised",
         "ship_outliers_cleared", "text_trimmed"]


def run(ctx):
    solution = script_import(Path(__file__).resolve().parents[1] / "solution.py")
    solution.clean_export(solution.download_export(ctx))
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), "white").save(buffer, format="PNG")
    path = Path(ctx.tmp_path) / "清洗结果.csv"
    path.write_bytes(buffer.getvalue())
    page = ctx.page
    page.get_by_label("选择文件").set_input_files(str(path))
    page.get_by_role("button", name="上传", exact=True).click()
    ctx.expect(page.get_by_text("只能上传 CSV、XLSX 或 TXT 文件")).to_be_visible()
