"""The load bench's pure parts (bench/load.py; the nearest-rank percentile every bench shares):
percentiles, the request mix, the level verdict, the form reader that submits forms like a browser, and the window figures. No server here: the
bench itself runs the stack (``make bench-load``)."""

import pytest

from bench import percentile
from bench.load import (
    ACTIONS,
    Recorder,
    form_find,
    largest_passing,
    level_verdict,
    levels_parse,
    mix_parse,
    resident_id,
    saturated,
)
from sandbox.exams.imports import resident_id_problem


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 95) == 7.0
    assert percentile([3, 1, 2], 50) == 2  # sorted first, not taken in arrival order
    assert percentile([], 95) is None


@pytest.mark.parametrize("q", [0, -1, 101])
def test_percentile_refuses_a_meaningless_rank(q):
    with pytest.raises(ValueError):
        percentile([1, 2, 3], q)


def test_mix_parse_reads_weights_and_defaults_to_one():
    assert mix_parse("dashboard=2, orders=0.5,chat") == {"dashboard": 2.0, "orders": 0.5, "chat": 1.0}
    assert mix_parse("memo=0,products=1") == {"memo": 0.0, "products": 1.0}


@pytest.mark.parametrize("text, complaint", [
    ("dashbord=1", "unknown action"),
    ("dashboard=1,dashboard=2", "twice"),
    ("orders=x", "not a number"),
    ("orders=-1", ">= 0"),
    ("orders=nan", ">= 0"),
    ("", "at least one"),
    ("orders=0,memo=0", "at least one"),
])
def test_mix_parse_names_what_is_wrong(text, complaint):
    with pytest.raises(ValueError, match=complaint):
        mix_parse(text)


def test_the_default_mix_parses_and_writes_are_about_one_in_ten():
    from bench.load import DEFAULT_MIX, WRITES

    mix = mix_parse(DEFAULT_MIX)
    assert set(mix) == set(ACTIONS)
    share = sum(w for k, w in mix.items() if k in WRITES) / sum(mix.values())
    assert 0.08 <= share <= 0.12


def test_levels_parse():
    assert levels_parse("100,250, 500") == [100, 250, 500]
    for bad in ("", "100,50", "0", "100,100", "a,b"):
        with pytest.raises(ValueError):
            levels_parse(bad)


def _level(candidates, p95, errors=0, sockets=0, n=100):
    return {"candidates": candidates, "backoffice": {"n": n, "p95_ms": p95}, "errors": errors,
            "socket_failures": sockets}


def test_level_verdict_needs_p95_under_the_limit_no_error_no_failed_socket():
    assert level_verdict(_level(100, 120.0)) == (True, [])
    ok, why = level_verdict(_level(100, 250.0))
    assert not ok and "p95" in why[0]  # the limit itself is not "under"
    ok, why = level_verdict(_level(100, 90.0, errors=1))
    assert not ok and why == ["1 errors"]
    ok, why = level_verdict(_level(100, 90.0, sockets=2))
    assert not ok and why == ["2 failed sockets"]
    ok, why = level_verdict(_level(100, None, n=0))
    assert not ok and "no back-office request" in why[0]
    assert level_verdict(_level(100, 300.0), p95_limit_ms=500)[0]


def test_largest_passing_stops_at_the_first_failure():
    levels = [_level(100, 50), _level(250, 120), _level(500, 400), _level(750, 200)]
    assert largest_passing(levels) == 250  # 750 passing after 500 failed is noise, not capacity
    assert largest_passing(list(reversed(levels))) == 250  # order of the list does not matter
    assert largest_passing([_level(100, 300)]) is None
    assert largest_passing([_level(100, 50, errors=1), _level(250, 50)]) is None
    assert largest_passing([_level(40, 80), _level(80, 90)]) == 80


PAGE = """
<form method="post" action="/accounts/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="t0"></form>
<form method="get" action="/console/orders/"><input name="q" value="x"></form>
<form method="post" action="/console/orders/7/memo/">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type="radio" name="memo-flag" value="" >
  <input type="radio" name="memo-flag" value="red" checked>
  <input type="checkbox" name="notify">
  <input type="checkbox" name="keep" value="1" checked>
  <input type="file" name="photo">
  <input type="text" name="locked" value="no" disabled>
  <textarea name="memo-seller_memo">first &amp; second</textarea>
  <select name="carrier"><option value="sf">顺丰</option><option value="yt" selected>圆通</option></select>
  <select name="plain"><option>甲</option><option>乙</option></select>
  <select name="tags" multiple><option value="a" selected>A</option><option value="b" selected>B</option></select>
  <button type="submit" name="go" value="1">保存</button>
</form>
<form method="post" action=""><input name="title" value="宝贝"><input name="price" value="9.90"></form>
"""


def test_form_find_submits_what_a_browser_would():
    fields = form_find(PAGE, action_suffix="/memo/")
    assert fields == [["csrfmiddlewaretoken", "tok"], ["memo-flag", "red"], ["keep", "1"],
                      ["memo-seller_memo", "first & second"], ["carrier", "yt"], ["plain", "甲"],
                      ["tags", "a"], ["tags", "b"]]
    names = [name for name, _value in fields]
    assert "notify" not in names and "photo" not in names and "locked" not in names and "go" not in names


def test_form_find_by_field_and_nothing_when_absent():
    assert form_find(PAGE, field="title") == [["title", "宝贝"], ["price", "9.90"]]
    assert form_find(PAGE, action_suffix="/ship/") is None
    assert form_find(PAGE, field="q") is None  # a GET form is never the one to post


def test_seeded_id_numbers_are_valid_and_distinct():
    numbers = [resident_id(n) for n in (0, 1, 999, 1000, 27999, 28000, 335999)]
    assert all(resident_id_problem(number) is None for number in numbers)
    assert len(set(numbers)) == len(numbers)


def test_recorder_window_counts_only_its_own_time_and_back_office_kinds():
    rec = Recorder()
    rec.request(9.0, "dashboard", 500.0, True)  # before the window
    for t, ms in ((10.0, 10.0), (11.0, 20.0), (12.0, 30.0)):
        rec.request(t, "orders", ms, True)
    rec.request(12.5, "login", 900.0, True)  # not a back-office page: rate yes, latency no
    rec.request(13.0, "memo", 40.0, False, "HTTP 500 (expected 302) /console/orders/1/memo/")
    rec.error(8.0, "setup: marker missing /sitting/")  # during the ramp
    rec.chat_in.append((11.5, 42.0, 7))
    figures = rec.window(10.0, 20.0, setup_since=5.0)
    assert figures["requests"] == 5 and figures["requests_per_second"] == 0.5
    assert figures["backoffice"]["n"] == 3 and figures["backoffice"]["p95_ms"] == 30.0
    assert figures["errors"] == 2  # the failed write and the ramp's setup failure
    assert "memo: HTTP 500 (expected 302) /console/orders/1/memo/" in figures["error_samples"]
    assert figures["chat_buyer_to_merchant"]["p50_ms"] == 42.0
    assert figures["chat_buyer_to_merchant"]["open_sockets_max"] == 7
    assert rec.window(10.0, 20.0)["errors"] == 1  # without the ramp, only the window's own


def test_saturated_means_far_past_the_limit_not_just_failing():
    assert not saturated({**_level(100, 300.0), "requests": 1000})  # fails, but the next level may tell more
    assert saturated({**_level(100, 1001.0), "requests": 1000})
    assert not saturated({**_level(100, 100.0, errors=10), "requests": 1000})  # 1 %: not yet
    assert saturated({**_level(100, 100.0, errors=11), "requests": 1000})
    assert saturated({**_level(100, None, errors=1, n=0), "requests": 0})
