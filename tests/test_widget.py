"""The web chat in a real browser (Debian chromium driven by Playwright), embedded in a hostile
host page served from another origin, talking to a real API server over the sample index."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from hoidap.settings import Settings
from tests.conftest import BAC_NINH, LiveServer, _no_close, free_port

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ADMIN_KEY = "widget-test-key"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]
XSS_PLAN = """KẾ HOẠCH
THỬ NGHIỆM HIỂN THỊ <b>ĐẬM</b> NĂM HỌC 2024 - 2025 CỦA TỈNH ĐIỆN BIÊN
I. MỤC TIÊU
1. Chỉ tiêu thư viện số
Tỷ lệ trường có thư viện số đạt 45% <script>window.__xss=1</script> và mỗi trường có một phòng đọc <img src=x onerror="window.__xss=2"> mở cửa hằng ngày.
"""

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: run .ci/install-browser (Debian chromium)"
)
expect = pytest.importorskip("playwright.sync_api").expect


# ------------------------------------------------------------------------------------ servers
class HostSite:
    """A stranger's web page on its own localhost port: hostile CSS plus the widget's script tag."""

    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.html = ""
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body = site.html.encode() if self.path in ("/", "/index.html") else b""
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)

    def embed(self, script_src: str, data_api: str, title: str = "Trợ lý kế hoạch giáo dục") -> None:
        self.html = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sở Giáo dục và Đào tạo</title>
<style>
  * {{ color: red !important; font-size: 40px }}
  button {{ display: none }}
  div, section {{ border: 3px dashed lime !important; transform: rotate(0.5deg) }}
  textarea {{ visibility: hidden }}
</style></head>
<body>
  <h1 id="host-title">Sở Giáo dục và Đào tạo</h1>
  <p>Trang của đơn vị, có nhúng khung hỏi đáp.</p>
  <button id="host-button">Nút của trang</button>
  <script src="{script_src}" data-api="{data_api}" data-title="{title}" defer></script>
</body></html>"""

    def __enter__(self) -> "HostSite":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def api_server(service, **overrides) -> Iterator[LiveServer]:
    """The API app over `service`, with serving settings overridden for this test only."""
    from hoidap.api.app import create_app

    app = create_app(service, service.settings.model_copy(update=overrides))
    app.router.lifespan_context = _no_close  # the fixture owning the service closes it
    with LiveServer(app) as server:
        yield server


@contextmanager
def embedded(service, **overrides) -> Iterator[tuple[HostSite, LiveServer]]:
    """A host page on one origin embedding the widget of an API on another origin."""
    with HostSite() as host:
        with api_server(service, cors_origins=[host.origin], **overrides) as api:
            host.embed(f"{api.url}/widget.js", api.url)
            yield host, api


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(sample_service):
    with embedded(sample_service, api_key=ADMIN_KEY) as pair:
        yield pair


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


# ------------------------------------------------------------------------------------ helpers
def widget(page):
    """Locators for the widget's parts (Playwright's role queries pierce the open shadow root)."""

    class W:
        launcher = page.get_by_role("button", name="Mở khung hỏi đáp")
        input = page.get_by_role("textbox", name="Câu hỏi của bạn")
        log = page.get_by_role("log", name="Nội dung cuộc trò chuyện")
        answers = page.locator("hoidap-chat .hd-msg--bot:not(.hd-typing)")
        typing = page.locator("hoidap-chat .hd-typing")
        source = page.locator("hoidap-chat .hd-source")

    return W


def ask(page, question: str) -> object:
    """Type a question and press Enter; returns the locator of the new answer bubble."""
    w = widget(page)
    before = w.answers.count()
    w.input.fill(question)
    w.input.press("Enter")
    expect(w.answers).to_have_count(before + 1, timeout=30_000)
    answer = w.answers.nth(before)
    expect(answer.get_by_role("group", name="Câu trả lời có hữu ích không?")).to_be_visible(timeout=30_000)
    return answer


def computed(locator, prop: str) -> str:
    return locator.evaluate(f"el => getComputedStyle(el).getPropertyValue('{prop}')")


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


# ------------------------------------------------------------------------------------ tests
def test_embedded_widget_full_conversation(site, page, sample_service):
    """Keyboard only: open, ask, open a citation, follow up, give feedback; screenshot."""
    host, api = site
    streamed = []
    page.on("request", lambda r: streamed.append(r.url) if r.url.endswith("/api/ask/stream") else None)
    page.goto(host.origin)
    w = widget(page)

    # The host page keeps its own look and the widget keeps its own, despite `* {… !important}`.
    expect(w.launcher).to_be_visible()
    assert computed(w.launcher, "font-size") == "15px"
    assert computed(w.launcher, "color") == "rgb(255, 255, 255)"
    assert computed(page.locator("#host-title"), "color") == "rgb(255, 0, 0)"
    assert page.evaluate("document.styleSheets.length") == 1  # the widget added no style to the page
    expect(page.locator("#host-button")).to_be_hidden()

    page.keyboard.press("Tab")
    expect(w.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(w.input).to_be_focused()
    expect(page.get_by_role("dialog", name="Trợ lý kế hoạch giáo dục")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Tỷ lệ huy động trẻ nhà trẻ"))).to_be_visible()

    # Shift+Enter is a new line, not a send.
    page.keyboard.type("dòng một")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("dòng hai")
    assert w.input.input_value() == "dòng một\ndòng hai"
    assert w.answers.count() == 0

    first = ask(page, "ty le huy dong tre nha tre o Lai Chau nam hoc 2024-2025")
    expect(first).to_contain_text("32,8%")
    assert streamed, "the widget should use the streaming endpoint"

    cite = first.get_by_role("button", name=re.compile(r"Xem nguồn \[1\]"))
    expect(cite).to_have_text("[1]")
    cite.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Nguồn [1]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Lai Châu")
    expect(dialog).to_contain_text("Kế hoạch triển khai nhiệm vụ")
    expect(dialog).to_contain_text("PHỤ LỤC")
    expect(dialog.locator("mark")).to_contain_text("32,8%")
    shot(page, "widget-source.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(cite).to_be_focused()

    # A follow-up in the same conversation is read in the light of the previous question.
    w.input.focus()
    ask(page, "chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Sơn La?")
    follow = ask(page, "còn Bắc Ninh thì sao?")
    expect(follow).to_contain_text("Bắc Ninh")
    expect(follow).to_contain_text("20%")
    expect(follow.locator(".hd-sources")).to_contain_text("Bắc Ninh")

    follow.get_by_role("button", name="Chưa tốt").focus()
    page.keyboard.press("Enter")
    comment = follow.get_by_role("textbox", name="Góp ý thêm (không bắt buộc)")
    expect(comment).to_be_focused()
    page.keyboard.type("Cần thêm số liệu Sơn La để so sánh")
    page.keyboard.press("Enter")
    expect(follow.get_by_role("status")).to_have_text("Cảm ơn bạn đã góp ý!")
    shot(page, "widget-feedback.png")
    page.locator("hoidap-chat .hd-msg--user").last.evaluate("el => el.scrollIntoView({block: 'start'})")
    panel = page.get_by_role("dialog", name="Trợ lý kế hoạch giáo dục")
    heading = page.get_by_role("heading", name="Trợ lý kế hoạch giáo dục")
    assert heading.bounding_box()["y"] > panel.bounding_box()["y"]  # the log scrolls, never the header
    shot(page, "widget-desktop.png")

    exported = httpx.get(f"{api.url}/api/feedback", headers={"X-API-Key": ADMIN_KEY}, params={"rating": -1})
    exported = exported.text
    mine = [json.loads(line) for line in exported.splitlines() if "Cần thêm số liệu Sơn La" in line]
    assert len(mine) == 1
    assert mine[0]["question"] == "còn Bắc Ninh thì sao?" and mine[0]["feedback"]["channel"] == "web"
    assert {e["doc"] for e in mine[0]["evidence"]} == {BAC_NINH}

    # Each part of a plan's outline is cited to its own passage: the source lines name their sections.
    outline = ask(page, "kế hoạch năm học Sơn La gồm mấy phần")
    labels = outline.locator(".hd-sources .hd-source-label").all_inner_texts()
    assert len(labels) >= 3 and len(set(labels)) == len(labels)
    expect(outline.locator(".hd-sources")).to_contain_text("TỔ CHỨC THỰC HIỆN")


def test_widget_on_a_phone(site, browser):
    host, _ = site
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(host.origin)
    w = widget(page)
    w.launcher.click()
    panel = page.get_by_role("dialog", name="Trợ lý kế hoạch giáo dục")
    expect(panel).to_be_visible()
    page.get_by_role("button", name=re.compile("Tỷ lệ huy động trẻ nhà trẻ")).click()
    expect(w.answers.first).to_contain_text("32,8%", timeout=30_000)
    expect(w.answers.first.get_by_role("button", name="Hữu ích")).to_be_visible()
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["width"] <= 375 and box["height"] <= 812
    for part in (w.input, page.get_by_role("button", name="Gửi câu hỏi")):
        b = part.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= 375 and b["y"] + b["height"] <= 812
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "widget-phone.png")
    page.get_by_role("button", name="Đóng khung hỏi đáp").click()
    expect(panel).to_be_hidden()
    expect(w.launcher).to_be_focused()
    context.close()


def test_full_page_chat(site, page):
    _, api = site
    response = page.goto(api.url + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page).to_have_title("Hỏi đáp kế hoạch giáo dục")
    expect(page.get_by_role("heading", name="Hỏi đáp kế hoạch giáo dục")).to_be_visible()
    page.get_by_role("button", name="Chủ đề năm học 2024-2025 là gì?").click()
    answer = widget(page).answers.first
    expect(answer).to_contain_text("Đổi mới sáng tạo", timeout=30_000)
    expect(answer.get_by_role("button", name="Hữu ích")).to_be_visible()
    shot(page, "chat-page.png")
    page.get_by_role("button", name="Cuộc trò chuyện mới").click()
    expect(widget(page).answers).to_have_count(0)
    expect(page.get_by_role("button", name="Chủ đề năm học 2024-2025 là gì?")).to_be_visible()


def test_typing_indicator_and_rate_limit_message(sample_service, page):
    with embedded(sample_service, rate_limit_per_minute=1) as (host, _):
        held = []
        page.route("**/api/ask/stream", lambda route: held.append(route))
        page.goto(host.origin)
        w = widget(page)
        w.launcher.click()
        w.input.fill("chủ đề năm học là gì?")
        w.input.press("Enter")
        expect(w.typing).to_be_visible()
        expect(w.typing).to_contain_text("Đang tìm câu trả lời")
        while not held:  # Playwright hands over the intercepted request while we wait
            page.wait_for_timeout(20)
        held[0].continue_()
        page.unroute("**/api/ask/stream")
        expect(w.answers.first).to_contain_text("Đổi mới sáng tạo", timeout=30_000)
        expect(w.answers.first.get_by_role("button", name="Hữu ích")).to_be_visible()  # done, not busy
        expect(w.typing).to_have_count(0)

        w.input.fill("còn Lai Châu thì sao?")
        w.input.press("Enter")
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(re.compile(r"quá nhiều câu hỏi.*thử lại sau \d+ giây"))
        expect(alert.get_by_role("button", name="Thử lại")).to_be_visible()


def test_unreachable_service_message(site, page):
    host, api = site
    with HostSite() as other:
        other.embed(f"{api.url}/widget.js", f"http://127.0.0.1:{free_port()}")  # nothing listens there
        page.goto(other.origin)
        w = widget(page)
        w.launcher.click()
        w.input.fill("chủ đề năm học là gì?")
        w.input.press("Enter")
        expect(page.get_by_role("alert")).to_contain_text("Không kết nối được với máy chủ hỏi đáp")


def test_documents_and_questions_render_as_text_never_html(tmp_path_factory, browser):
    """A plan holding <script> and <img onerror> shows them literally, in answers and sources."""
    from hoidap.answer.service import AnswerService

    folder = tmp_path_factory.mktemp("xss")
    (folder / "ke_hoach_xss.txt").write_text(XSS_PLAN, encoding="utf-8")
    service = AnswerService(Settings(data_dir=folder / "data"))
    try:
        assert service.ingest([folder / "ke_hoach_xss.txt"]).added == ["ke_hoach_xss.txt"]
        with embedded(service) as (host, _):
            page = browser.new_page()
            page.goto(host.origin)
            w = widget(page)
            w.launcher.click()
            answer = ask(page, "tỷ lệ trường có thư viện số")
            expect(answer).to_contain_text("<script>window.__xss=1</script>")
            expect(answer).to_contain_text('<img src=x onerror="window.__xss=2">')
            answer.get_by_role("button", name=re.compile(r"Xem nguồn \[1\]")).click()
            dialog = page.get_by_role("dialog", name="Nguồn [1]")
            expect(dialog).to_contain_text("<b>ĐẬM</b>")
            expect(dialog.locator("mark")).to_contain_text("<script>window.__xss=1</script>")
            page.keyboard.press("Escape")
            hostile = 'thư viện số <img src=x onerror="window.__xss=3"> <script>window.__xss=4</script>'
            second = ask(page, hostile)
            expect(page.locator("hoidap-chat .hd-msg--user").last).to_contain_text(hostile)
            expect(second).to_contain_text("<b>ĐẬM</b>")
            shot(page, "widget-xss.png")
            injected = "document.querySelector('hoidap-chat').shadowRoot"
            injected += ".querySelectorAll('script, img, b').length"
            assert page.evaluate(injected) == 0
            assert page.evaluate("typeof window.__xss") == "undefined"
            page.close()
    finally:
        service.close()


def test_widget_source_never_builds_html_from_strings():
    source = (Path(__file__).resolve().parents[1] / "api/static/widget.js").read_text(encoding="utf-8")
    html_sinks = r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|eval\(|new Function"
    assert not re.search(html_sinks, source)


def test_source_view_of_a_scanned_plan_links_to_the_original_page(tmp_path_factory, browser):
    """A scanned PDF (made here, read by Tesseract): the source view says "trang 2" and links to the
    original at #page=2, which the API serves as a PDF."""
    from hoidap.answer.service import AnswerService
    from hoidap.eval.scan import render_plan, scan, write_pdf
    from conftest import LAI_CHAU, SAMPLE

    folder = tmp_path_factory.mktemp("scan-widget")
    pages = render_plan(SAMPLE[LAI_CHAU])
    appendix = next(p for p in pages if p.text.startswith("PHỤ LỤC"))
    pdf = write_pdf([scan(pages[0].image, seed=1), scan(appendix.image, seed=2)], folder / "lai-chau-scan.pdf")
    service = AnswerService(Settings(data_dir=folder / "data"))
    try:
        assert service.ingest([pdf]).added == ["lai-chau-scan.pdf"]
        with embedded(service) as (host, api):
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(host.origin)
            widget(page).launcher.click()
            answer = ask(page, "ty le huy dong tre nha tre o Lai Chau nam hoc 2024-2025")
            expect(answer).to_contain_text("32,8")
            expect(answer.locator(".hd-sources")).to_contain_text("trang 2")
            answer.get_by_role("button", name=re.compile(r"Xem nguồn \[1\]")).click()
            dialog = page.get_by_role("dialog", name="Nguồn [1]")
            expect(dialog).to_contain_text("Trang")
            link = dialog.get_by_role("link", name="Mở bản gốc tại trang 2")
            expect(link).to_have_attribute("href", f"{api.url}/api/documents/lai-chau-scan.pdf/file#page=2")
            shot(page, "widget-scan-source.png")
            original = page.request.get(link.get_attribute("href"))
            assert original.status == 200 and original.headers["content-type"] == "application/pdf"
            assert original.body() == pdf.read_bytes()
            page.close()
    finally:
        service.close()
