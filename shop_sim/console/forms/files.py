"""The file centre's upload form: size is checked here, type by content in the service."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ShopFileUploadForm(forms.Form):
    file = forms.FileField(label=_("选择文件"), help_text=_("CSV、XLSX 或 TXT，最大 5 MB"),
                           error_messages={"required": _("请选择要上传的文件"), "empty": _("文件是空的")})
