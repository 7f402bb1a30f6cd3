"""Cleans phones, amounts and outliers but forgets to remove the duplicate rows and leaves the
times as exported (mixed formats, seconds); saves a GBK CSV as Excel on Chinese Windows does."""

from pathlib import Path

from autograder.solution import script_import

LOSES = ["no_duplicates", "times_normalised"]


def run(ctx):
    solution = script_import(Path(__file__).resolve().parents[1] / "solution.py")
    cleaned = solution.clean_export(solution.download_export(ctx), dedupe=False, times=False)
    path = Path(ctx.tmp_path) / "订单清洗.csv"
    cleaned.to_csv(path, index=False, encoding="gbk")
    solution.upload(ctx, path)
