"""Ingestion repairs each quirk of the sample plans (one test per quirk)."""

from __future__ import annotations

from hoidap.models import TableBlock, TextBlock
from hoidap.ingest.parse import parse_document
from hoidap.ingest.repair import repair
from tests.conftest import BAC_NINH, HOA_BINH_2024, HOA_BINH_285, LAI_CHAU, SAMPLE, SON_LA


def paragraphs(name: str) -> list[str]:
    return [p.text for p in parse_document(SAMPLE[name]).paragraphs]


def test_pdf_hard_wrapped_lines_become_whole_paragraphs():
    texts = paragraphs(HOA_BINH_2024)
    joined = [t for t in texts if t.startswith("Căn cứ Nghị quyết số 19-NQ/TU")]
    assert len(joined) == 1
    # a line that ended in "2752/QĐ-" continues without a space, and the paragraph runs to its end
    assert "Quyết định số 2752/QĐ-UBND ngày 28/11/2023" in joined[0]
    assert joined[0].endswith("giai đoạn 2023-2030”;")
    assert not any(t.startswith(("mới trên địa bàn", "UBND ngày")) for t in texts)


def test_paragraph_broken_across_pages_continues_in_lowercase():
    texts = paragraphs(HOA_BINH_285)
    whole = [t for t in texts if "tạo sự đồng thuận và tích cực tham gia" in t]
    assert len(whole) == 1
    assert not any(t.startswith("và tích cực tham gia") for t in texts)


def test_flattened_table_rows_read_as_statements_with_column_meaning():
    doc = parse_document(SAMPLE[LAI_CHAU])
    rows = [p for p in doc.paragraphs if p.kind == "table_row"]
    assert len(rows) == 26
    first = rows[0].text
    assert first.startswith("Tỷ lệ huy động trẻ nhà trẻ")
    assert "Năm học 2023-2024, chỉ tiêu đạt được: 32,7%" in first
    assert "Năm học 2024-2025, chỉ tiêu phấn đấu: 32,8%" in first
    assert "106 xã" in rows[4].text
    assert rows[0].section.startswith("PHỤ LỤC")
    assert "\nTT\n" not in doc.text and "\n%\n" not in doc.text


def test_two_level_header_from_docx_style_table_block():
    table = TableBlock(
        rows=[["TT", "Chỉ tiêu", "Năm 2024", "Năm 2024"], ["TT", "Chỉ tiêu", "Đơn vị", "Kết quả"], ["1", "Tỷ lệ X", "%", "50"]],
        header_rows=2,
    )
    from hoidap.ingest.tables import row_statements

    assert row_statements(table) == ["Tỷ lệ X — Năm 2024, kết quả: 50%."]


def test_footnotes_are_tied_to_the_paragraph_that_cites_them():
    doc = parse_document(SAMPLE[SON_LA])
    citing = [p for p in doc.paragraphs if "1" in p.footnotes]
    assert len(citing) == 1
    assert citing[0].footnotes["1"].startswith("Kế hoạch 164-KH/TU")
    assert "[1]" not in citing[0].text and "¹" in citing[0].text  # never confused with answer citations
    notes = [p for p in doc.paragraphs if p.kind == "footnote"]
    assert len(notes) == 12
    assert notes[0].section.endswith("Chú thích 1") and notes[0].section.startswith("II.")
    assert not any(p.text.startswith("[1]") for p in doc.paragraphs)


def test_page_furniture_and_broken_years_are_cleaned():
    lai_chau = parse_document(SAMPLE[LAI_CHAU]).text
    assert "Nguồn tra cứu" not in lai_chau
    bac_ninh = parse_document(SAMPLE[BAC_NINH]).text
    assert "20 24" not in bac_ninh and "năm học 2024 - 2025 của ngành Giáo dục" in bac_ninh


def test_page_number_lines_are_dropped_but_table_numbers_kept():
    raw = [TextBlock(t) for t in ["Tăng cường công tác kiểm tra", "3", "", "giám sát ở các trường."]]
    out = repair(raw).blocks
    assert [b.text for b in out] == ["Tăng cường công tác kiểm tra giám sát ở các trường."]


def test_signature_block_is_one_paragraph():
    texts = paragraphs(LAI_CHAU)
    assert "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH Tống Thanh Hải" in texts
