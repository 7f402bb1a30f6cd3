"""The decoration steps as a person does them in 店铺装修, shared by the solution and its mutants.

Each step finds fields by their labels and buttons by their text, inside the editor section it
belongs to, and waits for the section's own confirmation before going on. A mutant calls
``decorate`` with the one thing it gets wrong.
"""

from __future__ import annotations

from pathlib import Path


def _add_form(section, button: str):
    """The "add" form of a section (edit forms of existing rows use the same labels)."""
    return section.locator("form").filter(has=section.page.get_by_role("button", name=button, exact=True))


def download(ctx, name: str) -> Path:
    """A file of the 素材包, downloaded from 文件中心 (下发文件) as the candidate gets it."""
    page = ctx.page
    page.goto(ctx.console_url("files/"))
    with page.expect_download() as info:
        page.get_by_role("link", name=f"下载 {name}", exact=True).click()
    target = ctx.tmp_path / name
    info.value.save_as(target)
    return target


def basic_info(ctx, *, shop_name: str, slogan: str, theme_hex: str) -> None:
    page, expect = ctx.page, ctx.expect
    section = page.locator("#deco-basic")
    section.get_by_label("店铺名称").fill(shop_name)
    section.get_by_label("店招文字（广告语）").fill(slogan)
    section.get_by_label("主题色", exact=True).fill(theme_hex)
    section.get_by_role("button", name="保存基本信息").click()
    expect(page.locator("#deco-basic").get_by_role("status")).to_have_text("基本信息已保存")


def logo_upload(ctx, *, file: Path, accepted: bool = True) -> None:
    page, expect = ctx.page, ctx.expect
    section = page.locator("#deco-logo")
    section.get_by_label("店标图片").set_input_files(file)
    section.get_by_role("button", name="上传店标").click()
    if accepted:
        expect(page.locator("#deco-logo").get_by_role("status")).to_have_text("店标已更新")
    else:
        expect(page.locator("#deco-logo")).to_contain_text("店标尺寸应为")


def search_url(ctx, word: str) -> str:
    """What a person copies from the address bar after searching the storefront for ``word``."""
    buyer = ctx.buyer_page()
    buyer.goto(ctx.storefront_url(""))
    buyer.get_by_label("搜索本店宝贝").fill(word)
    buyer.get_by_role("button", name="搜索", exact=True).click()
    buyer.wait_for_url("**/search/**")
    ctx.expect(buyer.get_by_role("heading", level=1)).to_be_visible()
    return buyer.url


def banner_add(ctx, *, file: Path, link: str) -> None:
    page, expect = ctx.page, ctx.expect
    form = _add_form(page.locator("#deco-banners"), "添加海报")
    form.get_by_label("海报图片").set_input_files(file)
    form.get_by_label("海报链接").fill(link)
    form.get_by_role("button", name="添加海报").click()
    expect(page.locator("#deco-banners").get_by_role("status")).to_have_text("海报已添加")


def nav_add(ctx, *, name: str) -> None:
    page, expect = ctx.page, ctx.expect
    form = _add_form(page.locator("#deco-nav"), "添加导航")
    form.get_by_label("导航名称").fill(name)
    form.get_by_label("链接到分类").select_option(label=name)
    form.get_by_role("button", name="添加导航").click()
    expect(page.locator("#deco-nav").get_by_role("cell", name=name, exact=True)).to_be_visible()


def module_add(ctx, *, title: str, products: list[str]) -> None:
    page, expect = ctx.page, ctx.expect
    form = _add_form(page.locator("#deco-modules"), "添加模块")
    form.get_by_label("模块类型").select_option(label="宝贝推荐")
    form.get_by_label("模块标题").fill(title)
    form.get_by_label("推荐宝贝").select_option(label=[f"{t}（出售中）" for t in products])
    form.get_by_role("button", name="添加模块").click()
    expect(page.locator("#deco-modules").get_by_role("cell", name=title, exact=True)).to_be_visible()


def decorate(ctx, *, theme_hex: str | None = None, logo_file: str | None = None, banner_link: bool = True,
             nav_categories: list[str] | None = None, module_products: list[str] | None = None) -> None:
    """The whole brief; each keyword replaces one part of it with a mistake."""
    p = ctx.params
    link = search_url(ctx, p["banner_keyword"]) if banner_link else ""
    logo = logo_file or p["logo_file"]
    logo_path, banner_path = download(ctx, logo), download(ctx, p["banner_file"])
    ctx.page.goto(ctx.console_url("decoration/"))
    basic_info(ctx, shop_name=p["shop_name"], slogan=p["slogan"], theme_hex=theme_hex or p["theme_color"]["hex"])
    logo_upload(ctx, file=logo_path, accepted=logo == p["logo_file"])
    banner_add(ctx, file=banner_path, link=link)
    for name in p["nav_categories"] if nav_categories is None else nav_categories:
        nav_add(ctx, name=name)
    module_add(ctx, title=p["module_title"],
               products=p["module_products"] if module_products is None else module_products)
