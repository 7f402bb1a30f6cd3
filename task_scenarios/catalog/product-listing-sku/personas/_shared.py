"""What several persona drafts of product-listing-sku do alike (helpers a candidate would write once).
Not a persona: the loader skips files whose name starts with "_".

Written from instructions.md and the 发布宝贝 page alone: fields are found by their labels, the
supplier's pictures come from 文件中心 → 下发文件 (links "下载 <文件名>").
"""

import re


def _bytes(text):
    """Title length as the byte counter next to 宝贝标题 counts it: CJK / full-width = 2, ASCII = 1."""
    return sum(1 if ord(ch) < 128 else 2 for ch in text)


def _title(*candidates):
    """The first of the candidate's drafts that fits in 60 bytes (the counter turns red beyond)."""
    for text in candidates:
        if _bytes(text) <= 60:
            return text
    raise AssertionError(f"no title draft fits in 60 bytes: {candidates}")


def _material(ctx, name):
    """A file the supplier sent: 文件中心 → 下发文件 → 下载 (saved where the browser puts downloads)."""
    page = ctx.page
    page.goto(ctx.console_url("files/"))
    with page.expect_download() as info:
        page.get_by_role("link", name=f"下载 {name}", exact=True).click()
    path = ctx.tmp_path / name
    info.value.save_as(path)
    return path


def _editor(ctx):
    """商品管理 → 发布宝贝."""
    page = ctx.page
    page.goto(ctx.console_url("products/"))
    page.get_by_role("link", name="发布宝贝").first.click()
    ctx.expect(page.get_by_role("heading", name="发布宝贝", level=1)).to_be_visible()
    return page


def _category(page, leaf):
    page.get_by_label("商品分类").select_option(label=f"— {leaf}")


def _attributes(page, pairs):
    """Fills the 商品属性 rows from the top (three empty rows are there; 添加属性 adds more)."""
    for index, (key, value) in enumerate(pairs, start=1):
        if not page.get_by_label(f"属性{index}名称", exact=True).count():
            page.get_by_role("button", name="添加属性").click()
        page.get_by_label(f"属性{index}名称", exact=True).fill(key)
        page.get_by_label(f"属性{index}的值", exact=True).fill(value)


def _specs(ctx, page, specs, *, sep=","):
    """Types the (at most two) sale specs, then 生成SKU表 and waits for the matrix."""
    slots = ("一", "二")
    for slot, (name, values) in zip(slots, specs):
        page.get_by_label(f"规格{slot}名称").fill(name)
        page.get_by_label(f"规格{slot}的值").fill(sep.join(values))
    count = 1
    for _, values in specs:
        count *= len(values)
    page.get_by_role("button", name="生成SKU表").click()
    ctx.expect(page.locator("#sku-matrix caption")).to_contain_text(f"共 {count} 个组合")
    return count


def _batch(page, *, price=None, stock=None):
    if price is not None:
        page.get_by_label("批量价格").fill(str(price))
    if stock is not None:
        page.get_by_label("批量库存").fill(str(stock))
    page.get_by_role("button", name="批量填充SKU").click()


def _sku(page, label, *, price=None, stock=None):
    if price is not None:
        page.get_by_label(f"{label} 价格", exact=True).fill(str(price))
    if stock is not None:
        page.get_by_label(f"{label} 库存", exact=True).fill(str(stock))


def _labels(first, second):
    """The SKU rows' names when spec one has values ``first`` and spec two ``second``."""
    return [f"{a} / {b}" for a in first for b in second]


def _swap(label):
    a, b = label.split(" / ")
    return f"{b} / {a}"


def _logistics(page, *, template=None, status="立刻上架（出售中）"):
    if template:
        page.get_by_label("运费模板").select_option(label=template)
    page.get_by_label("上架设置").select_option(label=status)


def _submit(ctx, page):
    page.get_by_role("button", name="发布", exact=True).click()
    ctx.expect(page.get_by_text("发布成功")).to_be_visible()


def _storefront_search(ctx, word):
    """What the last note says: search the brand in the storefront, as a buyer would."""
    page = ctx.page
    page.goto(ctx.storefront_url(""))
    page.get_by_label("搜索本店宝贝").fill(word)
    page.get_by_role("search").get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/search/"))
    return page


def _full(ctx, *, title, status="立刻上架（出售中）", template=None, image=None, attributes=None,
          merchant_code=None, special=True, stock=None):
    """The whole brief in the plan's order (颜色 then 尺码, batch fill, then the special SKU); each
    keyword argument is one thing a persona does differently."""
    p = ctx.params
    image = image if image is not None else _material(ctx, p["main_image"])
    page = _editor(ctx)
    page.get_by_label("宝贝标题").fill(title)
    _category(page, p["category"])
    _attributes(page, attributes if attributes is not None else [("品牌", p["brand"]), ("材质", p["material_attr"])])
    _specs(ctx, page, [(p["spec1"], p["values1"]), (p["spec2"], p["values2"])])
    _batch(page, price=p["price"], stock=p["stock"] if stock is None else stock)
    if special:
        _sku(page, p["special_sku"], price=p["special_price"])
    page.get_by_label("商家编码").fill(p["merchant_code"] if merchant_code is None else merchant_code)
    if image:
        page.get_by_label("上传主图").set_input_files(str(image))
    _logistics(page, template=template or p["shipping_template"], status=status)
    _submit(ctx, page)
    return page
