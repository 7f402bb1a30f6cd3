"""Variant params into a scenario: ``{{ params.x }}`` in YAML values, and instructions.md.

One source of truth per fact: the same params feed setup, the rubric and the instructions. In YAML a
string that is exactly one placeholder becomes the parameter itself, type and all (a list stays a
list, a number a number), so ``filter: {order_no__in: "{{ params.ship_orders }}"}`` works; a
placeholder inside longer text is substituted as text. instructions.md is a Django template with
autoescape on, so a param can never inject markup into the candidate's page.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.template import Context, Engine
from django.utils.translation import gettext as _

# {{ params.name }} with optional dotted access: {{ params.orders.0.order_no }}
PLACEHOLDER_RE = re.compile(r"\{\{\s*params((?:\.[A-Za-z0-9_]+)+)\s*\}\}")
# Anything that looks like a template tag but is not a params placeholder (a typo such as {{ parms.x }}).
STRAY_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
PLACEHOLDER_PATTERN = r"^\s*\{\{\s*params(\.[A-Za-z0-9_]+)+\s*\}\}\s*$"

_INVALID = "\x00undefined:%s\x00"
_INVALID_RE = re.compile("\x00undefined:(.*?)\x00")


class TemplateError(ValueError):
    """A placeholder that cannot be filled: ``path`` says where (dotted), ``message`` why."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def is_placeholder(value: Any) -> bool:
    """True for a string that is exactly one ``{{ params.x }}`` (which keeps the param's type)."""
    return isinstance(value, str) and PLACEHOLDER_RE.fullmatch(value.strip()) is not None


def has_placeholder(value: Any) -> bool:
    """True if any string inside ``value`` (nested dicts and lists) uses a placeholder."""
    if isinstance(value, str):
        return PLACEHOLDER_RE.search(value) is not None
    if isinstance(value, dict):
        return any(has_placeholder(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_placeholder(v) for v in value)
    return False


def lookup(params: dict[str, Any], dotted: str, *, path: str = "") -> Any:
    """``params`` at ``a.b.0``: dict keys by name, list items by index."""
    value: Any = params
    walked = "params"
    for part in dotted.strip(".").split("."):
        walked += f".{part}"
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise TemplateError(path, _("未定义的参数 %(walked)s（undefined parameter）") % {"walked": walked})
    return value


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "、".join(_as_text(v) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def render_string(text: str, params: dict[str, Any], *, path: str = "") -> Any:
    """One string: exactly one placeholder keeps the param's type; otherwise text substitution."""
    whole = PLACEHOLDER_RE.fullmatch(text.strip())
    if whole:
        return lookup(params, whole.group(1), path=path)
    rendered = PLACEHOLDER_RE.sub(lambda m: _as_text(lookup(params, m.group(1), path=path)), text)
    stray = STRAY_RE.search(rendered)
    if stray and stray.group(0) in text:
        raise TemplateError(path, _("无法识别的模板写法 %(tag)s，只支持 {{ params.名称 }}") % {"tag": repr(stray.group(0))})
    return rendered


def render_value(value: Any, params: dict[str, Any], *, path: str = "") -> Any:
    """Nested YAML values with every placeholder filled; raises TemplateError at the first bad one."""
    if isinstance(value, str):
        return render_string(value, params, path=path)
    if isinstance(value, dict):
        return {k: render_value(v, params, path=f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, params, path=f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def render_value_collect(value: Any, params: dict[str, Any], *, path: str = "") -> tuple[Any, list[TemplateError]]:
    """Like ``render_value`` but collects every bad placeholder (a bad one is left as written)."""
    errors: list[TemplateError] = []

    def walk(item: Any, where: str) -> Any:
        if isinstance(item, str):
            try:
                return render_string(item, params, path=where)
            except TemplateError as exc:
                errors.append(exc)
                return item
        if isinstance(item, dict):
            return {k: walk(v, f"{where}.{k}" if where else str(k)) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, f"{where}[{i}]") for i, v in enumerate(item)]
        return item

    return walk(value, path), errors


_ENGINE = Engine(autoescape=True, string_if_invalid=_INVALID)


def render_instructions(source: str, params: dict[str, Any]) -> str:
    """instructions.md rendered with Django's template engine (autoescape on) and ``params``.

    A reference to an undefined parameter is an error, not a silently empty string: the candidate
    would otherwise read a task with a hole in it.
    """
    template = _ENGINE.from_string(source)
    text = template.render(Context({"params": params}, autoescape=True))
    missing = sorted(set(_INVALID_RE.findall(text)))
    if missing:
        raise TemplateError("", _("instructions.md 引用了未定义的变量：") + "、".join(missing))
    return text
