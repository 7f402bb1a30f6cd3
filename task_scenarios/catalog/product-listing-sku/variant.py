"""商品发布 variants: what kind of product (apparel, home, digital), its brand and title keywords, the
two sale specs and their values, the price table (one SKU priced differently), the stock, the
merchant code, the attributes, and which of two new shipping templates to use.

setup() hands out the supplier's two pictures in the shop's 文件中心 (下发文件; the instructions page
lists them with download links), makes sure the category exists and adds the two shipping templates
(the right one and a look-alike); the product itself is the candidate's work, so a blank attempt has
none.

The SKUs are graded by their spec values, not by how a label is spelt (``sku_keys``: each SKU as its
two values, in no particular order), so 尺码 entered before 颜色 is the same table.
"""

from decimal import Decimal

from shop_sim.models import Category, ShippingTemplate
from shop_sim.services.catalog import ShippingTemplateData, category_create, shipping_template_create
from shop_sim.services.files import shopfile_provide

# Invented brands (no generated product or subtitle contains one): the storefront search for the
# brand finds the candidate's product and nothing else.
BRANDS = ("森屿", "棠小满", "鹿野", "青柚", "白桦林", "橘猫", "木棉道", "知夏", "溪山", "南枝", "云栖", "一禾")

WOMEN_COLOURS = ("白色", "黑色", "杏色", "雾霾蓝", "浅粉色", "燕麦色", "墨绿色", "藏青色")
MEN_COLOURS = ("白色", "黑色", "藏青色", "灰色", "卡其色", "浅蓝色")
GOODS_COLOURS = ("奶白色", "曜石黑", "雾霾蓝", "樱花粉", "薄荷绿", "燕麦色")

# material: (the word the title must contain, the 材质 attribute value)
TYPES = (
    {"noun": "连衣裙", "top": "女装", "leaf": "连衣裙", "code": "DRS", "extra": "女",
     "spec1": "颜色", "values1": WOMEN_COLOURS, "spec2": "尺码", "values2": ("S", "M", "L", "XL", "2XL"),
     "materials": (("纯棉", "棉"), ("雪纺", "聚酯纤维"), ("亚麻", "亚麻"), ("醋酸", "醋酸纤维")),
     "styles": ("法式", "复古", "碎花", "收腰", "小香风"), "price": (99, 299)},
    {"noun": "卫衣", "top": "女装", "leaf": "卫衣", "code": "HDY", "extra": "女",
     "spec1": "颜色", "values1": WOMEN_COLOURS, "spec2": "尺码", "values2": ("S", "M", "L", "XL", "2XL"),
     "materials": (("纯棉", "棉"), ("加绒", "聚酯纤维"), ("华夫格", "棉")),
     "styles": ("连帽", "圆领", "宽松", "刺绣", "落肩"), "price": (79, 199)},
    {"noun": "衬衫", "top": "男装", "leaf": "衬衫", "code": "SHT", "extra": "男",
     "spec1": "颜色", "values1": MEN_COLOURS, "spec2": "尺码", "values2": ("M", "L", "XL", "2XL", "3XL"),
     "materials": (("纯棉", "棉"), ("牛津纺", "棉"), ("亚麻", "亚麻"), ("天丝", "莱赛尔")),
     "styles": ("商务", "休闲", "免烫", "修身", "长袖"), "price": (89, 259)},
    {"noun": "休闲裤", "top": "男装", "leaf": "休闲裤", "code": "PNT", "extra": "男",
     "spec1": "颜色", "values1": MEN_COLOURS, "spec2": "尺码", "values2": ("29", "30", "31", "32", "33", "34"),
     "materials": (("纯棉", "棉"), ("冰丝", "锦纶"), ("弹力", "棉")),
     "styles": ("直筒", "束脚", "宽松", "商务", "九分"), "price": (79, 229)},
    {"noun": "保温杯", "top": "家居日用", "leaf": "保温杯", "code": "CUP", "extra": "",
     "spec1": "颜色", "values1": GOODS_COLOURS, "spec2": "容量", "values2": ("350ml", "500ml", "750ml"),
     "materials": (("316不锈钢", "316不锈钢"), ("304不锈钢", "304不锈钢"), ("钛", "纯钛")),
     "styles": ("便携", "车载", "弹盖", "茶水分离", "学生"), "price": (49, 199)},
    {"noun": "四件套", "top": "家居日用", "leaf": "四件套", "code": "BED", "extra": "",
     "spec1": "颜色", "values1": GOODS_COLOURS, "spec2": "规格", "values2": ("1.5米床", "1.8米床", "2.0米床"),
     "materials": (("纯棉", "棉"), ("天丝", "莱赛尔"), ("长绒棉", "棉"), ("磨毛", "聚酯纤维")),
     "styles": ("简约", "北欧风", "田园", "ins风", "纯色"), "price": (159, 599)},
    {"noun": "数据线", "top": "数码配件", "leaf": "数据线", "code": "CBL", "extra": "",
     "spec1": "颜色", "values1": GOODS_COLOURS, "spec2": "长度", "values2": ("1米", "1.5米", "2米"),
     "materials": (("编织", "尼龙编织"), ("液态硅胶", "液态硅胶"), ("铝合金", "铝合金")),
     "styles": ("快充", "耐弯折", "Type-C", "三合一"), "price": (19, 69)},
)

# Two shipping templates are added per variant: the one to use and a look-alike. None of these
# names is a template of the generated shop.
TEMPLATES = (
    {"name": "包邮（偏远地区除外）", "payer": "seller", "first_fee": "0", "extra_fee": "0"},
    {"name": "江浙沪包邮其他地区6元", "payer": "buyer", "first_fee": "6", "extra_fee": "2"},
    {"name": "服饰类快递模板", "payer": "buyer", "first_fee": "8", "extra_fee": "3"},
    {"name": "小件商品包邮", "payer": "seller", "first_fee": "0", "extra_fee": "0"},
    {"name": "标准快递（首件10元）", "payer": "buyer", "first_fee": "10", "extra_fee": "5"},
)


def _price(value: int, ending: str) -> str:
    return f"{value}.{ending}"


def derive(rng):
    kind = rng.choice(TYPES)
    brand = rng.choice(BRANDS)
    material, material_attr = rng.choice(kind["materials"])
    style = rng.choice(kind["styles"])
    n1, n2 = rng.choice(((2, 3), (3, 2)))
    values1 = rng.sample(kind["values1"], n1)
    start = rng.randint(0, len(kind["values2"]) - n2)
    values2 = list(kind["values2"][start:start + n2])  # a run of sizes (S–L), in the table's order
    labels = [f"{a} / {b}" for a in values1 for b in values2]
    keys = [[a, b] for a in values1 for b in values2]
    low, high = kind["price"]
    ending = rng.choice(("00", "90"))
    base = rng.randint(low, high)
    special_price = base + rng.choice((10, 20, 30, 40))
    special_index = rng.randrange(len(labels))
    special = labels[special_index]
    stock = rng.randrange(30, 205, 5)
    tpl_use, tpl_other = rng.sample(TEMPLATES, 2)
    year = 2026
    title = f"{brand}{year}新款{material}{style}{kind['noun']}{kind['extra']}"
    return {
        "noun": kind["noun"],
        "category_top": kind["top"],
        "category": kind["leaf"],
        "brand": brand,
        "material": material,
        "material_attr": material_attr,
        "style": style,
        "keywords": [brand, material, style, kind["noun"]],
        "supplier_title": f"{brand}{year}新款{material}{style}{kind['noun']}{kind['extra']} 全网销量第一 最好用的{kind['noun']}",
        "sample_title": title,
        "spec1": kind["spec1"],
        "values1": values1,
        "spec2": kind["spec2"],
        "values2": values2,
        "sku_labels": labels,
        "sku_count": len(labels),
        "price": _price(base, ending),
        "special_sku": special,
        # SKUs by meaning: the two spec values of each (for the rubric's keyed sets)
        "sku_keys": keys,
        "special_key": keys[special_index],
        "regular_keys": [k for i, k in enumerate(keys) if i != special_index],
        "regular_count": len(keys) - 1,
        "special_price": _price(special_price, ending),
        "stock": stock,
        "total_stock": stock * len(labels),
        "merchant_code": f"{kind['code']}{year % 100}{rng.randint(100, 999)}",
        "shipping_template": tpl_use["name"],
        "other_template": tpl_other["name"],
        "main_image": "main_800x800.png",
        "image_distractor": "main_800x600.png",
    }


def setup(ctx, params):
    # The supplier's pictures the instructions name: the candidate downloads them from 文件中心 (下发文件).
    for name in (params["main_image"], params["image_distractor"]):
        shopfile_provide(sandbox=ctx.sandbox, actor=ctx.actor, name=name, data=ctx.asset_path(name).read_bytes())
    top = ctx.objects(Category).filter(name=params["category_top"], parent__isnull=True).first()
    if top is None:
        top = category_create(sandbox=ctx.sandbox, actor=ctx.actor, name=params["category_top"])
    if not ctx.objects(Category).filter(name=params["category"]).exists():
        category_create(sandbox=ctx.sandbox, actor=ctx.actor, name=params["category"], parent=top)
    by_name = {t["name"]: t for t in TEMPLATES}
    for name in (params["shipping_template"], params["other_template"]):
        if ctx.objects(ShippingTemplate).filter(name=name).exists():
            continue
        spec = by_name[name]
        shipping_template_create(sandbox=ctx.sandbox, actor=ctx.actor, data=ShippingTemplateData(
            name=name, payer=spec["payer"], pricing=ShippingTemplate.Pricing.ITEM,
            first_unit=Decimal("1"), first_fee=Decimal(spec["first_fee"]),
            extra_unit=Decimal("1"), extra_fee=Decimal(spec["extra_fee"]),
        ))
