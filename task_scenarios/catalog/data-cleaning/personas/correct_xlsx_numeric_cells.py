"""Does the cleaning like a spreadsheet user and saves an Excel workbook: 订单编号 and 联系电话 are
text cells (as the 注意事项 say), but 实付金额 is a number cell shown with two decimals (number format
0.00), 数量 an integer cell, and the two times real date-time cells formatted yyyy-mm-dd hh:mm.
Everything the rules ask, in a different but equivalent form."""
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
    from openpyxl import Workbook
    columns, rows = _download_export(ctx)
    cleaned = _clean(rows)
    wb = Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(columns)
    for r in cleaned:
        values = []
        for c in columns:
            v = r[c]
            if c == "实付金额":
                v = float(v)
            elif c == "数量":
                v = int(v)
            elif c in ("下单时间", "发货时间") and v:
                v = datetime.strptime(v, "%Y-%m-%d %H:%M")
            elif v == "":
                v = None
            values.append(v)
        ws.append(values)
    for row in ws.iter_rows(min_row=2):
        for cell, c in zip(row, columns):
            if c == "实付金额":
                cell.number_format = "0.00"
            elif c == "数量":
                cell.number_format = "0"
            elif c in ("下单时间", "发货时间"):
                cell.number_format = "yyyy-mm-dd hh:mm"
            else:
                cell.number_format = "@"
    path = ctx.tmp_path / "订单清洗结果.xlsx"
    wb.save(path)
    _upload(ctx, path)
