"""Structure (section paths), metadata and chunking of the sample plans."""

from __future__ import annotations

import pytest

from hoidap.vietnamese import split_sentences
from hoidap.ingest.chunking import chunk_document
from hoidap.ingest.parse import parse_document
from tests.conftest import BAC_NINH, HOA_BINH_2024, HOA_BINH_285, LAI_CHAU, SAMPLE, SON_LA


def test_section_paths_follow_the_heading_hierarchy():
    doc = parse_document(SAMPLE[SON_LA])
    budget = next(p for p in doc.paragraphs if "tối thiểu 20% tổng chi ngân sách" in p.text)
    assert budget.section.startswith("II. CÁC NHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM NĂM HỌC 2024 - 2025 > 5. Sử dụng hiệu quả ngân sách")
    bac_ninh = parse_document(SAMPLE[BAC_NINH])
    lettered = next(p for p in bac_ninh.paragraphs if p.section.endswith("a) Căn cứ Kế hoạch này và tình hình thực tiễn của tỉnh, tham mưu UBND tỉnh ban hành các…") or p.text.startswith("a) "))
    assert "III. TỔ CHỨC THỰC HIỆN > 1. Sở Giáo dục và Đào tạo" in lettered.section


def test_a_numbered_item_written_as_a_sentence_sits_under_its_parent_not_its_previous_sibling():
    """"3. Cán bộ, công chức …" is item 3 of "III. TỔ CHỨC THỰC HIỆN", not part of item 2 (UBND huyện):
    a task question about UBND huyện must not be answered from it."""
    doc = parse_document(SAMPLE[BAC_NINH])
    staff = next(p for p in doc.paragraphs if p.text.startswith("3. Cán bộ, công chức, viên chức"))
    assert staff.section.endswith("TỔ CHỨC THỰC HIỆN"), staff.section
    son_la = parse_document(SAMPLE[SON_LA])
    items = [p for p in son_la.paragraphs if p.text.startswith(("2. Các sở, ban, ngành", "3. Chủ tịch Ủy ban nhân dân các huyện"))]
    assert len(items) == 2 and all(p.section == "III. TỔ CHỨC THỰC HIỆN" for p in items), [p.section for p in items]
    continuation = next(p for p in son_la.paragraphs if p.text.startswith("Căn cứ nhiệm vụ, giải pháp theo chỉ đạo"))
    assert continuation.section.startswith("III. TỔ CHỨC THỰC HIỆN > 1. Sở Giáo dục và Đào tạo chủ trì")


@pytest.mark.parametrize(
    "name, province, number, date, issuer, signer, year",
    [
        (SON_LA, "Sơn La", "1899/QĐ-UBND", "12/09/2024", "Chủ tịch Ủy ban nhân dân tỉnh Sơn La", "", "2024-2025"),
        (LAI_CHAU, "Lai Châu", "3707/KH-UBND", "17/09/2024", "Ủy ban nhân dân tỉnh Lai Châu", "Tống Thanh Hải", "2024-2025"),
        (HOA_BINH_285, "Hòa Bình", "", "02/2025", "Sở Giáo dục và Đào tạo tỉnh Hòa Bình", "", ""),
        (BAC_NINH, "Bắc Ninh", "1102/QĐ-UBND", "12/09/2024", "Chủ tịch UBND tỉnh Bắc Ninh", "Lê Xuân Lợi", "2024-2025"),
        (HOA_BINH_2024, "Hòa Bình", "", "", "Sở Giáo dục và Đào tạo tỉnh Hòa Bình", "Bùi Thị Kim Tuyến", "2024"),
    ],
)
def test_metadata_is_read_from_the_text(name, province, number, date, issuer, signer, year):
    meta = parse_document(SAMPLE[name]).metadata
    assert (meta.province, meta.number, meta.date, meta.issuer, meta.school_year) == (province, number, date, issuer, year)
    if signer:
        assert meta.signer == signer
    assert meta.title


def test_the_recipients_list_is_found_in_every_sample_plan_that_has_one():
    for name in (LAI_CHAU, HOA_BINH_285, BAC_NINH, HOA_BINH_2024):
        doc = parse_document(SAMPLE[name])
        at = doc.metadata.evidence["recipients"]
        assert next(p for p in doc.paragraphs if p.ordinal == at).text.startswith("Nơi nhận"), name
    assert "recipients" not in parse_document(SAMPLE[SON_LA]).metadata.evidence  # the Sơn La file has no such list


def test_titles_are_sentence_cased():
    assert parse_document(SAMPLE[LAI_CHAU]).metadata.title == (
        "Kế hoạch triển khai nhiệm vụ, giải pháp trọng tâm năm học 2024 - 2025 trên địa bàn tỉnh Lai Châu"
    )


@pytest.mark.parametrize("name", sorted(SAMPLE))
def test_chunks_never_cut_a_sentence_and_offsets_point_into_the_text(name):
    doc = parse_document(SAMPLE[name])
    chunks = chunk_document(doc, 900)
    assert chunks
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        para = next(p for p in doc.paragraphs if p.ordinal == chunk.paragraphs[0])
        # a chunk starts at a paragraph start or at a sentence start inside it
        starts = {para.start + a for a, _ in split_sentences(para.text)} | {para.start}
        assert chunk.start in starts
    assert len({c.id for c in chunks}) == len(chunks)


def test_chunk_ids_derive_from_content():
    a = chunk_document(parse_document(SAMPLE[SON_LA]), 900)
    b = chunk_document(parse_document(SAMPLE[SON_LA]), 900)
    assert [c.id for c in a] == [c.id for c in b]
