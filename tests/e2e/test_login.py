"""Logging in as each role lands where that role works."""

import re

from playwright.sync_api import expect


def test_wrong_password_is_refused_with_a_message(new_page, make_user):
    make_user("cand_x")
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("cand_x")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的")
    assert "/accounts/login/" in page.url


def test_examiner_without_sandbox_sees_no_console(new_page, make_user, login):
    make_user("kaoping_x", role="examiner")
    page = new_page()
    login(page, "kaoping_x")
    expect(page.get_by_role("heading", level=1)).to_contain_text("欢迎")
    response = page.goto("/console/")
    assert response.status == 403


def test_a_neighbours_wrong_tickets_slow_the_candidate_until_the_examiner_unlocks(new_page, make_user, login):
    """One exam hall, one address: five wrong ID numbers typed for someone else's ticket make the
    candidate wait (the page says how long), never lock them out; 解除登录限制 on the board lets them
    in at once."""
    from datetime import timedelta

    from django.utils import timezone

    from sandbox.accounts.models import LoginUnlock
    from sandbox.exams.models import Exam, Registration

    examiner = make_user("kaoping_y", role="examiner")
    now = timezone.now()
    exam = Exam.objects.create(name="四级实操考试（登录）", window_start=now, window_end=now + timedelta(hours=2),
                               created_by=examiner)
    Registration.objects.create(exam=exam, candidate=make_user("T2025000199"), full_name="李四",
                                id_number="110101199001011234", ticket_number="2025000199")

    def ticket_login(page, id_number):
        page.goto("/exam/login/")
        page.get_by_label("准考证号").fill("2025000199")
        page.get_by_label("证件号码").fill(id_number)
        page.get_by_role("button", name="登录").click()

    neighbour = new_page()
    for _ in range(5):
        ticket_login(neighbour, "110101199001019999")
        expect(neighbour.get_by_role("alert")).to_contain_text("准考证号或证件号码不正确")
    candidate = new_page()
    ticket_login(candidate, "110101199001011234")
    expect(candidate.get_by_role("alert")).to_contain_text("秒后再试（输入正确即可登录）")
    assert "/exam/login/" in candidate.url

    board = new_page()
    login(board, "kaoping_y")
    board.goto(f"/review/{exam.pk}/board/")
    row = board.locator('tr[data-ticket="2025000199"]')
    expect(row).to_contain_text("登录受限（5 次输错）")
    row.get_by_role("button", name="解除登录限制").click()
    expect(board.get_by_text("已解除 2025000199 李四 的登录限制")).to_be_visible()
    assert LoginUnlock.objects.get().actor == "kaoping_y"

    ticket_login(candidate, "110101199001011234")
    expect(candidate).not_to_have_url(re.compile(r"/exam/login/"))
