"""Scanned plans, read by real Tesseract (Debian tesseract-ocr-vie): pages made in the test from a
sample plan (DejaVu font, rotation, blur, noise, JPEG), wrapped into an image-only PDF, ingested,
asked about, and the citation's page and original file checked over real HTTP."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import LAI_CHAU, SAMPLE, LiveServer, _no_close
from hoidap.eval.scan import cer, render_plan, scan, write_pdf
from hoidap.ingest.chunking import chunk_document
from hoidap.ingest.ocr import needs_ocr, normalise_ocr, ocr_image
from hoidap.ingest.parse import parse_document
from hoidap.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
SCAN_NAME = "ke-hoach-lai-chau-ban-quet.pdf"
ADMIN_KEY = "ocr-test-key"


@pytest.fixture(scope="module")
def plan_pages():
    """Page 1 (running text) and the appendix table page of the Lai Châu plan, as printed."""
    pages = render_plan(SAMPLE[LAI_CHAU])
    appendix = next(p for p in pages if p.text.startswith("PHỤ LỤC"))
    return [pages[0], appendix]


@pytest.fixture(scope="module")
def scanned(plan_pages, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scans")
    return write_pdf([scan(p.image, seed=n) for n, p in enumerate(plan_pages)], folder / SCAN_NAME)


@pytest.fixture(scope="module")
def ocr_service(scanned, tmp_path_factory):
    from hoidap.answer.service import AnswerService

    service = AnswerService(Settings(data_dir=tmp_path_factory.mktemp("ocr-data")))
    report = service.ingest([scanned])
    assert report.ok, report.failed
    assert [(name, pages) for name, pages, _ in report.ocr] == [(SCAN_NAME, 2)]
    yield service
    service.close()


@pytest.fixture(scope="module")
def ocr_api(ocr_service):
    from hoidap.api.app import create_app

    app = create_app(ocr_service, ocr_service.settings.model_copy(update={"api_key": ADMIN_KEY}))
    app.router.lifespan_context = _no_close
    with LiveServer(app) as server:
        yield server


def test_ocr_reads_scanned_pages_with_few_errors(plan_pages):
    for number, page in enumerate(plan_pages):
        result = ocr_image(scan(page.image, seed=number))
        assert cer(page.text, "\n".join(result.lines)) < 0.02
        assert result.confidence > 0.8


def test_scanned_table_figure_is_answered_with_its_page(ocr_service):
    for question in ("Tỷ lệ huy động trẻ nhà trẻ năm học 2024-2025 ở Lai Châu phấn đấu bao nhiêu?",
                     "ty le huy dong tre nha tre nam hoc 2024-2025 o Lai Chau phan dau bao nhieu"):
        answer = ocr_service.ask(question)
        assert not answer.abstained, question
        assert "32,8" in answer.answer
        cited = [c for c in answer.citations if "32,8" in c.quote]
        assert cited and cited[0].page == 2 and cited[0].ocr
        assert 0.8 < cited[0].ocr_confidence <= 1


def test_scanned_running_text_is_cited_on_page_one(ocr_service):
    answer = ocr_service.ask("Lai Châu căn cứ Chỉ thị số 31/CT-TTg ngày nào?")
    assert not answer.abstained
    assert "04/9/2024" in answer.answer
    assert answer.citations[0].page == 1


def test_citation_links_to_the_original_at_its_page(ocr_api, scanned):
    body = httpx.post(f"{ocr_api.url}/api/ask", json={"question": "ty le huy dong tre nha tre o Lai Chau"}).json()
    link = next(c["original"] for c in body["citations"] if c["page"] == 2)
    assert link == f"/api/documents/{SCAN_NAME}/file#page=2"
    response = httpx.get(ocr_api.url + link.split("#")[0])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert SCAN_NAME in response.headers["content-disposition"]
    assert response.content == scanned.read_bytes()


@pytest.mark.parametrize("path", [
    "/api/documents/../../../../etc/passwd/file",
    "/api/documents/..%2F..%2F..%2Fetc%2Fpasswd/file",
    "/api/documents/%2Fetc%2Fpasswd/file",
    "/api/documents/..%5C..%5Cqdrant/file",
    "/api/documents/%252e%252e%252fqdrant/file",
    "/api/documents/../qdrant/file",
    "/api/documents/..%2Fqdrant/file",
    "/api/documents/%2e%2e/file",
    "/api/documents/khong-co.pdf/file",
])
def test_file_endpoint_refuses_paths_outside_the_store(ocr_api, path):
    conn = http.client.HTTPConnection("127.0.0.1", ocr_api.port, timeout=10)
    conn.request("GET", path)  # sent as is: no client-side normalisation of ../ or %2F
    response = conn.getresponse()
    body = response.read()
    assert 400 <= response.status < 500, (path, response.status)
    assert b"root:" not in body


def test_uploaded_page_image_keeps_its_original_until_deleted(ocr_api, plan_pages, tmp_path):
    image = tmp_path / "trang-1.png"
    scan(plan_pages[0].image, seed=7).save(image)
    key = {"X-API-Key": ADMIN_KEY}
    with image.open("rb") as f:
        report = httpx.post(f"{ocr_api.url}/api/admin/ingest", headers=key, timeout=300,
                            files=[("files", ("trang-1.png", f, "image/png"))]).json()
    assert report["ok"] and report["added"] == ["trang-1.png"]
    assert report["ocr"][0].startswith("trang-1.png: 1 trang")
    original = httpx.get(f"{ocr_api.url}/api/documents/trang-1.png/file")
    assert original.status_code == 200 and original.headers["content-type"] == "image/png"
    assert original.content == image.read_bytes()
    assert httpx.delete(f"{ocr_api.url}/api/admin/documents/trang-1.png", headers=key).status_code == 200
    assert httpx.get(f"{ocr_api.url}/api/documents/trang-1.png/file").status_code == 404


def test_text_layer_pdf_chunks_record_their_pages():
    doc = parse_document(FIXTURES / "two_pages.pdf")
    chunks = chunk_document(doc, 900)
    assert all(c.pages and not c.ocr for c in chunks)
    spanning = next(c for c in chunks if "Tăng cường ứng dụng" in c.text)
    assert spanning.pages == [1, 2]  # the sentence runs across the page break
    assert next(c for c in chunks if "phù hợp thực tế" in c.text).pages == [2]


def test_text_layer_decides_whether_a_page_needs_ocr():
    assert not needs_ocr(SAMPLE[LAI_CHAU].read_text(encoding="utf-8")[:3000])
    assert needs_ocr("")
    assert needs_ocr("Kº ho¡ch tri¿n khai nhi»m vå nm hÍc 2024 - 2025 trên ½a bàn t¯nh")


@pytest.mark.parametrize("raw, fixed", [
    ("Tỷ lệ đạt 32,7°/o", "Tỷ lệ đạt 32,7%"),
    ("đạt 95 o/o", "đạt 95%"),
    ("năm học 2O24", "năm học 2024"),
    ("Toa\u0301n ti\u0309nh", "Toán tỉnh"),  # decomposed marks recomposed (NFC)
    ("toa \u0301n", "toán"),  # a tone mark detached by a space
    ("ca\u00b4c bu\u02cbi", "các bùi"),  # spacing accents read instead of tone marks
    ("32.7", "32,7"),  # a table cell with a decimal point misread for the comma
    ("1.1. Mục tiêu", "1.1. Mục tiêu"),  # heading numbers keep their points
    ("1.234", "1.234"),  # a thousands separator stays
    ("Chỉ tiêu 100% đạt; lớp 1, 2", "Chỉ tiêu 100% đạt; lớp 1, 2"),  # well-formed text untouched
])
def test_ocr_normalisation(raw, fixed):
    assert normalise_ocr(raw) == fixed


def test_without_tesseract_a_scan_is_refused_by_name_and_the_batch_goes_on(scanned, tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    text = tmp_path / "ghi-chu.txt"
    text.write_text("Kế hoạch kiểm tra học kỳ I năm học 2024-2025.\n", encoding="utf-8")
    env = {**os.environ, "PATH": str(empty_bin), "HOIDAP_DATA_DIR": str(tmp_path / "data")}
    run = subprocess.run([sys.executable, "-m", "hoidap", "ingest", str(scanned), str(text)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 1
    assert SCAN_NAME in run.stderr and "tesseract-ocr-vie" in run.stderr
    assert "+ ghi-chu.txt" in run.stdout


def test_bot_passage_shows_the_page_and_links_to_the_original(ocr_service):
    from dataclasses import asdict

    from hoidap.bot.render import render_passage, source_line
    from telegram_standin import parse_telegram_html

    answer = ocr_service.ask("ty le huy dong tre nha tre o Lai Chau nam hoc 2024-2025")
    citation = asdict(next(c for c in answer.citations if c.page == 2))
    assert "trang 2" in source_line(citation)
    without_url = render_passage(citation)
    assert "trang 2" in without_url and "href" not in without_url
    html = render_passage(citation, "https://hoidap.example.gov.vn/")
    parse_telegram_html(html)  # Telegram would accept it
    assert f'href="https://hoidap.example.gov.vn/api/documents/{SCAN_NAME}/file#page=2"' in html
    assert "Mở bản gốc, trang 2" in html


def test_rows_of_a_table_across_a_page_break_keep_their_own_page():
    from hoidap.ingest.repair import repair
    from hoidap.ingest.structure import build_paragraphs
    from hoidap.models import TextBlock

    page1 = ["TT", "Chỉ tiêu", "Đơn vị", "Giá trị", "1", "Tỷ lệ trẻ nhà trẻ", "%", "32,8"]
    page2 = ["2", "Tỷ lệ trẻ mẫu giáo", "%", "99,85"]
    blocks = [TextBlock(t, pages=[1], ocr_confidence=0.9) for t in page1] + [TextBlock("", pages=[2])]
    blocks += [TextBlock(t, pages=[2], ocr_confidence=0.7) for t in page2]
    rows = [p for p in build_paragraphs(repair(blocks)) if p.kind == "table_row"]
    assert [(p.text.split(" — ")[0], p.pages) for p in rows] == [("Tỷ lệ trẻ nhà trẻ", [1]), ("Tỷ lệ trẻ mẫu giáo", [2])]
    assert all(p.ocr_confidence == 0.7 for p in rows)  # the table's weakest page


def test_quotes_from_a_low_confidence_page_carry_a_note():
    from hoidap.answer.types import LOW_OCR_CONFIDENCE, Citation
    from hoidap.models import Chunk, DocumentMetadata, Hit

    def cite(confidence):
        chunk = Chunk("id", "scan.pdf", "scan.pdf", 0, "Tỷ lệ đạt 32,8%.", "", [0], 0, 16, "text",
                      DocumentMetadata(), pages=[3], ocr=confidence is not None, ocr_confidence=confidence)
        return Citation.from_hit(1, Hit(chunk, 1.0), chunk.text)

    assert cite(None).note == "" and cite(0.93).note == ""
    low = cite(LOW_OCR_CONFIDENCE - 0.2)
    assert low.page == 3 and low.ocr and "đối chiếu" in low.note and "60%" in low.note


def test_a_page_that_cannot_be_read_is_reported_by_file_and_page(plan_pages, tmp_path):
    from hoidap.ingest.readers import _Pages

    def damaged():
        raise OSError("image file is truncated")

    warnings: list[str] = []
    pages = _Pages(tmp_path / "ban-quet.pdf", progress=False, warnings=warnings)
    pages.ocr(1, damaged)
    pages.ocr(2, lambda: scan(plan_pages[0].image, seed=3))
    assert warnings == ["ban-quet.pdf, trang 1: không đọc được trang (OSError: image file is truncated)"]
    blocks = pages.blocks()
    assert blocks and all(b.pages == [2] for b in blocks)  # page 2 kept, with its number
