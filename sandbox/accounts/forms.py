"""The password login forms (the site's and the admin's), behind login throttling."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from .throttling import PASSWORD, LoginThrottled, login_authenticate


def throttled_error(exc: LoginThrottled) -> forms.ValidationError:
    """The message for a try that must wait: how long, and that the right credential then works."""
    return forms.ValidationError(
        _("这个账号最近输错次数较多，请 %(n)d 秒后再试（输入正确即可登录）。") % {"n": exc.seconds},
        code="throttled")


class ThrottledLoginMixin:
    """``clean()`` authenticates through the throttle; ``wait_seconds`` tells the view to answer 429."""

    wait_seconds = 0

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_authenticate(self.request, lane=PASSWORD, identity=username,
                                                     username=username, password=password)
            except LoginThrottled as exc:
                self.wait_seconds = exc.seconds
                raise throttled_error(exc) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass

