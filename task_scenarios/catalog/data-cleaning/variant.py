"""数据清洗: a messy Taobao order export handed out in the 文件中心, and the clean table it must become.

The variant is a data seed, a row count and a file name; the messy rows and the clean rows both come
from ``fixtures.generators.messy`` with that seed, so setup (the file handed out) and the rubric (the
clean rows the upload is compared with) can never disagree.
"""

from __future__ import annotations

import csv
import io
import random

from fixtures.generators.messy import COLUMNS, KEY, messy_order_export
from shop_sim.services.files import shopfile_provide



def export_rows(params: dict) -> tuple[list[dict], list[dict]]:
    """(messy rows, clean rows) of this variant."""
    return messy_order_export(random.Random(params["data_seed"]), rows=params["rows"])


def derive(rng: random.Random) -> dict:
    data_seed = rng.randint(1, 2**31 - 1)
    rows = rng.randint(30, 40)
    # Taobao names its order exports ExportOrderList<yyyymmddHHMM>.csv
    stamp = f"2026{rng.randint(10, 11):02d}{rng.randint(1, 28):02d}{rng.randint(8, 21):02d}{rng.randint(0, 59):02d}"
    params = {"data_seed": data_seed, "rows": rows, "file_name": f"ExportOrderList{stamp}.csv",
              "columns": list(COLUMNS)}
    messy, clean = export_rows(params)
    shipped = {row[KEY]: row["发货时间"] for row in messy}
    outlier_keys = {row[KEY] for row in clean if shipped[row[KEY]] and not row["发货时间"]}
    params.update({
        "clean_rows": clean,
        "clean_count": len(clean),
        # the file as handed out: the grader credits only the cells that needed cleaning (delta credit)
        "messy_rows": messy,
        # whole rows, so a row whose 订单编号 a spreadsheet program spoilt is still found by its content
        "time_rows": [row for row in clean if row[KEY] not in outlier_keys],
        "outlier_rows": [row for row in clean if row[KEY] in outlier_keys],
    })
    return params


def setup(ctx, params: dict) -> None:
    """Hand the export out as the platform does: a GBK-encoded CSV in the shop's 文件中心."""
    messy, _clean = export_rows(params)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(messy)
    shopfile_provide(sandbox=ctx.sandbox, actor=ctx.actor, name=params["file_name"],
                     data=buffer.getvalue().encode("gbk"))
