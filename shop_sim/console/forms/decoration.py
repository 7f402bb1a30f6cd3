"""Forms of the shop decoration editor (店铺装修): every size, type and link rule is checked here,
before a service stores anything.

Image rules follow Taobao's slots (TASK_FACTS): 店标 at most 100 × 100, 店招 950 wide and 120–150
high, 全屏海报 1920 wide and 400–800 high; jpg/png/gif only (decided by Pillow from the bytes, not
by the file name), at most ``settings.SHOP_IMAGE_MAX_BYTES``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image

from shop_sim.models import Category, HomeModule, Product, Sandbox
from shop_sim.services.decoration import HEX_COLOR_RE, link_is_safe

ALLOWED_IMAGE_FORMATS = ("JPEG", "PNG", "GIF")
LINK_HELP = _("以 http:// 或 https:// 开头的网址，或站内相对地址（如 /s/…/all/）")


def image_check(upload, *, slot: str, min_width: int = 0, max_width: int, min_height: int = 0,
                max_height: int) -> str:
    """Check an uploaded image and return its Pillow format name, or raise ValidationError.

    Type and pixel size are read from the header first; only an image of an allowed size is then
    decoded in full (``load``), so a truncated or disguised file is refused here rather than failing
    later in a browser. Nothing has been written to storage at this point.
    """
    max_bytes = settings.SHOP_IMAGE_MAX_BYTES
    if upload.size > max_bytes:
        raise forms.ValidationError(
            _("%(slot)s图片不能超过 %(max)s（当前 %(size)s）"),
            params={"slot": slot, "max": filesizeformat(max_bytes), "size": filesizeformat(upload.size)},
            code="too_big",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            image_format = img.format or ""
            width, height = img.size
            if image_format not in ALLOWED_IMAGE_FORMATS:
                raise forms.ValidationError(
                    _("图片格式只能是 JPG、PNG 或 GIF（当前为 %(format)s）"), params={"format": image_format or "?"},
                    code="bad_format",
                )
            if not (min_width <= width <= max_width and min_height <= height <= max_height):
                if min_width == max_width:
                    rule = _("宽 %(w)s 像素、高 %(h1)s–%(h2)s 像素") % {"w": max_width, "h1": min_height,
                                                                  "h2": max_height}
                else:
                    rule = _("不超过 %(w)s × %(h)s 像素") % {"w": max_width, "h": max_height}
                raise forms.ValidationError(
                    _("%(slot)s尺寸应为%(rule)s，上传的图片为 %(width)s × %(height)s 像素"),
                    params={"slot": slot, "rule": rule, "width": width, "height": height},
                    code="bad_size",
                )
            img.load()  # decoded only once the size is known to be small: no decompression bombs
    except forms.ValidationError:
        raise
    except Exception:
        raise forms.ValidationError(_("文件不是有效的图片，请上传 JPG、PNG 或 GIF 图片"), code="invalid_image")
    finally:
        upload.seek(0)
    return image_format


class DecorationBasicForm(forms.Form):
    """基本信息: shop name, slogan, announcement, theme colour."""

    shop_name = forms.CharField(label=_("店铺名称"), max_length=30)
    slogan = forms.CharField(label=_("店招文字（广告语）"), max_length=60, required=False)
    announcement = forms.CharField(label=_("店铺公告"), max_length=200, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    theme_color = forms.CharField(
        label=_("主题色"), max_length=7, help_text=_("#RRGGBB，例如 #ff5000"),
        widget=forms.TextInput(attrs={"pattern": "#[0-9A-Fa-f]{6}", "size": 8, "data-color-text": ""}),
    )

    def clean_shop_name(self) -> str:
        name = self.cleaned_data["shop_name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写店铺名称"))
        return name

    def clean_theme_color(self) -> str:
        value = self.cleaned_data["theme_color"].strip()
        if not HEX_COLOR_RE.match(value):
            raise forms.ValidationError(_("主题色须为 # 加 6 位十六进制数字，例如 #ff5000"))
        return value.lower()


class _ImageUploadForm(forms.Form):
    image = forms.FileField(label=_("选择图片"), widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif"}))
    slot = ""
    size_rule: dict = {}

    def clean_image(self):
        upload = self.cleaned_data["image"]
        self.image_format = image_check(upload, slot=str(self.slot), **self.size_rule)
        return upload


class LogoForm(_ImageUploadForm):
    """店标: at most 100 × 100 (80 × 80 is common)."""

    image = forms.FileField(label=_("店标图片"), help_text=_("JPG/PNG/GIF，不超过 100 × 100 像素、2 MB"),
                            widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif"}))
    slot = _("店标")
    size_rule = {"max_width": 100, "max_height": 100}


class SignForm(_ImageUploadForm):
    """店招: 950 wide, 120–150 high."""

    image = forms.FileField(label=_("店招图片"), help_text=_("JPG/PNG/GIF，宽 950 像素，高 120–150 像素"),
                            widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif"}))
    slot = _("店招")
    size_rule = {"min_width": 950, "max_width": 950, "min_height": 120, "max_height": 150}


def _clean_link(value: str) -> str:
    link = (value or "").strip()
    if link and not link_is_safe(link):
        raise forms.ValidationError(_("链接只能是 http:// 或 https:// 开头的网址，或站内相对地址"))
    return link


class BannerForm(_ImageUploadForm):
    """全屏海报: 1920 wide, 400–800 high, with an optional link and a description (alt text)."""

    image = forms.FileField(label=_("海报图片"), help_text=_("JPG/PNG/GIF，宽 1920 像素，高 400–800 像素"),
                            widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif"}))
    link = forms.CharField(label=_("海报链接"), max_length=300, required=False, help_text=LINK_HELP)
    alt = forms.CharField(label=_("图片说明"), max_length=60, required=False)
    slot = _("海报")
    size_rule = {"min_width": 1920, "max_width": 1920, "min_height": 400, "max_height": 800}

    def clean_link(self) -> str:
        return _clean_link(self.cleaned_data["link"])


class MoveForm(forms.Form):
    direction = forms.ChoiceField(label=_("移动方向"), choices=[("up", _("上移")), ("down", _("下移"))])


class NavItemForm(forms.Form):
    """A navigation entry: a category of this shop or a link, exactly one of them."""

    label = forms.CharField(label=_("导航名称"), max_length=12)
    category = forms.ModelChoiceField(label=_("链接到分类"), queryset=Category.objects.none(), required=False,
                                      empty_label=_("（不链接分类）"))
    link = forms.CharField(label=_("或自定义链接"), max_length=300, required=False, help_text=LINK_HELP)

    def __init__(self, *args, sandbox: Sandbox, options: EditorOptions | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.for_sandbox(sandbox).order_by("position", "id")
        self.fields["category"].error_messages["invalid_choice"] = _("请选择本店的分类")
        if options is not None:
            self.fields["category"].widget.choices = options.categories

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError(_("请填写导航名称"))
        return label

    def clean_link(self) -> str:
        return _clean_link(self.cleaned_data["link"])

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if (data.get("category") is None) == (not data.get("link")):
            raise forms.ValidationError(_("请选择一个分类或填写一个链接（二选一）"))
        return data


def product_option_label(product: Product) -> str:
    return f"{product.title}（{product.get_status_display()}）"


@dataclass(frozen=True)
class EditorOptions:
    """The category and product ``<option>``s of every nav and module form on the editor page, read
    once: each form's own ModelChoiceField would run its query and build the options again (a page
    with ten modules listed every product eleven times). Display only — a submitted form still
    validates against its queryset."""

    categories: list[tuple]
    products: list[tuple]

    @classmethod
    def of(cls, sandbox: Sandbox) -> EditorOptions:
        empty = NavItemForm.base_fields["category"].empty_label
        categories = Category.objects.for_sandbox(sandbox).order_by("position", "id")
        products = Product.objects.for_sandbox(sandbox).order_by("-id").values_list("id", "title", "status")
        status = {value: str(label) for value, label in Product.Status.choices}  # not one lookup per product
        return cls(categories=[("", empty)] + [(c.pk, str(c)) for c in categories],
                   products=[(pk, f"{title}（{status.get(value, value)}）") for pk, title, value in products])


class HomeModuleForm(forms.Form):
    """A homepage module: 宝贝推荐 (a title and chosen products) or 自定义文字 (a title and text)."""

    kind = forms.ChoiceField(label=_("模块类型"), choices=HomeModule.Kind.choices)
    title = forms.CharField(label=_("模块标题"), max_length=30)
    products = forms.ModelMultipleChoiceField(
        label=_("推荐宝贝"), queryset=Product.objects.none(), required=False,
        help_text=_("按住 Ctrl（Mac 为 ⌘）可多选；只有出售中的宝贝会在店铺首页显示"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    body = forms.CharField(label=_("文字内容"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, sandbox: Sandbox, options: EditorOptions | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        products = self.fields["products"]
        products.queryset = Product.objects.for_sandbox(sandbox).order_by("-id")
        products.label_from_instance = product_option_label
        if options is not None:
            products.widget.choices = options.products
        products.error_messages["invalid_choice"] = _("请选择本店的宝贝")
        products.error_messages["invalid_pk_value"] = _("请选择本店的宝贝")

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("请填写模块标题"))
        return title

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data["kind"] == HomeModule.Kind.PRODUCTS and not data.get("products"):
            self.add_error("products", _("宝贝推荐模块至少选择一个宝贝"))
        if data["kind"] == HomeModule.Kind.TEXT and not data.get("body", "").strip():
            self.add_error("body", _("请填写文字内容"))
        return data
