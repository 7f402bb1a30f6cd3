"""Cleans the export with a small script, rule by rule as written (keeps the first of each 订单编号,
phones to 11 digits or blank, times to YYYY-MM-DD HH:MM with seconds cut, amounts to two decimals,
quantities to integers, early 发货时间 cleared, text trimmed) and uploads a GBK CSV with CRLF lines."""
KIND = "correct"
EXPECTED = (19, 20)

import csv
import io
import re
import unicodedata
from datetime import datetime
from decimal import Decimal, ROUND_HALF_UP

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def run(ctx):
    columns, rows = _download_export(ctx)
    path = _write_csv(ctx.tmp_path / "订单清洗结果.csv", columns, _clean(rows))
    _upload(ctx, path)
