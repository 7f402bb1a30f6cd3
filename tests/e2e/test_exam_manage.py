"""Exam administration as an examiner does it, in real Chromium: create an exam with a two-task
paper, import candidates (a file with a bad row is refused whole, the fixed file goes in), print
the admission tickets; then a candidate logs in with ticket number + ID number."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from sandbox.exams.models import Exam, Registration

from ..unit.test_exam_import import ID_A, ID_X, resident_id

HEADER = "姓名,证件类型,证件号码,级别,过程模块成绩,理论成绩"


def _csv(*lines: str) -> dict:
    text = "\r\n".join([HEADER, *lines]) + "\r\n"
    return {"name": "考生名单.csv", "mimeType": "text/csv", "buffer": b"\xef\xbb\xbf" + text.encode("utf-8")}


def test_examiner_sets_up_an_exam_and_a_candidate_logs_in_with_the_ticket(new_page, make_user, login):
    make_user("kaoping_e2e", role="examiner")
    page = new_page()
    login(page, "kaoping_e2e")
    page.get_by_role("link", name=re.compile("考试管理")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("考试列表")

    # the exam
    page.get_by_role("link", name="新建考试").click()
    start = timezone.localtime(timezone.now() + timedelta(days=2)).replace(hour=10, minute=30)
    page.get_by_label("考试名称").fill("2026年四级实操（浏览器测试）")
    page.get_by_label("级别").select_option(label="四级 / 中级工")
    page.get_by_label("考试时长（分钟）").fill("90")
    page.get_by_label("开考时间").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("截止时间").fill((start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("考场规则").fill("独立完成，不得交流。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("截止时间必须晚于开考时间")
    assert not Exam.objects.exists()
    page.get_by_label("截止时间").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已创建考试")
    exam = Exam.objects.get()

    # the paper: two catalog scenarios, then swap them
    for option in ("店铺首页装修（shop-decoration）", "订单处理（order-fulfilment）"):
        page.get_by_label("场景").select_option(label=option)
        page.get_by_role("button", name="添加试题").click()
        expect(page.get_by_role("status")).to_contain_text("已添加试题")
    parts = page.locator("table.parts tbody tr")
    expect(parts).to_have_count(2)
    page.get_by_role("button", name="上移 订单处理").click()
    expect(parts.first).to_contain_text("订单处理")
    assert list(exam.parts.order_by("position").values_list("scenario_slug", flat=True)) == [
        "order-fulfilment", "shop-decoration"]

    # a file with one bad row: the row's problem is shown, nobody is imported
    page.get_by_role("link", name="导入考生").click()
    bad_id = ID_A[:-1] + ("1" if ID_A[-1] != "1" else "2")
    second = resident_id("11010519851231002")
    page.get_by_label("考生名单文件（CSV 或 XLSX）").set_input_files(
        _csv(f"张三,居民身份证,{ID_X.lower()},四级,85,72", f"李四,居民身份证,{bad_id},四级,,"))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_role("alert")).to_contain_text("未导入任何考生")
    problem = page.locator("table.problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("3")
    expect(problem).to_contain_text("证件号码")
    expect(problem).to_contain_text("校验位")
    assert not Registration.objects.exists()

    # the fixed file goes in
    page.get_by_label("考生名单文件（CSV 或 XLSX）").set_input_files(
        _csv(f"张三,居民身份证,{ID_X.lower()},四级,85,72", f"李四,居民身份证,{second},四级,,"))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_role("status")).to_contain_text("已导入 2 名考生")
    zhang = Registration.objects.get(full_name="张三")
    row = page.get_by_role("row", name=re.compile("张三"))
    expect(row).to_contain_text(zhang.ticket_number)
    expect(row).to_contain_text(ID_X[:4] + "**********" + ID_X[-4:])
    expect(page.get_by_text(ID_X)).to_have_count(0)

    # the admission tickets
    page.get_by_role("link", name="打印全部准考证").click()
    tickets = page.locator("article.ticket")
    expect(tickets).to_have_count(2)
    first = page.get_by_role("article", name=f"准考证 {zhang.ticket_number}")
    expect(first).to_contain_text("张三")
    expect(first).to_contain_text("四级 / 中级工")
    expect(first).to_contain_text("90 分钟")
    box = first.locator(".ticket-photo").bounding_box()
    assert abs(box["width"] / box["height"] - 33 / 48) < 0.02  # the 33 mm × 48 mm photo box
    expect(page.get_by_role("button", name="打印")).to_be_visible()

    # the candidate logs in with ticket number + ID number
    candidate = new_page()
    candidate.goto("/accounts/login/")
    candidate.get_by_role("link", name="准考证登录").click()
    candidate.get_by_label("准考证号").fill(zhang.ticket_number)
    candidate.get_by_label("证件号码").fill(second)  # someone else's ID number
    candidate.get_by_role("button", name="登录").click()
    expect(candidate.get_by_role("alert")).to_contain_text("准考证号或证件号码不正确")
    candidate.get_by_label("证件号码").fill(ID_X.lower())
    candidate.get_by_role("button", name="登录").click()
    expect(candidate).not_to_have_url(re.compile(r"/exam/login/"))
    candidate.goto(f"/exam/my-ticket/{zhang.pk}/")
    expect(candidate.locator("article.ticket")).to_contain_text(zhang.ticket_number)
    other = Registration.objects.get(full_name="李四")
    assert candidate.goto(f"/exam/my-ticket/{other.pk}/").status == 404
