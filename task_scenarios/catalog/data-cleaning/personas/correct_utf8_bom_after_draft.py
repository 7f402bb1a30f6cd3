"""Uploads a first draft (only the duplicates removed) to see that uploading works, then finishes
the cleaning and uploads the final file under another name: UTF-8 with BOM (what Excel's "CSV UTF-8"
writes), every field quoted, LF line endings. The last upload is fully correct."""
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
    draft = _write_csv(ctx.tmp_path / "草稿_去重.csv", columns, _dedup(rows))
    _upload(ctx, draft)
    final = _write_csv(ctx.tmp_path / "订单清洗结果_最终版.csv", columns, _clean(rows),
                       encoding="utf-8-sig", quoting=csv.QUOTE_ALL, lineterminator="\n")
    _upload(ctx, final)
