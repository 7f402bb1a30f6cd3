"""Templating: one placeholder keeps the param's type; text substitution; instructions escaped."""

from decimal import Decimal

import pytest

from task_scenarios.templating import (
    TemplateError, has_placeholder, is_placeholder, render_instructions, render_value, render_value_collect,
)

PARAMS = {"orders": ["T1", "T2"], "count": 3, "price": 12.5, "flag": True, "shop": {"name": "小店", "tags": ["a", "b"]},
          "none": None}


def test_exact_placeholder_keeps_the_type():
    assert render_value("{{ params.orders }}", PARAMS) == ["T1", "T2"]
    assert render_value("{{params.count}}", PARAMS) == 3
    assert render_value("  {{ params.price }} ", PARAMS) == 12.5
    assert render_value("{{ params.flag }}", PARAMS) is True
    assert render_value("{{ params.none }}", PARAMS) is None
    assert render_value("{{ params.shop }}", PARAMS) == {"name": "小店", "tags": ["a", "b"]}


def test_dotted_access_into_dicts_and_lists():
    assert render_value("{{ params.shop.name }}", PARAMS) == "小店"
    assert render_value("{{ params.orders.1 }}", PARAMS) == "T2"
    assert render_value("{{ params.shop.tags.0 }}", PARAMS) == "a"


def test_placeholder_inside_text_is_substituted_as_text():
    assert render_value("发货 {{ params.count }} 单：{{ params.orders }}", PARAMS) == "发货 3 单：T1、T2"
    assert render_value("{{ params.flag }}/{{ params.none }}", PARAMS) == "true/"


def test_nested_structures_are_rendered_and_other_values_untouched():
    value = {"filter": {"order_no__in": "{{ params.orders }}"}, "count": {"eq": "{{ params.count }}"},
             "list": ["{{ params.orders.0 }}", 5, None], "n": Decimal("1.5")}
    assert render_value(value, PARAMS) == {"filter": {"order_no__in": ["T1", "T2"]}, "count": {"eq": 3},
                                           "list": ["T1", 5, None], "n": Decimal("1.5")}
    assert value["filter"]["order_no__in"] == "{{ params.orders }}"  # the input is not mutated


def test_undefined_params_raise_with_the_path():
    with pytest.raises(TemplateError) as info:
        render_value({"a": [{"b": "{{ params.missing }}"}]}, PARAMS)
    assert info.value.path == "a[0].b"
    assert "params.missing" in info.value.message
    with pytest.raises(TemplateError):
        render_value("{{ params.orders.5 }}", PARAMS)
    with pytest.raises(TemplateError):
        render_value("{{ params.count.x }}", PARAMS)


def test_a_stray_template_tag_is_an_error_not_literal_text():
    with pytest.raises(TemplateError) as info:
        render_value("共 {{ parms.count }} 单", PARAMS, path="x")
    assert "parms.count" in info.value.message


def test_collect_reports_every_bad_placeholder_and_keeps_the_rest():
    rendered, errors = render_value_collect({"a": "{{ params.x }}", "b": ["{{ params.y }}", "{{ params.count }}"]},
                                            PARAMS)
    assert sorted(e.path for e in errors) == ["a", "b[0]"]
    assert rendered["b"][1] == 3 and rendered["a"] == "{{ params.x }}"


def test_placeholder_predicates():
    assert is_placeholder("{{ params.a }}") and is_placeholder(" {{params.a.b}} ")
    assert not is_placeholder("x {{ params.a }}") and not is_placeholder(3)
    assert has_placeholder({"k": ["no", {"z": "a{{ params.a }}"}]})
    assert not has_placeholder({"k": ["{ params.a }", 1]})


def test_instructions_are_rendered_with_autoescape():
    text = render_instructions("订单 {{ params.orders|join:'、' }}，{{ params.html }}",
                               {"orders": ["T1", "T2"], "html": "<script>alert(1)</script>"})
    assert text == "订单 T1、T2，&lt;script&gt;alert(1)&lt;/script&gt;"


def test_instructions_with_an_undefined_variable_fail():
    with pytest.raises(TemplateError) as info:
        render_instructions("发货 {{ params.nope }} 与 {{ params.orders }}", {"orders": []})
    assert "params.nope" in info.value.message
