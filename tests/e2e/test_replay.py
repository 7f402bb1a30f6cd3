"""Recording and replay in real Chromium: a candidate in an exam works in the console (and types a
product title that is an XSS payload); the rrweb batches arrive; an examiner opens the replay, the
player shows frames, clicking a journal row moves the player's clock — and the replayed payload runs
no script in the examiner's page (no dialog, the player's iframe is sandboxed without scripts)."""

import json
import re
import time
import zlib
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sandbox.exams.models import Exam, ExamPart, Registration
from sandbox.exams.services import sitting_start
from sandbox.recording.models import RecordingChunk

PAYLOAD = "<img src=x onerror=alert(1)>"
SLUG = "product-listing-sku"


@pytest.fixture
def exam_attempt(make_user):
    candidate = make_user("rec_cand")
    examiner = make_user("rec_kp", "examiner")
    now = timezone.now()
    exam = Exam.objects.create(name="四级实操（录像测试）", duration_minutes=90, window_start=now - timedelta(hours=1),
                               window_end=now + timedelta(hours=4), created_by=examiner)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug=SLUG, title="多规格商品发布")
    registration = Registration.objects.create(exam=exam, candidate=candidate, full_name="张三丰",
                                               id_number="110101199001011234", ticket_number="E2E0001")
    sitting = sitting_start(registration=registration, actor=candidate)
    return sitting.tasks.get().attempt


def _watch(page, dialogs: list, errors: list):
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))


def _wait_for_chunks(attempt, predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunks = list(RecordingChunk.objects.filter(attempt=attempt))
        if predicate(chunks):
            return chunks
        time.sleep(0.3)
    raise AssertionError(f"recording did not arrive: {len(chunks)} chunks")


def _recorded_text(chunks) -> str:
    return "".join(zlib.decompress(bytes(c.data)).decode("utf-8") for c in chunks)


def test_candidate_is_recorded_and_examiner_replays_without_running_the_payload(new_page, login, exam_attempt):
    attempt = exam_attempt
    cand_dialogs, cand_errors = [], []
    page = new_page()
    _watch(page, cand_dialogs, cand_errors)
    login(page, "rec_cand")
    page.goto("/console/")
    expect(page.locator("#rr-recorder")).to_have_attribute("data-attempt", str(attempt.pk))

    # a few pages, then a product title edit with the payload
    page.get_by_role("link", name="商品管理").click()
    expect(page).to_have_url(re.compile(r"/console/products/"))
    page.get_by_role("link", name="已卖出的宝贝").click()
    expect(page).to_have_url(re.compile(r"/console/orders/"))
    page.get_by_role("link", name="商品管理").click()
    page.get_by_role("link", name="编辑宝贝").first.click()
    title = page.get_by_label("宝贝标题")
    title.fill(PAYLOAD)
    page.get_by_role("button", name="保存修改").click()
    expect(page.get_by_text(PAYLOAD).first).to_be_visible()
    page.get_by_role("link", name="商品管理").click()
    expect(page.get_by_role("link", name=PAYLOAD)).to_be_visible()
    page.wait_for_timeout(300)
    page.context.close()  # pagehide: the last batch goes out with keepalive

    chunks = _wait_for_chunks(attempt, lambda cs: len({c.segment for c in cs}) >= 5 and PAYLOAD in _recorded_text(cs))
    assert all(re.fullmatch(r"[0-9a-f]{32}", c.segment) for c in chunks)
    assert {c.page_url.split("?")[0] for c in chunks} >= {"/console/", "/console/products/", "/console/orders/"}
    assert cand_dialogs == [] and not [e for e in cand_errors if "recorder" in e or "rrweb" in e]

    # the examiner replays
    kp_dialogs, kp_errors = [], []
    page = new_page()
    _watch(page, kp_dialogs, kp_errors)
    login(page, "rec_kp")
    page.goto(f"/replay/{attempt.pk}/")
    expect(page.get_by_role("heading", name=re.compile("张三丰"))).to_be_visible()
    player = page.locator("#player")
    expect(player).to_have_attribute("data-state", "ready", timeout=20_000)
    # the player's controls speak the page's language: no English "skip inactive" in the Chinese UI
    expect(page.locator("#player .rr-controller .switch .label")).to_have_text("跳过无操作的时段")
    expect(page.locator("#player .rr-controller")).not_to_contain_text("skip inactive")
    frame = page.locator("#player iframe")
    expect(frame).to_have_count(1)
    sandbox_attr = frame.get_attribute("sandbox")
    assert sandbox_attr is not None and "allow-scripts" not in sandbox_attr
    # frames are shown: the replayed console is in the iframe
    replayed = page.frame_locator("#player iframe")
    expect(replayed.locator("body")).not_to_be_empty()

    # the journal: click the product update; the player's clock moves there and the row is marked
    row = page.locator("#journal .journal-row", has=page.locator(".action", has_text="编辑宝贝")).first
    row.get_by_role("button").click()
    expect(row).to_have_attribute("aria-current", "true")
    jumped = int(player.get_attribute("data-jumped-to"))
    events = json.loads(page.evaluate("fetch(document.querySelector('#player').dataset.eventsUrl).then(r => r.text())"))
    total = events[-1]["timestamp"] - events[0]["timestamp"]
    assert 0 < jumped <= total
    first_row = page.locator("#journal .journal-row").first
    first_row.get_by_role("button").click()
    expect(first_row).to_have_attribute("aria-current", "true")
    expect(row).not_to_have_attribute("aria-current", "true")
    assert int(player.get_attribute("data-jumped-to")) < jumped
    # play on from the save: the next page lists the payload as a product title — text, not markup
    row.get_by_role("button").click()
    page.locator(".rr-controller__btns button").first.click()
    expect(replayed.get_by_text(PAYLOAD).first).to_be_attached(timeout=10_000)
    expect(replayed.locator("img[onerror]")).to_have_count(0)
    assert kp_dialogs == [], kp_dialogs
    # The console's own inline handler (the language <select onchange>) is replayed too; Chromium
    # reports it as *blocked* (the iframe has no allow-scripts). Nothing may report having run.
    assert not [e for e in kp_errors if "alert" in e or PAYLOAD in e], kp_errors


def _crafted_events(now_ms: int) -> list[dict]:
    """A full snapshot a malicious candidate could post by hand: script, event handlers, a
    javascript: link, an iframe with srcdoc — each would mark the examiner's page if it ran."""
    mark = "top.document.body.dataset.pwned='1';alert(1)"

    def el(node_id, tag, attributes=None, children=()):
        return {"type": 2, "tagName": tag, "attributes": attributes or {}, "childNodes": list(children), "id": node_id}

    body = el(5, "body", {}, [
        el(6, "img", {"src": "x", "onerror": mark}),
        el(7, "script", {}, [{"type": 3, "textContent": mark, "id": 8}]),
        el(9, "a", {"href": "javascript:" + mark, "id": "evil-link"}, [{"type": 3, "textContent": "点我", "id": 10}]),
        el(11, "svg", {"onload": mark}, []),
        el(12, "iframe", {"srcdoc": f"<script>{mark}</script>"}, []),
        el(13, "p", {}, [{"type": 3, "textContent": "恶意录像", "id": 14}]),
    ])
    document = {"type": 0, "childNodes": [
        {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 2},
        el(3, "html", {}, [el(4, "head"), body]),
    ], "id": 1}
    added = {"type": 2, "tagName": "img", "attributes": {"src": "y", "onerror": mark}, "childNodes": [], "id": 20}
    return [
        {"type": 4, "timestamp": now_ms, "data": {"href": "http://127.0.0.1/console/", "width": 1000, "height": 700}},
        {"type": 2, "timestamp": now_ms, "data": {"node": document, "initialOffset": {"left": 0, "top": 0}}},
        {"type": 3, "timestamp": now_ms + 1500, "data": {"source": 0, "texts": [], "attributes": [], "removes": [],
                                                         "adds": [{"parentId": 5, "nextId": None, "node": added}]}},
        {"type": 3, "timestamp": now_ms + 3000, "data": {"source": 2, "type": 2, "id": 9, "x": 10, "y": 10}},
    ]


@pytest.mark.csp_reports_expected("/replay/")
def test_a_crafted_recording_runs_no_script_in_the_examiners_page(new_page, login, exam_attempt):
    attempt = exam_attempt
    page = new_page()
    login(page, "rec_cand")
    page.goto("/console/")
    expect(page.locator("#rr-recorder")).to_have_attribute("data-attempt", str(attempt.pk))
    status = page.evaluate("""async ([url, events]) => {
        const csrf = document.getElementById('rr-recorder').dataset.csrf;
        const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
            body: JSON.stringify({segment: '0'.repeat(32), seq: 0, page_url: '/console/', events})});
        return r.status; }""", [f"/replay/ingest/{attempt.pk}/", _crafted_events(int(time.time() * 1000) - 60_000)])
    assert status == 200
    page.context.close()

    dialogs, errors = [], []
    page = new_page()
    _watch(page, dialogs, errors)
    login(page, "rec_kp")
    page.goto(f"/replay/{attempt.pk}/")
    expect(page.locator("#player")).to_have_attribute("data-state", "ready", timeout=20_000)
    replayed = page.frame_locator("#player iframe")
    expect(replayed.get_by_text("恶意录像")).to_be_attached()
    page.locator(".rr-controller__btns button").first.click()  # play to the end (3 s)
    page.wait_for_timeout(4000)
    replayed.locator("#evil-link").dispatch_event("click")
    page.wait_for_timeout(300)
    # the handlers really are in the rebuilt page (so this tests the sandbox, not a missing node) …
    expect(replayed.locator("img[onerror]")).to_have_count(2)
    # … and Chromium refused to run them
    assert any("Blocked script execution" in e for e in errors), errors
    assert dialogs == [], dialogs
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("#player iframe").get_attribute("sandbox") == "allow-same-origin"


def test_the_console_in_the_workspace_frame_records_itself_but_not_its_preview_frame(new_page, login, exam_attempt):
    """In an exam the console sits in the workspace's iframe: it records (the workspace page does not);
    the decoration page's storefront preview, a frame inside a recorded page, is left to the parent."""
    attempt = exam_attempt
    task = attempt.sitting_task
    page = new_page()
    login(page, "rec_cand")
    page.goto(f"/sitting/{task.sitting.registration_id}/tasks/{task.pk}/")
    console = page.frame_locator("iframe.console-frame")
    expect(console.locator("#rr-recorder")).to_have_attribute("data-attempt", str(attempt.pk))
    expect(page.locator("#rr-recorder")).to_have_count(0)
    console.get_by_role("link", name="店铺装修").click()
    expect(console.locator("#shop-preview")).to_be_visible()
    page.wait_for_timeout(1000)
    page.context.close()
    chunks = _wait_for_chunks(attempt, lambda cs: any(c.page_url.startswith("/console/decoration") for c in cs))
    urls = {c.page_url for c in chunks}
    assert all(url.startswith("/console/") for url in urls), urls
    assert len({c.segment for c in chunks}) == 2  # the console home and the decoration page
