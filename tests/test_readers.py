"""Readers turn real files into raw blocks: what the repair step and users rely on."""

from __future__ import annotations

import io
import random
import unicodedata
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

from docx import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.parser import parse_xml
from pypdf import PdfReader, PdfWriter

from hoidap.models import TableBlock, TextBlock
from hoidap.ingest.readers import SUPPORTED_SUFFIXES, UnreadableDocument, read_blocks

FIXTURES = Path(__file__).resolve().parent / "fixtures"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def nfd(text: str) -> str:
    """Decomposed Vietnamese, as some editors and PDFs produce it."""
    return unicodedata.normalize("NFD", text)


def texts(blocks: list) -> list[str]:
    """Text of the TextBlocks, in order."""
    return [b.text for b in blocks if isinstance(b, TextBlock)]


def assert_all_nfc(blocks: list) -> None:
    """Every string a reader returns is NFC."""
    for block in blocks:
        if isinstance(block, TextBlock):
            strings = [block.text]
        else:
            strings = [cell for row in block.rows for cell in row]
        for s in strings:
            assert unicodedata.is_normalized("NFC", s), repr(s)


def assert_unreadable(path: Path, *fragments: str) -> UnreadableDocument:
    """read_blocks raises UnreadableDocument, one line, naming the file."""
    with pytest.raises(UnreadableDocument) as caught:
        read_blocks(path)
    message = str(caught.value)
    assert path.name in message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment.lower() in message.lower()
    return caught.value


# ---------------------------------------------------------------- general


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == frozenset(
        {".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
    )


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "bảng điểm.xlsx"
    path.write_bytes(b"PK\x03\x04whatever")
    assert_unreadable(path, "unsupported")


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "GHI CHU.TXT"
    path.write_text("Xin chào\n", encoding="utf-8")
    assert texts(read_blocks(path)) == ["Xin chào"]


def test_missing_file(tmp_path: Path) -> None:
    assert_unreadable(tmp_path / "không có.txt", "not found")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "thư mục.pdf"
    folder.mkdir()
    assert_unreadable(folder, "directory")


@pytest.mark.parametrize("name", ["rỗng.txt", "rỗng.md", "rỗng.docx", "rỗng.pdf", "rỗng.html"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert_unreadable(path, "empty")


def test_exception_is_picklable(tmp_path: Path) -> None:
    import pickle

    error = assert_unreadable(tmp_path / "mất.txt")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and copy.path == error.path


# ---------------------------------------------------------------- .txt


def test_txt_keeps_raw_lines_and_normalises_characters(tmp_path: Path) -> None:
    raw = (
        nfd("KẾ HOẠCH\r\n")
        + "\r\n"
        + "1. Mục\u00a0tiêu\u200b chung\r\n"
        + nfd("đạt chuẩn\r\n")
        + "a)\r\n"
        + "   thụt lề  \r\n"
    )
    path = tmp_path / "kế hoạch.txt"
    path.write_bytes(raw.encode("utf-8"))
    blocks = read_blocks(path)
    assert blocks == [
        TextBlock("KẾ HOẠCH"),
        TextBlock(""),
        TextBlock("1. Mục tiêu chung"),
        TextBlock("đạt chuẩn"),
        TextBlock("a)"),
        TextBlock("   thụt lề  "),
    ]
    assert_all_nfc(blocks)


def test_txt_utf8_bom_and_final_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffDòng đầu\n\nDòng cuối".encode("utf-8"))
    assert texts(read_blocks(path)) == ["Dòng đầu", "", "Dòng cuối"]


def test_txt_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes("Trường học\nHọc sinh\n".encode("utf-16"))
    assert texts(read_blocks(path)) == ["Trường học", "Học sinh"]


@pytest.mark.parametrize("codec", ["cp1258", "latin-1"])
def test_txt_legacy_encoding_is_refused_not_guessed(tmp_path: Path, codec: str) -> None:
    path = tmp_path / f"cũ {codec}.txt"
    path.write_bytes("Ghi chú: đã xong\n".encode(codec, errors="replace").replace(b"?", b"\xe9"))
    assert_unreadable(path, "utf-8")


def sample_corpus_files() -> list[Path]:
    """Plain-text sample plans: hoidap/sample_corpus, else the shared corpus beside the repo."""
    for folder in (ROOT / "hoidap" / "sample_corpus", ROOT.parent / "shared" / "corpus"):
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        if files:
            return files
    return []


def test_sample_corpus_line_counts() -> None:
    files = sample_corpus_files()
    if not files:
        pytest.skip("no sample corpus available")
    for path in files:
        raw = path.read_text(encoding="utf-8-sig")
        raw_lines = raw.count("\n") + (0 if raw.endswith("\n") else 1)
        blocks = read_blocks(path)
        assert len(blocks) == raw_lines, path.name
        assert all(isinstance(b, TextBlock) and "\u00a0" not in b.text for b in blocks)
        assert_all_nfc(blocks)


# ---------------------------------------------------------------- .md

MARKDOWN = """\
# Kế hoạch **năm học** 2024 - 2025

## I. Mục tiêu ##
Nâng cao *chất lượng* giáo dục, xem [hướng dẫn](https://example.org/hd) và `mã_số_01`.
![sơ đồ](img/so-do.png)
Ghi chú: 5 * 3 * 2 = 30, biến so_luong_hoc_sinh, dấu \\*sao\\*, __nhấn mạnh__.

- Mục một
* Mục hai
+ Mục ba
1. Bước một
2) Bước hai

| Trường | Số lớp | Ghi chú |
|:-------|-------:|---------|
| THCS Lê Lợi | 12 | **đạt chuẩn** |
| Tiểu học A | 8 |
Sau bảng.
> Trích dẫn
---
"""


def test_markdown(tmp_path: Path) -> None:
    path = tmp_path / "kế hoạch.md"
    path.write_text(nfd(MARKDOWN), encoding="utf-8")
    blocks = read_blocks(path)
    assert_all_nfc(blocks)
    tables = [b for b in blocks if isinstance(b, TableBlock)]
    assert len(tables) == 1
    assert tables[0] == TableBlock(
        rows=[
            ["Trường", "Số lớp", "Ghi chú"],
            ["THCS Lê Lợi", "12", "đạt chuẩn"],
            ["Tiểu học A", "8", ""],
        ],
        header_rows=1,
    )
    assert [b for b in blocks if isinstance(b, TextBlock) and b.heading_level] == [
        TextBlock("Kế hoạch năm học 2024 - 2025", heading_level=1),
        TextBlock("I. Mục tiêu", heading_level=2),
    ]
    lines = texts(blocks)
    assert "Nâng cao chất lượng giáo dục, xem hướng dẫn và mã_số_01." in lines
    assert "Ghi chú: 5 * 3 * 2 = 30, biến so_luong_hoc_sinh, dấu *sao*, nhấn mạnh." in lines
    assert not any("so-do" in line or "sơ đồ" in line for line in lines)
    assert lines[lines.index("- Mục một") : lines.index("- Mục một") + 5] == [
        "- Mục một",
        "- Mục hai",
        "- Mục ba",
        "1. Bước một",
        "2) Bước hai",
    ]
    assert lines[-3:] == ["Sau bảng.", "Trích dẫn", ""]
    assert "" in lines[:4]  # blank line after the title is kept


def test_markdown_code_fence_kept_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "code.md"
    source = "Trước\n```\n# không phải tiêu đề\n**giữ nguyên**\n```\nSau\n"
    path.write_text(source, encoding="utf-8")
    assert read_blocks(path) == [
        TextBlock("Trước"),
        TextBlock("# không phải tiêu đề"),
        TextBlock("**giữ nguyên**"),
        TextBlock("Sau"),
    ]


# ---------------------------------------------------------------- .docx


def footnote_part(document: Document) -> None:
    """Attach a footnotes part (python-docx cannot create footnotes itself)."""
    xml = (
        f'<w:footnotes xmlns:w="{W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
        "</w:r></w:p></w:footnote>"
        '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>'
        '<w:r><w:t xml:space="preserve"> Quyết định số 123/QĐ-UBND ngày 05/9/2024.</w:t></w:r>'
        "</w:p></w:footnote></w:footnotes>"
    ).encode()
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml, document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)


def build_docx(path: Path) -> None:
    """A small plan: title, headings, Vietnamese paragraphs, a table with merges, a footnote."""
    document = Document()
    document.add_heading(nfd("Kế hoạch năm học 2024 - 2025"), level=0)
    document.add_heading("I. MỤC TIÊU", level=1)
    document.add_paragraph(nfd("1. Nâng cao chất lượng giáo dục toàn diện."))
    document.add_paragraph("")
    broken = document.add_paragraph("Dòng một")
    broken.add_run().add_break()
    broken.add_run("dòng hai\u00a0có khoảng trắng lạ")
    inserted = document.add_paragraph("Văn bản ")
    insertion = '<w:r><w:t>được chèn thêm</w:t></w:r>'  # a tracked change
    inserted._p.append(parse_xml(f'<w:ins xmlns:w="{W_NS}" w:id="9" w:author="GV">{insertion}</w:ins>'))
    cited = document.add_paragraph("Căn cứ quyết định")
    cited.add_run()._r.append(parse_xml(f'<w:footnoteReference xmlns:w="{W_NS}" w:id="1"/>'))
    document.add_heading("1. Chỉ tiêu", level=2)

    table = document.add_table(rows=4, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "Trường"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Kết quả"
    table.cell(1, 1).text = "Số lớp"
    table.cell(1, 2).text = "Tỉ lệ"
    table.cell(2, 0).text = "THCS Lê Lợi"
    table.cell(2, 1).text = "12"
    table.cell(2, 2).text = "98%"
    table.cell(3, 0).text = "Tiểu học A"
    table.cell(3, 1).text = "8"
    table.cell(3, 2).text = "95%"
    for row in table.rows[:2]:  # both rows repeat as header rows in Word
        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))

    plain = document.add_table(rows=2, cols=2)
    for (r, c), text in zip([(0, 0), (0, 1), (1, 0), (1, 1)], ["Mục", "Nội dung", "1", "Dạy học"]):
        plain.cell(r, c).text = text
    document.add_paragraph("Sau bảng.")
    footnote_part(document)
    document.save(str(path))


def test_docx_blocks_in_document_order(tmp_path: Path) -> None:
    path = tmp_path / "kế hoạch.docx"
    build_docx(path)
    blocks = read_blocks(path)
    assert_all_nfc(blocks)
    kinds = ["table" if isinstance(b, TableBlock) else b.text for b in blocks]
    assert kinds == [
        "Kế hoạch năm học 2024 - 2025",
        "I. MỤC TIÊU",
        "1. Nâng cao chất lượng giáo dục toàn diện.",
        "",
        "Dòng một",
        "dòng hai có khoảng trắng lạ",
        "Văn bản được chèn thêm",
        "Căn cứ quyết định[1]",
        "1. Chỉ tiêu",
        "table",
        "table",
        "Sau bảng.",
        "",
        "[1] Quyết định số 123/QĐ-UBND ngày 05/9/2024.",
    ]
    levels = [b.heading_level for b in blocks if isinstance(b, TextBlock)]
    assert levels[:3] == [1, 1, None]  # Title -> 1, Heading 1 -> 1
    assert blocks[8] == TextBlock("1. Chỉ tiêu", heading_level=2)


def test_docx_table_repeats_merged_cells(tmp_path: Path) -> None:
    path = tmp_path / "bảng.docx"
    build_docx(path)
    merged, plain = [b for b in read_blocks(path) if isinstance(b, TableBlock)]
    assert merged.rows == [
        ["Trường", "Kết quả", "Kết quả"],  # horizontal merge: text in both positions
        ["Trường", "Số lớp", "Tỉ lệ"],  # vertical merge: text repeated downwards
        ["THCS Lê Lợi", "12", "98%"],
        ["Tiểu học A", "8", "95%"],
    ]
    assert merged.header_rows == 2  # rows marked w:tblHeader
    assert plain == TableBlock([["Mục", "Nội dung"], ["1", "Dạy học"]], header_rows=1)


def test_corrupt_docx_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "hỏng.docx"
    path.write_bytes(random.Random(7).randbytes(4096))
    assert_unreadable(path, "docx")


def test_zip_that_is_not_a_docx(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "không phải docx")
    path = tmp_path / "giả.docx"
    path.write_bytes(buffer.getvalue())
    assert_unreadable(path, "docx")


def test_legacy_doc_renamed_to_docx(tmp_path: Path) -> None:
    path = tmp_path / "cũ.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    assert_unreadable(path, ".doc")


def test_docx_without_text(tmp_path: Path) -> None:
    path = tmp_path / "trống.docx"
    Document().save(str(path))
    assert_unreadable(path, "no extractable text")


# ---------------------------------------------------------------- .pdf


def test_pdf_pages_without_page_numbers(tmp_path: Path) -> None:
    blocks = read_blocks(FIXTURES / "two_pages.pdf")
    assert all(isinstance(b, TextBlock) for b in blocks)
    assert_all_nfc(blocks)
    lines = texts(blocks)
    assert lines == [
        "KẾ HOẠCH",
        "Triển khai nhiệm vụ năm học 2024 - 2025",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Nâng cao chất lượng giáo dục toàn diện, chú trọng",
        "giáo dục đạo đức, lối sống cho học sinh.",
        "2. Tăng cường ứng dụng công nghệ thông tin trong dạy học và",
        "",  # page boundary inside the sentence
        "quản lý giáo dục ở tất cả các cấp học.",
        "II. NỘI DUNG",
        "Các trường xây dựng kế hoạch giáo dục phù hợp thực tế.",  # NFD in the PDF
    ]


def test_pdf_running_header_and_footer_dropped() -> None:
    lines = texts(read_blocks(FIXTURES / "three_pages.pdf"))
    assert lines == [
        "Hướng dẫn tổ chức dạy học môn Tiếng Việt.",
        "Mục tiêu của trang một.",
        "",
        "Nội dung của trang hai.",
        "Các trường thực hiện đúng tiến độ.",
        "",
        "Nội dung của trang ba.",
        "Báo cáo kết quả trước ngày 30/5/2025.",
    ]


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "bản scan.pdf"
    with path.open("wb") as out:
        writer.write(out)
    assert_unreadable(path, "scanned")


def encrypted_copy(path: Path, user_password: str) -> None:
    """The two-page fixture, encrypted with RC4 (pypdf handles it without extra packages)."""
    writer = PdfWriter(clone_from=PdfReader(FIXTURES / "two_pages.pdf"))
    writer.encrypt(user_password=user_password, owner_password="chủ sở hữu", algorithm="RC4-128")
    with path.open("wb") as out:
        writer.write(out)


def test_pdf_with_password_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mật khẩu.pdf"
    encrypted_copy(path, user_password="bí mật")
    assert_unreadable(path, "password")


def test_pdf_with_empty_user_password_is_read(tmp_path: Path) -> None:
    path = tmp_path / "hạn chế.pdf"
    encrypted_copy(path, user_password="")
    assert "quản lý giáo dục ở tất cả các cấp học." in texts(read_blocks(path))


def test_truncated_pdf(tmp_path: Path) -> None:
    path = tmp_path / "cắt cụt.pdf"
    path.write_bytes((FIXTURES / "two_pages.pdf").read_bytes()[:400])
    assert_unreadable(path)


def test_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "giả.pdf"
    path.write_text("<html>không phải pdf</html>", encoding="utf-8")
    assert_unreadable(path, "pdf")


# ---------------------------------------------------------------- .html

HTML = """\
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Tiêu đề trang</title>
<style>p { color: red }</style></head>
<body>
<header>Cổng thông tin Sở GD&amp;ĐT</header>
<nav><a href="/">Trang chủ</a></nav>
<script>var x = "không lấy";</script>
<article>
  <header><h1>Kế hoạch   năm học</h1></header>
  <p>Đoạn một&nbsp;có
     dấu cách.<br>Dòng thứ hai.</p>
  <h2>I. Mục <em>t</em>iêu<br>chung</h2>
  <div>Văn bản trực tiếp <b>in đậm</b><div>khối con</div>phần sau</div>
  <ul><li>Mục một</li><li>Mục <i>hai</i></li></ul>
  <ol start="3"><li>Bước ba</li><li>Bước bốn</li></ol>
  <table>
    <thead><tr><th rowspan="2">Trường</th><th colspan="2">Kết quả</th></tr>
           <tr><th>Số lớp</th><th>Tỉ lệ</th></tr></thead>
    <tbody><tr><td>THCS Lê Lợi</td><td>12</td><td>98%</td></tr>
           <tr><td>Tiểu học A</td><td colspan="2">chưa có</td></tr></tbody>
  </table>
  <!-- bình luận -->
</article>
<footer>Bản quyền 2024</footer>
</body></html>
"""


def test_html(tmp_path: Path) -> None:
    path = tmp_path / "trang.html"
    path.write_text(nfd(HTML), encoding="utf-8")
    blocks = read_blocks(path)
    assert_all_nfc(blocks)
    assert blocks == [
        TextBlock("Kế hoạch năm học", heading_level=1),
        TextBlock("Đoạn một có dấu cách."),
        TextBlock("Dòng thứ hai."),
        TextBlock("I. Mục tiêu chung", heading_level=2),
        TextBlock("Văn bản trực tiếp in đậm"),
        TextBlock("khối con"),
        TextBlock("phần sau"),
        TextBlock("- Mục một"),
        TextBlock("- Mục hai"),
        TextBlock("3. Bước ba"),
        TextBlock("4. Bước bốn"),
        TableBlock(
            rows=[
                ["Trường", "Kết quả", "Kết quả"],
                ["Trường", "Số lớp", "Tỉ lệ"],
                ["THCS Lê Lợi", "12", "98%"],
                ["Tiểu học A", "chưa có", "chưa có"],
            ],
            header_rows=2,
        ),
    ]


def cp1258(text: str) -> bytes:
    """Encode Vietnamese as windows-1258 does: base letters plus combining tone marks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += base.encode("cp1258") + "".join(c for c in parts if c in tones).encode("cp1258")
    return out


def test_htm_declared_charset(tmp_path: Path) -> None:
    path = tmp_path / "cũ.htm"
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
    page += "</head><body><p>Trường học đạt chuẩn quốc gia</p></body></html>"
    path.write_bytes(cp1258(page))
    assert read_blocks(path) == [TextBlock("Trường học đạt chuẩn quốc gia")]


def test_html_undecodable(tmp_path: Path) -> None:
    path = tmp_path / "lạ.html"
    path.write_bytes("<p>Trường học</p>".encode("cp1258", errors="replace") + b"\xff\xfe\x81")
    assert_unreadable(path, "utf-8")


def test_html_without_text(tmp_path: Path) -> None:
    path = tmp_path / "chỉ script.html"
    page = "<html><body><script>alert(1)</script><nav>Menu</nav></body></html>"
    path.write_text(page, encoding="utf-8")
    assert_unreadable(path, "no extractable text")
