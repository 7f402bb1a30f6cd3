"""发布宝贝 as a person fills it in, shared by the solution and its mutants.

Fields are found by their labels (the SKU rows by "<规格> 价格" / "<规格> 库存"), the matrix is
generated with 生成SKU表 and filled with 批量填充 before the one differently priced SKU is changed,
and the run waits for the 发布成功 message. The main image is downloaded from 文件中心 (下发文件) first,
as a candidate gets it. A mutant calls ``publish`` with the one thing it gets
wrong.
"""

from __future__ import annotations

from pathlib import Path


def download(ctx, name: str) -> Path:
    """A supplier picture, downloaded from 文件中心 (下发文件) as the candidate gets it."""
    page = ctx.page
    page.goto(ctx.console_url("files/"))
    with page.expect_download() as info:
        page.get_by_role("link", name=f"下载 {name}", exact=True).click()
    target = ctx.tmp_path / name
    info.value.save_as(target)
    return target


def publish(ctx, *, title: str | None = None, set_special_price: bool = True, status: str = "立刻上架（出售中）",
            shipping_template: str | None = None, material: bool = True, merchant_code: str | None = None,
            values2: list[str] | None = None, image: str | None = None, picture: bool = True) -> None:
    p, page, expect = ctx.params, ctx.page, ctx.expect
    main_picture = download(ctx, image or p["main_image"]) if picture else None
    values2 = values2 or p["values2"]
    sku_count = len(p["values1"]) * len(values2)
    page.goto(ctx.console_url("products/new/"))
    expect(page.get_by_role("heading", name="发布宝贝", level=1)).to_be_visible()

    page.get_by_label("宝贝标题").fill(title or p["sample_title"])
    page.get_by_label("商品分类").select_option(label=f"— {p['category']}")
    page.get_by_label("属性1名称", exact=True).fill("品牌")
    page.get_by_label("属性1的值", exact=True).fill(p["brand"])
    if material:
        page.get_by_label("属性2名称", exact=True).fill("材质")
        page.get_by_label("属性2的值", exact=True).fill(p["material_attr"])

    page.get_by_label("规格一名称").fill(p["spec1"])
    page.get_by_label("规格一的值").fill(",".join(p["values1"]))
    page.get_by_label("规格二名称").fill(p["spec2"])
    page.get_by_label("规格二的值").fill(",".join(values2))
    page.get_by_role("button", name="生成SKU表").click()
    expect(page.locator("#sku-matrix caption")).to_contain_text(f"共 {sku_count} 个组合")

    page.get_by_label("批量价格").fill(p["price"])
    page.get_by_label("批量库存").fill(str(p["stock"]))
    page.get_by_role("button", name="批量填充SKU").click()
    if set_special_price:
        page.get_by_label(f"{p['special_sku']} 价格", exact=True).fill(p["special_price"])

    page.get_by_label("商家编码").fill(merchant_code or p["merchant_code"])
    if main_picture is not None:
        page.get_by_label("上传主图").set_input_files(main_picture)
    page.get_by_label("运费模板").select_option(label=shipping_template or p["shipping_template"])
    page.get_by_label("上架设置").select_option(label=status)
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_text("发布成功")).to_be_visible()
