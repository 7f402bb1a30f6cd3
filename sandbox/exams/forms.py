"""Forms of exam administration and of the ticket login. Every input is checked here before a
service is called; the services re-check the rules that depend on the database."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from sandbox.accounts.forms import throttled_error
from sandbox.accounts.throttling import TICKET, LoginThrottled, login_authenticate

from .imports import MAX_BYTES, id_number_normalise
from .manage_services import PHOTO_EXTENSIONS, ExamData
from .models import Exam, Registration
from .selectors import catalog_scenarios

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
PHOTO_MAX_BYTES = 2 * 1024 * 1024
IMPORT_EXTENSIONS = (".csv", ".xlsx")
RULES_MAX = 5000


class ExamForm(forms.ModelForm):
    """An exam's settings: window end after start, pass mark 0–100."""

    class Meta:
        model = Exam
        fields = ["name", "level", "duration_minutes", "window_start", "window_end", "timeout_policy",
                  "grace_minutes", "module_weight", "pass_mark", "review_window_days", "rules"]
        widgets = {
            "window_start": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
            "window_end": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
            "rules": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("window_start", "window_end"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["pass_mark"].validators += [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
        self.fields["review_window_days"].validators += [MinValueValidator(1), MaxValueValidator(60)]
        self.fields["rules"].validators.append(MaxLengthValidator(RULES_MAX))
        self.fields["rules"].widget.attrs["maxlength"] = RULES_MAX

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("考试名称不能为空"))
        return name

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end and end <= start:
            self.add_error("window_end", _("截止时间必须晚于开考时间"))
        return cleaned

    def exam_data(self) -> ExamData:
        return ExamData(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class ExamPartForm(forms.Form):
    """Add a catalog scenario to the paper."""

    scenario_slug = forms.ChoiceField(label=_("场景"), error_messages={
        "required": _("请选择场景"), "invalid_choice": _("场景目录中没有这个场景")})
    title = forms.CharField(label=_("题目名称"), max_length=100, required=False,
                            help_text=_("留空则使用场景的标题"))
    weight = forms.DecimalField(label=_("权重"), max_digits=6, decimal_places=2, initial=Decimal("1"),
                                min_value=Decimal("0.01"), max_value=Decimal("9999.99"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scenarios = {s.slug: s for s in catalog_scenarios()}
        self.fields["scenario_slug"].choices = [("", _("— 请选择 —"))] + [
            (s.slug, f"{s.title}（{s.slug}）" if s.loads else f"{s.slug}（{_('无法载入')}）")
            for s in self.scenarios.values()]

    def clean_scenario_slug(self):
        slug = self.cleaned_data["scenario_slug"]
        if not self.scenarios[slug].loads:
            raise forms.ValidationError(_("场景“%(slug)s”无法载入，不能加入试卷"), params={"slug": slug})
        return slug


class ExamPartMoveForm(forms.Form):
    direction = forms.ChoiceField(label=_("方向"), choices=[("up", _("上移")), ("down", _("下移"))])


class ImportForm(forms.Form):
    """The candidate file: CSV or XLSX, at most 2 MB (its content is read by ``imports``)."""

    file = forms.FileField(label=_("考生名单文件（CSV 或 XLSX）"),
                           error_messages={"required": _("请选择要导入的文件"), "empty": _("文件是空的")})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(IMPORT_EXTENSIONS):
            raise forms.ValidationError(_("只支持 CSV（.csv）或 Excel（.xlsx）文件"))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过 %(max)s（当前 %(size)s）"),
                                        params={"max": filesizeformat(MAX_BYTES), "size": filesizeformat(upload.size)})
        return upload


class RegistrationForm(forms.ModelForm):
    """Scores and photo of one registration. The photo is judged by Pillow from its bytes: a JPEG
    or PNG that decodes completely, at most 2 MB."""

    photo = forms.FileField(label=_("照片（JPG 或 PNG，不超过 2 MB）"), required=False)
    photo_clear = forms.BooleanField(label=_("删除现有照片"), required=False)

    class Meta:
        model = Registration
        fields = ["module_score", "theory_score"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("module_score", "theory_score"):
            self.fields[name].min_value = Decimal(0)
            self.fields[name].max_value = Decimal(100)
        self.photo_format = ""

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("照片不能超过 %(max)s（当前 %(size)s）"),
                                        params={"max": filesizeformat(PHOTO_MAX_BYTES), "size": filesizeformat(upload.size)})
        try:
            upload.seek(0)
            with Image.open(upload) as img:
                image_format = img.format or ""
                if image_format not in PHOTO_EXTENSIONS:
                    raise forms.ValidationError(_("照片只能是 JPG 或 PNG 图片（当前为 %(format)s）"),
                                                params={"format": image_format or "?"})
                if img.width * img.height > 40_000_000:
                    raise forms.ValidationError(_("照片像素过大"))
                img.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise forms.ValidationError(_("文件不是有效的 JPG 或 PNG 图片")) from None
        finally:
            upload.seek(0)
        self.photo_format = image_format
        return upload


class TicketLoginForm(forms.Form):
    """准考证号 + 证件号码. A wrong pair gets one message that does not say which part was wrong."""

    ticket_number = forms.CharField(label=_("准考证号"), max_length=20)
    id_number = forms.CharField(label=_("证件号码"), max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))

    error_messages = {"invalid_login": _("准考证号或证件号码不正确")}

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    wait_seconds = 0  # > 0: the ticket must wait before its next try (the view answers 429)

    def clean(self):
        ticket, id_number = self.cleaned_data.get("ticket_number"), self.cleaned_data.get("id_number")
        if ticket and id_number:
            try:
                self.user_cache = login_authenticate(self.request, lane=TICKET, identity=id_number_normalise(ticket),
                                                     ticket_number=ticket, id_number=id_number)
            except LoginThrottled as exc:
                self.wait_seconds = exc.seconds
                raise throttled_error(exc) from None
            if self.user_cache is None:
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return self.cleaned_data

    def get_user(self):
        return self.user_cache
