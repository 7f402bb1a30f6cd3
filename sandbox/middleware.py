"""Language: zh-hans unless the person chose another language with the switcher.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an exam-room PC with an
English Windows image would show a different UI to one candidate than to the next. Only an
explicit choice (the language cookie set by ``set_language``) changes it.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import check_for_language


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
