"""What several persona drafts of shop-decoration do alike (helpers a candidate would write once).
Not a persona: the loader skips files whose name starts with "_"."""

import re


def _material(ctx, name):
    """A picture of the 素材包: 文件中心 → 下发文件 → 下载 (saved where the browser puts downloads)."""
    page = ctx.page
    page.goto(ctx.console_url("files/"))
    with page.expect_download() as info:
        page.get_by_role("link", name=f"下载 {name}", exact=True).click()
    path = ctx.tmp_path / name
    info.value.save_as(path)
    return path


def _deco(ctx):
    page = ctx.page
    page.goto(ctx.console_url("decoration/"))
    return page


def _basic(ctx, page, *, name, slogan, colour):
    section = page.locator("#deco-basic")
    section.get_by_label("店铺名称").fill(name)
    section.get_by_label("店招文字（广告语）").fill(slogan)
    section.get_by_label("主题色", exact=True).fill(colour)
    section.get_by_role("button", name="保存基本信息").click()
    ctx.expect(page.locator("#deco-basic [role=status]")).to_be_visible()


def _logo(ctx, page, path):
    section = page.locator("#deco-logo")
    section.get_by_label("店标图片").set_input_files(str(path))
    section.get_by_role("button", name="上传店标").click()
    ctx.expect(page.locator("#deco-logo img")).to_be_visible()


def _banner(ctx, page, path, *, link="", alt=""):
    form = page.locator("#deco-banners form[action$='banners/add/']")
    form.get_by_label("海报图片").set_input_files(str(path))
    form.get_by_label("海报链接").fill(link)
    form.get_by_label("图片说明").fill(alt)
    form.get_by_role("button", name="添加海报").click()
    ctx.expect(page.locator("#deco-banners table")).to_be_visible()


def _nav_add(ctx, page, label, *, category=None, link=None):
    form = page.locator("#deco-nav form[action$='nav/add/']")
    form.get_by_label("导航名称").fill(label)
    if category:
        form.get_by_label("链接到分类").select_option(label=category)
    if link:
        form.get_by_label("或自定义链接").fill(link)
    form.get_by_role("button", name="添加导航").click()
    cells = page.locator("#deco-nav table tbody tr:not(.edit-row) td:nth-child(2)")
    ctx.expect(cells.filter(has_text=re.compile("^" + re.escape(label) + "$"))).not_to_have_count(0)


def _module_add(ctx, page, *, kind, title, products=(), body=""):
    form = page.locator("#deco-modules form[action$='modules/add/']")
    form.get_by_label("模块类型").select_option(label=kind)
    form.get_by_label("模块标题").fill(title)
    if products:
        values = form.get_by_label("推荐宝贝").evaluate(
            """(sel, titles) => Array.from(sel.options)
                 .filter(o => titles.some(t => o.textContent.trim().startsWith(t + '（')))
                 .map(o => o.value)""", list(products))
        assert len(values) == len(products), f"products not all found: {products}"
        form.get_by_label("推荐宝贝").select_option(value=values)
    if body:
        form.get_by_label("文字内容").fill(body)
    form.get_by_role("button", name="添加模块").click()
    cells = page.locator("#deco-modules table tbody tr:not(.edit-row) td:nth-child(3)")
    ctx.expect(cells.filter(has_text=re.compile("^" + re.escape(title) + "$"))).not_to_have_count(0)


def _search_url(ctx, word):
    """What the hint says: search the word in the storefront and copy the address bar."""
    page = ctx.page
    page.goto(ctx.storefront_url(""))
    page.get_by_label("搜索本店宝贝").fill(word)
    page.get_by_role("search").get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/search/"))
    return page.url


def _distorted_logo(ctx):
    """Squeezes the 300×120 logo into 100×100 (a candidate who resizes without keeping the ratio)."""
    from PIL import Image
    img = Image.open(_material(ctx, ctx.params["logo_distractor"])).convert("RGBA").resize((100, 100))
    path = ctx.tmp_path / "logo_100x100.png"
    img.save(path, "PNG")
    return path


def _full(ctx, *, colour=None, link=None, nav_order=None, logo=None, module_products=None, banner_alt=""):
    p = ctx.params
    link = link if link is not None else _search_url(ctx, p["banner_keyword"])
    logo = logo or _material(ctx, p["logo_file"])
    banner = _material(ctx, p["banner_file"])
    page = _deco(ctx)
    _basic(ctx, page, name=p["shop_name"], slogan=p["slogan"], colour=colour or p["theme_color"]["hex"])
    _logo(ctx, page, logo)
    _banner(ctx, page, banner, link=link, alt=banner_alt)
    for name in (nav_order or p["nav_categories"]):
        _nav_add(ctx, page, name, category=name)
    _module_add(ctx, page, kind="宝贝推荐", title=p["module_title"],
                products=module_products if module_products is not None else p["module_products"])
    return page
