"""网店装修 variants: a shop theme (女装, 家居, 数码, 零食), its name, slogan and theme colour, the
categories the navigation must show, the products of the 宝贝推荐 module and the banner's search word.

setup() turns the generated shop into a shop that has never been decorated (default name and
colour, no logo, banner, navigation or homepage modules) and puts the task's products on sale in
the task's categories, so a blank attempt shows nothing the rubric asks for. The 素材包 (the two
logo candidates and the banner) is handed out in the shop's 文件中心, which the instructions page
lists with download links.
"""

from decimal import Decimal
from urllib.parse import quote

from shop_sim.models import Banner, Category, HomeModule, HomeModuleItem, NavItem, Product, ProductImage, ShopDecoration
from shop_sim.services.catalog import ProductData, category_create, product_create
from shop_sim.services.files import shopfile_provide

INITIAL_NAME = "我的店铺"
INITIAL_THEME = "#ff5000"  # the default colour; never one of the palette's

SHOP_HEADS = ("森屿", "棠梨", "晴川", "鹿鸣", "枫桥", "青禾", "月白", "山茶", "星河", "橘野", "海盐", "麦田")

# Palette named the way a design brief names colours; no colour equals INITIAL_THEME.
PALETTE = (
    {"name": "中国红", "hex": "#e4393c"},
    {"name": "天空蓝", "hex": "#1677ff"},
    {"name": "薄荷绿", "hex": "#13a07b"},
    {"name": "香芋紫", "hex": "#8c5cf6"},
    {"name": "樱花粉", "hex": "#eb2f96"},
    {"name": "藏青色", "hex": "#1d3a6e"},
    {"name": "咖啡棕", "hex": "#8b5a2b"},
)

MODULE_TITLES = ("店长推荐", "人气热卖", "新品首发", "镇店之宝", "当季必买", "掌柜精选")

# Category names are shop categories (店铺分类) of the kind merchants add for their navigation; none
# equals a category of the generated catalogue. Nouns never contain one another, so a search for
# one finds exactly one of the task's products.
THEMES = (
    {
        "kind": "女装",
        "tails": ("原创女装", "女装馆", "衣橱"),
        "slogans": ("温柔穿搭，自在生活", "每周上新 · 品质女装", "穿出你的好气色", "简约有质感的日常衣橱"),
        "categories": ("新品上市", "连衣裙专区", "上衣", "裤装", "外套", "清仓特惠"),
        "nouns": ("连衣裙", "衬衫", "半身裙", "针织开衫", "阔腿裤", "防晒衣", "风衣", "马甲"),
        "features": ("法式", "复古", "纯棉", "雪纺", "亚麻", "高腰", "宽松", "碎花"),
        "price": (79, 299),
    },
    {
        "kind": "家居",
        "tails": ("家居馆", "生活铺", "家居良品"),
        "slogans": ("把家过成喜欢的样子", "好物不贵，用心生活", "简单生活，从家开始", "居家好物 · 品质保障"),
        "categories": ("居家好物", "厨房餐具", "床品布艺", "收纳整理", "新品上市", "特价清仓"),
        "nouns": ("保温杯", "收纳盒", "抱枕", "香薰蜡烛", "餐具套装", "拖鞋", "浴巾", "置物架"),
        "features": ("北欧风", "日式", "加厚", "大容量", "简约", "可折叠", "防滑", "奶油风"),
        "price": (19, 199),
    },
    {
        "kind": "数码",
        "tails": ("数码馆", "数码优选", "科技生活"),
        "slogans": ("实用数码，放心之选", "正品保障 · 48小时发货", "让科技更贴近生活", "品质配件，一站配齐"),
        "categories": ("手机配件", "电脑外设", "影音娱乐", "新品上市", "充电设备", "特惠专区"),
        "nouns": ("蓝牙耳机", "充电宝", "手机支架", "键盘", "鼠标", "音箱", "移动硬盘", "读卡器"),
        "features": ("无线", "快充", "磁吸", "静音", "便携", "轻薄", "降噪", "铝合金"),
        "price": (29, 399),
    },
    {
        "kind": "零食",
        "tails": ("零食铺", "小食坊", "食品旗舰店"),
        "slogans": ("好吃不贵，天天开心", "新鲜直发 · 放心零食", "一口好滋味", "源头好货，放心选购"),
        "categories": ("坚果炒货", "肉干肉脯", "饼干糕点", "花草茶饮", "新品上市", "整箱特惠"),
        "nouns": ("坚果礼盒", "牛肉干", "芒果干", "曲奇饼干", "花果茶", "红枣", "海苔卷", "果冻"),
        "features": ("每日", "原味", "手工", "独立包装", "低糖", "酥脆", "香辣", "量贩装"),
        "price": (15, 129),
    },
)


def search_href_pattern(word: str) -> str:
    """A link to the storefront search for ``word``: typed (q=连衣裙) or copied from the address bar
    (q=%E8%BF%9E…, percent-encoded UTF-8, either case); relative or absolute; other parameters allowed."""
    return rf"(?i)/search/\?(?:[^#]*&)?q=(?:{word}|{quote(word)})(?:[&#]|$)"


def derive(rng):
    theme = rng.choice(THEMES)
    head = rng.choice(SHOP_HEADS)
    colour = dict(rng.choice(PALETTE))
    categories = rng.sample(theme["categories"], 4)
    nouns = rng.sample(theme["nouns"], 5)
    features = rng.sample(theme["features"], 5)
    low, high = theme["price"]
    products = [
        {"title": f"{head}{feature}{noun}", "noun": noun, "category": categories[i % 4],
         "price": f"{rng.randint(low, high)}.{rng.choice(('00', '90', '99'))}", "stock": rng.randint(20, 300)}
        for i, (feature, noun) in enumerate(zip(features, nouns))
    ]
    featured = rng.sample(range(5), 3)
    keyword = products[featured[0]]["noun"]
    return {
        "kind": theme["kind"],
        "shop_name": head + rng.choice(theme["tails"]),
        "slogan": rng.choice(theme["slogans"]),
        "theme_color": colour,
        "nav_categories": categories[:3],
        "other_category": categories[3],
        "products": products,
        "module_title": rng.choice(MODULE_TITLES),
        "module_products": [products[i]["title"] for i in featured],
        "banner_keyword": keyword,
        "banner_href_pattern": search_href_pattern(keyword),
        "logo_file": "logo_80x80.png",
        "logo_distractor": "logo_300x120.png",
        "banner_file": "banner_1920x540.png",
    }


def setup(ctx, params):
    # The 素材包 the instructions name: the candidate downloads it from 文件中心 (下发文件).
    for name in (params["logo_file"], params["logo_distractor"], params["banner_file"]):
        shopfile_provide(sandbox=ctx.sandbox, actor=ctx.actor, name=name, data=ctx.asset_path(name).read_bytes())

    # An undecorated shop: default name and colour, nothing in the sign, no banner, navigation or modules.
    ctx.objects(HomeModuleItem).delete()
    ctx.objects(HomeModule).delete()
    ctx.objects(NavItem).delete()
    ctx.objects(Banner).delete()
    fields = {"shop_name": INITIAL_NAME, "slogan": "", "logo": "", "sign_image": "", "theme_color": INITIAL_THEME}
    if not ctx.objects(ShopDecoration).update(**fields):
        ShopDecoration.objects.create(sandbox=ctx.sandbox, **fields)

    # The shop categories the navigation will point to (plus one it must not), and the products in them.
    categories = {}
    for name in [*params["nav_categories"], params["other_category"]]:
        found = ctx.objects(Category).filter(name=name).first()
        categories[name] = found or category_create(sandbox=ctx.sandbox, actor=ctx.actor, name=name)
    picture = ctx.objects(ProductImage).filter(kind=ProductImage.Kind.MAIN).order_by("pk").first()
    for number, spec in enumerate(params["products"], start=1):
        product = product_create(sandbox=ctx.sandbox, actor=ctx.actor, data=ProductData(
            title=spec["title"], price=Decimal(spec["price"]), stock=spec["stock"],
            category=categories[spec["category"]], merchant_code=f"ZX{number:03d}", status=Product.Status.ON_SALE,
        ))
        if picture is not None:
            ProductImage.objects.create(sandbox=ctx.sandbox, product=product, kind=ProductImage.Kind.MAIN,
                                        image=picture.image.name, width=picture.width, height=picture.height)
