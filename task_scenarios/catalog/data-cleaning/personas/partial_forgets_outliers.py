"""Does every formatting rule right but overlooks rule 6: the 发货时间 that are earlier than the
下单时间 are formatted like the others instead of cleared."""
KIND = "partial"
EXPECTED = (16, 18)

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
    _upload(ctx, _write_csv(ctx.tmp_path / "订单清洗结果.csv", columns, _clean(rows, outliers="keep")))
