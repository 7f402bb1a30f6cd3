"""What several persona drafts of product-listing-sku do alike (helpers a candidate would write once).
Not a persona: the loader skips files whose name starts with "_"."""

import re


def _title_bytes(text):
    """Taobao counts a Chinese / full-width character as 2 bytes."""
    return sum(1 if ord(ch) < 128 else 2 for ch in text)


def _price_table(p):
    """The table of the instructions: {"白色 / M": ("159.00", 50), …}."""
    return {label: (p["special_price"] if label == p["special_sku"] else p["price"], p["stock"])
            for label in p["sku_labels"]}


def _select_category(page, top, leaf):
    """Pick "— leaf" under its parent in the tree-ordered select."""
    value = page.evaluate("""([top, leaf]) => {
        const opts = Array.from(document.querySelectorAll('#id_category option'));
        let inTop = false;
        for (const o of opts) {
            const t = o.textContent.trim();
            if (!t.startsWith('—')) { inTop = (t === top); continue; }
            if (inTop && t.replace(/^—\\s*/, '') === leaf) return o.value;
        }
        return null;
    }""", [top, leaf])
    assert value, f"category {top} > {leaf} not found"
    page.get_by_label("商品分类").select_option(value=value)


def _fill_attributes(page, attrs):
    for i, (key, value) in enumerate(attrs, start=1):
        if page.get_by_label(f"属性{i}名称", exact=True).count() == 0:
            page.get_by_role("button", name="添加属性").click()
            page.get_by_label("属性名称", exact=True).last.fill(key)
            page.get_by_label("属性值", exact=True).last.fill(value)
            continue
        page.get_by_label(f"属性{i}名称", exact=True).fill(key)
        page.get_by_label(f"属性{i}的值", exact=True).fill(value)


def _specs(ctx, page, specs):
    """specs: [(name, "v1,v2"), …] in the order the candidate enters them; then 生成SKU表."""
    slots = ("一", "二")
    for slot, (name, values) in zip(slots, specs):
        page.get_by_label(f"规格{slot}名称").fill(name)
        page.get_by_label(f"规格{slot}的值").fill(values)
    page.get_by_role("button", name="生成SKU表").click()
    ctx.expect(page.locator("#sku-matrix caption")).to_contain_text("SKU表")


def _fill_sku(page, label, price, stock):
    page.get_by_label(f"{label} 价格", exact=True).fill(str(price))
    page.get_by_label(f"{label} 库存", exact=True).fill(str(stock))


def _publish(ctx, page, *, button="发布"):
    page.get_by_role("button", name=button, exact=True).click()
    ctx.expect(page.get_by_text(re.compile("发布成功|保存成功|已保存"))).to_be_visible()


def _own_square_png(ctx, name="主图_自制.png", size=800, colour=(236, 228, 214)):
    """A candidate without the supplier's picture makes a plain square one."""
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle([size // 8, size // 8, size * 7 // 8, size * 7 // 8], outline=(90, 90, 90), width=12)
    path = ctx.tmp_path / name
    img.save(path, "PNG")
    return path
