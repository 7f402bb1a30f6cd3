"""Ignores the 注意事项: opens the CSV in Excel by double-clicking, so 订单编号 become numbers (15
significant digits, the last ones zero, saved as e.g. 3.54723E+17) and 联系电话 lose nothing but become
numbers too; then does all the cleaning right and saves a CSV. The unique key of every order is ruined."""
KIND = "wrong"
EXPECTED = (3, 6)

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


def _excel_number(s):
    """What Excel shows and saves for a long digit string in a General cell."""
    s = s.strip()
    if not s.isdigit():
        return s
    if len(s) > 11:
        mantissa, exponent = "{:.5E}".format(float(s)).split("E")
        return f"{mantissa.rstrip('0').rstrip('.')}E+{int(exponent)}"
    return s


def run(ctx):
    columns, rows = _download_export(ctx)
    cleaned = _clean(rows)
    for r in cleaned:
        r["订单编号"] = _excel_number(r["订单编号"])
    _upload(ctx, _write_csv(ctx.tmp_path / "订单清洗结果.csv", columns, cleaned))
