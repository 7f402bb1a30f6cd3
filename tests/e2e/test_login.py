"""Logging in as each role lands where that role works."""

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
