"""Only strips spaces and dashes from the phones (full-width digits, +86 and numbers of the wrong
length stay) and does not notice ship times before the order time; saves UTF-8 CSV with a BOM."""

import re
from pathlib import Path

from autograder.solution import script_import

LOSES = ["phones_normalised", "ship_outliers_cleared"]


def run(ctx):
    solution = script_import(Path(__file__).resolve().parents[1] / "solution.py")
    cleaned = solution.clean_export(solution.download_export(ctx), phones=False, outliers=False)
    cleaned["联系电话"] = cleaned["联系电话"].map(lambda text: re.sub(r"[\s-]", "", text))
    path = Path(ctx.tmp_path) / "清洗后订单.csv"
    cleaned.to_csv(path, index=False, encoding="utf-8-sig")
    solution.upload(ctx, path)
