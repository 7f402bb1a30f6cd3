"""Pastes every fact into every reply: each buyer gets the same message holding all of the 店铺资料 and
the whole size table (no size picked for anyone); three keyword replies with ten keywords each
(发货、快递、运费、发票、尺码 …) all answer with that same dump; the greeting names the shop."""
KIND = "gaming"
EXPECTED = (3, 6)

import re

import importlib.util
from pathlib import Path

# the helpers this scenario's personas share (personas/_shared.py is not a persona)
_spec = importlib.util.spec_from_file_location(f"_shared_{Path(__file__).parent.name}", Path(__file__).with_name("_shared.py"))
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
globals().update({name: value for name, value in vars(_shared).items() if not name.startswith("__")})


def _dump(p):
    table = "；".join(f"{r['size']}：身高{r['height_min']}-{r['height_max']}cm，体重{r['weight_min']}-{r['weight_max']}斤"
                     for r in p["size_table"])
    return (f"亲，{p['shop_name']}店铺信息如下：发货时间：{p['ship_promise']}；快递：默认发{p['carrier']}；"
            f"运费：全店满{p['free_shipping']}元包邮（新疆、西藏等偏远地区除外），不满{p['free_shipping']}元收运费"
            f"{p['shipping_fee']}元；发票：{p['invoice']}；退换货：{p['returns']}；{p['garment']}尺码表：{table}。")


def run(ctx):
    p = ctx.params
    for buyer in p["buyers"]:
        page = _open_chat(ctx, buyer["nickname"])
        _send(ctx, page, _dump(p))
    _edit_greeting(ctx, f"欢迎光临{p['shop_name']}，全店满{p['free_shipping']}包邮，默认{p['carrier']}！")
    for position, words in enumerate((
            "发货、发出、快递、物流、运费、邮费、包邮、发票、开票、尺码",
            "什么时候、几天、多久、哪家、免运费、免邮、报销、退、换、码",
            "亲、你好、在吗、请问、吗、？、?、怎么、多少、可以"), start=1):
        _add_keyword_rule(ctx, words, _dump(p), position)
