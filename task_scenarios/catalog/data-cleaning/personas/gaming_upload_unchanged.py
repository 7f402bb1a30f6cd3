"""Downloads the export and uploads it back unchanged under a new name ("清洗结果.csv")."""
KIND = "gaming"
EXPECTED = (0, 3)

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
    page = ctx.page
    page.goto(ctx.console_url("files/"))
    name = ctx.params["file_name"]
    with page.expect_download() as info:
        page.get_by_role("link", name=f"下载 {name}").click()
    path = ctx.tmp_path / "清洗结果.csv"
    path.write_bytes(open(info.value.path(), "rb").read())
    _upload(ctx, path)
