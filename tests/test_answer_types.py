"""Expected answer types, typed spans, short claims and the learned answer/abstain decision."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hoidap.answer.answer_types import carries_expected, expected_type
from hoidap.answer.decision import DEFAULT_PATH, GATE_FEATURES, Decision, probability
from hoidap.answer.features import CLAIM_CHARS, FEATURES, SENTENCE_CHARS, windows
from hoidap.answer.spans import find_spans


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Ở Sơn La ngân sách chi cho giáo dục phải chiếm ít nhất bao nhiêu phần trăm?", "percent"),
        ("tre em o Hoa Binh di nha tre dat ty le bao nhieu nam 2024", "percent"),
        ("Sơn La tuyển dụng bao nhiêu giáo viên trong năm học 2024-2025?", "count"),
        ("lai chau co may huyen dat chuan", "count"),
        # asked how many and which: the list answers both, and it need not state the count
        ("sơn la tham gia mấy chương trình đánh giá quốc tế, là những cái nào", "list"),
        ("Lai Châu thi tuyển sinh lớp 10 vào ngày nào?", "date"),
        ("khi nào Hòa Bình kiên cố hóa hết 100% phòng học", "when"),
        ("Sơn La tính đạt chuẩn phổ cập mầm non vào năm nào?", "year"),
        ("kế hoạch năm học của Sơn La ban hành kèm quyết định số mấy?", "docref"),
        ("hoc phi mam non o Hoa Binh bao nhieu tien mot thang", "money"),
        ("cơ quan nào chủ trì bố trí kinh phí?", "agency"),
        ("Hòa Bình tham gia Hội khỏe Phù Đổng lần thứ mấy?", "ordinal"),
        ("Lai Châu phối hợp đào tạo những môn nào?", "list"),
        ("mục tiêu chi ngân sách cho giáo dục?", "figure"),
        ("mục tiêu của kế hoạch là gì", "description"),
        ("giám đốc Sở Giáo dục và Đào tạo Sơn La là ai?", "person"),
        ("giam doc So GD&DT Bac Ninh ten la gi", "person"),
        ("Hội khỏe Phù Đổng toàn quốc năm 2024 tổ chức ở đâu", "place"),
        ("trường phải đạt chứng nhận ISO nào", "description"),  # not "sở nào"
        ("Hòa Bình miễn học phí cho những đối tượng nào", "list"),  # "học phí" alone asks no amount
        ("hướng nghiệp, phân luồng học sinh theo kế hoạch số bao nhiêu", "docref"),  # not "lương ... bao nhiêu"
        ("tỷ lệ trường đạt chất lượng bao nhiêu", "percent"),
        ("lương giáo viên mầm non bao nhiêu", "money"),
        ("hoa binh mien hoc phi cho tre may tuoi", "count"),  # an age, not an amount
        ("lich thi lop 10 lai chau", "date"),
        ("ngày toàn dân đưa trẻ đến trường tổ chức hôm nào", "date"),
        ("kế hoạch ra tháng mấy", "docdate"),  # when a document was issued
        ("thủ tướng duyệt quy hoạch tỉnh sơn la ngày nào", "docdate"),  # approved: signed
        ("thi tốt nghiệp THPT 2025 ngày nào", "date"),  # when an event takes place
        ("Kỳ thi tốt nghiệp THPT 2025 ở BN thi vào ngày nào?", "date"),  # "kỳ thi" is no "ký"
        ("qđ 1102 bắc ninh có hiệu lực từ khi nào", "effective"),  # "kể từ ngày ký", not a date
        ("hoa binh hoc 2 buoi/ngay bao nhieu %", "percent"),
        ("Hòa Bình biên soạn tài liệu giáo dục địa phương cho lớp mấy?", "label"),  # a grade names, it does not count
        ("năm 2024 HB chọn SGK những lớp nào", "list"),
        ("hkpđ toàn quốc 2024 lần mấy", "ordinal"),
        ("hoà bình có cam kết ngân sách cho GD tối thiểu 20% không", "confirm"),  # yes/no on a stated figure
        ("tỉnh nào đặt mức chi ngân sách cho giáo dục tối thiểu 20%", "confirm"),  # the plans stating it answer
        ("những tỉnh nào trong mấy kế hoạch cam kết ngân sách ít nhất 20%", "confirm"),  # "mấy kế hoạch": among them
        ("tỉnh nào có tỷ lệ trẻ ra lớp bao nhiêu %", "percent"),
        ("trường đạt chuẩn QG mức 2 ở LC có chỉ tiêu không", "figure"),  # "mức 2" is no figure to confirm
        ("Lai Châu ưu tiên tuyển dụng giáo viên những môn gì", "list"),
        ("lai châu thiếu gv môn nào", "list"),
        ("sơn la có những chuyên đề an ninh an toàn trường học nào", "list"),  # "chuyên đề an" is no "đề án"
        ("han chot so ket hoc ky I o bac ninh", "deadline"),
        ("bắc ninh: tổng kết năm học nộp trước ngày nào", "deadline"),
        ("ngay khai giang nam hoc 2024-2025 o bac ninh la ngay nao", "date"),  # an event, not a deadline
        ("hạn chế tình trạng bỏ học ngày nào", "date"),  # "hạn chế" is no "hạn"
        ("xã nông thôn mới cần đạt tiêu chí số mấy về trường học", "label"),  # "số mấy" of a criterion, no document
        ("nq thu hút gv về lai châu công tác là nq nào", "docref"),  # a text named by its abbreviation
        ("hòa bình có dạy tiếng mường trong trường ko, theo qđ nào", "docref"),
        ("những kh nào muốn đưa tiếng anh thành ngôn ngữ thứ 2", "list"),  # which plans, not which text number
        ("mầm non học 2 buổi/ngày: 2 kế hoạch của hòa bình đặt chỉ tiêu thế nào", "description"),  # asks how; names no text
        ("hoa binh nam 2024 tre nha tre ra lop bao nhieu", "count"),  # "ra lớp" is going to school, not a grade
        ("kế hoạch 285 do cơ quan nào ban hành", "agency"),  # a body, though a text is named before it
        ("kh 285 ở sở thì bộ phận nào theo dõi tổng hợp", "agency"),
        ("quyết định 1899 của đơn vị nào", "agency"),
        ("ten nguoi ky qd 1899 ban hanh ke hoach nam hoc cua son la", "person"),
        ("hb có đầu tư máy móc cntt, thư viện điện tử cho trường ko", "description"),  # "máy" is no "mấy"
        ("hb có mấy trường đạt chuẩn", "count"),
        ("hb muốn nâng tỷ lệ xã đạt tiêu chí số mấy về trường học", "label"),  # the criterion's number, not the rate
        ("trẻ suy dinh dưỡng ở hòa bình năm 2024 đặt chỉ tiêu thế nào", "description"),  # how: "giảm so với cùng kỳ"
    ],
)
def test_expected_type_is_read_from_the_question(question, kind):
    assert expected_type(question) == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # read whole, the second ask's "mấy" / "năm nào" decided the kind; the first ask's does
        ("dạy tăng cường tiếng việt ở sơn la áp dụng cho hs những lớp nào, xã khu vực mấy", "list"),
        ("kế hoạch năm 2024 của hòa bình là do đơn vị nào xây dựng, cho năm nào", "agency"),
        ("gv mầm non đạt chuẩn bao nhiêu %, còn THCS thì sao", "percent"),
        ("sơn la tham gia mấy chương trình đánh giá quốc tế, là những cái nào", "list"),  # the list answers both
        ("Sơn La tuyển dụng bao nhiêu giáo viên trong năm học 2024-2025?", "count"),  # one ask: as read whole
    ],
)
def test_a_message_asking_two_things_wants_its_first_asks_kind(question, kind):
    from hoidap.answer.features import main_kind

    assert main_kind(question) == kind


def test_typed_spans_in_plan_text():
    text = ("Kèm theo Quyết định số: 1899/QĐ-UBND ngày 12 tháng 09 năm 2024; đạt 32,8%; tuyển 1.200 giáo viên; "
            "theo Quyết định số 72-QĐ/TW ngày 18/7/2022; 5 tỷ đồng; lần thứ VIII; Chương trình hành động số 49-CTr/TU")
    spans = {(s.kind, s.text) for s in find_spans(text)}
    assert {("docref", "1899/QĐ-UBND"), ("docdate", "ngày 12 tháng 09 năm 2024"), ("percent", "32,8%"),
            ("count", "1.200 giáo viên"), ("docref", "72-QĐ/TW"), ("docdate", "ngày 18/7/2022"),
            ("money", "5 tỷ đồng"), ("ordinal", "lần thứ VIII"), ("docref", "49-CTr/TU")} <= spans
    for s in find_spans(text):
        assert text[s.start : s.end] == s.text


def test_numbers_that_name_are_not_figures_texts_are_named_by_number_and_agencies_keep_their_last_words():
    text = ("14. Tăng cường kiểm định; dạy lớp 1, lớp 2, lớp 3 thuộc xã khu vực III; tiêu chí 5 về trường học; "
            "theo Đề án 06; trẻ từ 3 đến 5 tuổi; Sở Thông tin và Truyền thông; Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh, các")
    spans = {(s.kind, s.text) for s in find_spans(text)}
    assert {("label", "14."), ("label", "lớp 1, lớp 2, lớp 3"), ("label", "tiêu chí 5"), ("docref", "Đề án 06"),
            ("age", "3 đến 5 tuổi"), ("agency", "Sở Thông tin và Truyền thông"),
            ("agency", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh")} <= spans
    assert not any(kind in {"number", "count", "percent"} for kind, _ in spans)
    # a heading's number or a grade does not answer "how many"; a grade answers "which grade"
    assert not carries_expected("9. Tập trung tháo gỡ khó khăn về thiếu giáo viên", "Hòa Bình còn thiếu bao nhiêu giáo viên?")
    assert not carries_expected("dạy lớp 1, lớp 2", "bao nhiêu phần trăm trường dạy tiếng Anh")
    assert carries_expected("biên soạn tài liệu giáo dục địa phương lớp 5, lớp 9", "biên soạn tài liệu cho lớp mấy")
    assert carries_expected("phổ cập cho trẻ em 5 tuổi", "phổ cập cho trẻ mấy tuổi")
    # a kingdom is nobody's name: "giám đốc sở là ai" is not answered "Vương Quốc Anh"
    certified = "được tổ chức chứng nhận quốc tế FrenchCert của Vương Quốc Anh thực hiện đánh giá"
    assert not carries_expected(certified, "giám đốc Sở Giáo dục và Đào tạo Sơn La là ai?")
    assert carries_expected("GIÁM ĐỐC: Bùi Thị Kim Tuyến", "giám đốc Sở Giáo dục và Đào tạo Sơn La là ai?")


@pytest.mark.parametrize("reference, number", [
    ("Căn cứ Chỉ thị số 31/CT-TTg ngày 04/9/2024 của Thủ tướng Chính phủ", "31/CT-TTg"),
    ("theo Nghị định số 141/2020/NĐ -CP ngày 08/12/2020 của Chính phủ", "141/2020/NĐ -CP"),
    ("Nghị quyết số 29- NQ/TW ngày 04/11/2013 của Ban Chấp hành Trung ương", "29- NQ/TW"),
])
def test_the_date_of_a_cited_text_typed_as_plans_type_it_dates_no_event(reference, number):
    """A text's number with a lower-case letter or a stray space is still a number, and the date after it is
    when that text was signed: it tells neither when school opens nor when a report is due."""
    spans = [(s.kind, s.text) for s in find_spans(reference)]
    assert ("docref", number) in spans and [k for k, _ in spans].count("docdate") == 1
    assert not carries_expected(reference, "ngay khai giang nam hoc 2024-2025 o bac ninh la ngay nao")
    assert not carries_expected(reference, "Lai Châu yêu cầu tổng kết năm học báo cáo trước ngày nào ạ")
    assert carries_expected(reference, "văn bản đó ban hành ngày nào")  # asked as a signing date, it answers


def test_a_yes_no_question_on_a_figure_is_answered_by_the_passage_stating_that_figure():
    question = "19% chi thuong xuyen o son la co tinh ca tien hoc phi khong"
    assert carries_expected("đạt tỷ lệ tối thiểu 19% trong tổng chi thường xuyên (chưa kể chi từ nguồn thu học phí)", question)
    assert not carries_expected("ngân sách tối thiểu 20% tổng chi ngân sách nhà nước", question)


def test_a_documents_own_date_does_not_answer_when_an_event_takes_place():
    text = "Chương trình hành động số 306/CTr-UBND ngày 31/7/2020 của UBND tỉnh về phát triển kinh tế - xã hội 2021 - 2025"
    assert not carries_expected(text, "thi tốt nghiệp THPT 2025 ngày nào")
    assert carries_expected(text, "chương trình hành động 306 ban hành ngày nào")
    assert carries_expected("sơ kết học kỳ I trước ngày 31/01/2025", "hạn nộp báo cáo sơ kết học kỳ 1")


def test_a_deadline_answers_when_a_report_is_due_not_when_the_event_it_reports_on_happens():
    """"Báo cáo … khai giảng trước ngày 15/9/2024" gives the report's deadline, not the opening day."""
    window = "Báo cáo Bộ GDĐT và UBND tỉnh về tình hình tổ chức khai giảng năm học 2024 - 2025 trước ngày 15/9/2024"
    assert [(s.kind, s.text) for s in find_spans(window) if "15/9" in s.text] == [("deadline", "ngày 15/9/2024")]
    assert not carries_expected(window, "bắc ninh khai giảng năm học 2024-2025 vào ngày nào")
    assert carries_expected(window, "hạn chót báo cáo khai giảng ở bắc ninh")
    assert carries_expected(window, "khi nào phải báo cáo tình hình khai giảng")
    assert carries_expected("khai giảng năm học vào ngày 05/9/2024", "bắc ninh khai giảng năm học 2024-2025 vào ngày nào")
    # a school year, or the year an event takes place, is no deadline; a year something is due by is
    question = "hạn chót sở gd nộp báo cáo tổng kết năm học là ngày nào"
    assert not carries_expected("Hội nghị trực tuyến tổng kết các chuyên đề năm học 2024 - 2025.", question)
    assert not carries_expected("Kỳ thi tốt nghiệp trung học phổ thông năm 2025, tổng kết đánh giá", question)
    assert [s.kind for s in find_spans("hoàn thành kiên cố hóa trước năm 2025")] == ["deadline"]
    assert carries_expected("hoàn thành kiên cố hóa trước năm 2025", "hạn chót kiên cố hóa phòng học")


def test_the_month_a_plan_came_out_is_asked_of_its_own_date():
    """"Kế hoạch … ban hành tháng mấy năm nào" asks the plan's date ("tháng 02 năm 2025" has no day);
    "tháng mấy" of an event does not."""
    from hoidap.answer.metadata import metadata_fields

    assert metadata_fields("ke hoach thuc hien ket luan 91 cua so gd hoa binh ban hanh thang may nam nao") == ["date"]
    assert metadata_fields("kế hoạch của sở ra tháng mấy") == ["date"]
    assert metadata_fields("tuần lễ học tập suốt đời tổ chức tháng mấy") == []


def test_a_district_or_semester_the_passage_does_not_state_is_not_answered_by_the_provinces_figure(sample_service):
    """"Huyện Mường Tè", "học kỳ II": the province's figure, or the first semester's deadline, is not theirs."""
    from hoidap.answer.features import named_places, qualifiers

    assert named_places("tỷ lệ trẻ nhà trẻ riêng huyện Mường Tè") == {"muong te"}
    assert named_places("ti le tre 5 tuoi o huyen tam duong") == {"tam duong"}
    assert named_places("UBND các huyện, thị xã; huyện nghèo; xã đạt chuẩn nông thôn mới") == set()
    assert qualifiers("sơ kết học kỳ 2") == {"hoc ky": {"ii"}} != qualifiers("sơ kết học kỳ I trước ngày 31/01/2025")
    for question in ("tỷ lệ trẻ 5 tuổi đi mẫu giáo ở huyện Phong Thổ, Lai Châu năm học 2024-2025",
                     "Bắc Ninh: hạn nộp báo cáo sơ kết học kỳ 2"):
        assert sample_service.ask(question).abstained


def test_mau_giao_said_of_teachers_or_schools_is_the_preschool_level(sample_service):
    """Users say "giáo viên mẫu giáo" for what the plans call "giáo viên mầm non": the level, so the upper
    secondary row of the same table is no answer (it was given: "100% — Tỷ lệ giáo viên THPT …")."""
    from hoidap.answer.features import qualifiers

    assert qualifiers("thầy cô dạy mẫu giáo")["cap"] == {"mam non"}
    assert qualifiers("trường mẫu giáo")["cap"] == {"mam non"}
    assert "cap" not in qualifiers("phổ cập mẫu giáo cho trẻ") and "cap" not in qualifiers("trẻ mẫu giáo ra lớp")
    reply = sample_service.ask("Thầy cô dạy mẫu giáo ở Lai Châu năm học 2023-2024 đạt chuẩn đào tạo được bao nhiêu phần trăm?")
    assert not reply.abstained and "94,8%" in reply.answer and "THPT" not in reply.answer


def test_a_count_of_people_is_not_answered_with_a_percentage():
    """"Bao nhiêu GV … tính theo số người": the chat shorthand names the unit, so "94,8%" does not answer."""
    question = "lai châu có bao nhiêu GV mầm non đạt chuẩn, tính theo số người"
    assert not carries_expected("Tỷ lệ giáo viên mầm non đạt chuẩn đào tạo: 94,8%", question)
    assert carries_expected("có 1.250 giáo viên mầm non đạt chuẩn", question)
    assert carries_expected("huy động 3.200 cháu ra lớp", "bao nhiêu cháu nhà trẻ ra lớp")


def test_all_of_a_count_is_a_count_of_its_unit():
    """"ở 10/10 huyện, thành phố" answers "bao nhiêu huyện"."""
    text = "duy trì phổ cập giáo dục mầm non cho trẻ 5 tuổi ở 10/10 huyện, thành phố"
    assert ("count", "10/10 huyện") in {(s.kind, s.text) for s in find_spans(text)}
    assert carries_expected(text, "phổ cập mầm non 5 tuổi duy trì ở bao nhiêu huyện")
    assert not carries_expected(text, "phổ cập mầm non 5 tuổi duy trì ở bao nhiêu xã")


def test_a_window_narrowing_the_figure_another_way_conflicts_with_the_question():
    from hoidap.answer.features import _qualifier_conflict, qualifiers

    asked = qualifiers("chỉ tiêu trường mầm non đạt chuẩn quốc gia mức độ 1 của Lai Châu")
    assert asked == {"muc": {"1"}, "cap": {"mam non"}}
    assert _qualifier_conflict(asked, qualifiers("Tỷ lệ trường mầm non đạt chuẩn quốc gia mức độ 2 — 16,1%"))
    assert not _qualifier_conflict(asked, qualifiers("Tỷ lệ trường mầm non đạt chuẩn quốc gia mức độ 1 — 54,5%"))
    assert not _qualifier_conflict(asked, qualifiers("trường đạt chuẩn quốc gia"))  # says nothing either way
    assert _qualifier_conflict(qualifiers("giáo viên cấp THCS"), qualifiers("giáo viên trung học phổ thông"))
    # continuing education is a level of its own: the THPT row does not answer "giáo viên GDTX"
    assert qualifiers("ti le gv gdtx dat chuan") == {"cap": {"gdtx"}}
    assert _qualifier_conflict(qualifiers("ti le gv gdtx dat chuan"), qualifiers("Tỷ lệ giáo viên THPT đạt chuẩn đào tạo"))
    assert not _qualifier_conflict(qualifiers("trung tâm GDTX"), qualifiers("các trung tâm giáo dục thường xuyên"))


def test_age_groups_and_ranges_narrow_a_figure_like_ages():
    from hoidap.answer.features import _qualifier_conflict, qualifiers

    nursery = qualifiers("tỷ lệ huy động trẻ nhà trẻ ở Hòa Bình")
    assert _qualifier_conflict(nursery, qualifiers("Phấn đấu tỉ lệ huy động trẻ 6 tuổi vào lớp 1 đạt 100%"))
    assert _qualifier_conflict(nursery, qualifiers("Tỷ lệ huy động trẻ mẫu giáo ra lớp đạt trên 99%"))
    assert not _qualifier_conflict(nursery, qualifiers("huy động được ít nhất 50% trẻ em trong độ tuổi nhà trẻ"))
    four = qualifiers("huy động trẻ mẫu giáo 4 tuổi ra lớp bao nhiêu phần trăm")
    assert four == {"tuoi": {"4"}}
    assert _qualifier_conflict(four, qualifiers("Tỷ lệ huy động trẻ mẫu giáo 5 tuổi đi học đạt 100%"))
    assert not _qualifier_conflict(qualifiers("phổ cập cho trẻ mẫu giáo"), qualifiers("trẻ em mẫu giáo từ 3 đến 5 tuổi"))
    assert not _qualifier_conflict(qualifiers("phổ cập cho trẻ 4 tuổi"), qualifiers("phổ cập giáo dục mầm non cho trẻ 3-4 tuổi"))


def test_the_figure_an_answer_would_give_must_be_of_the_level_asked():
    """A window naming THCS in one clause does not answer for THCS with the figure of another clause."""
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView, _typed_features

    window = ("học sinh hoàn thành chương trình tiểu học và tốt nghiệp THCS đạt trên 99%; "
              "tỉ lệ học sinh tiểu học được học 2 buổi/ngày đạt 90%")
    question = "ti le hs thcs hoc 2 buoi/ngay o hoa binh den 2030"
    view = QuestionView.build(question, question, TermStats([window]))
    f = {"qualifier_conflict": 0.0}
    assert _typed_features(view, window, window, f) and f["qualifier_conflict"] == 1.0
    asked_graduation = QuestionView.build("tỷ lệ tốt nghiệp THCS đến 2030", "tỷ lệ tốt nghiệp THCS đến 2030", TermStats([window]))
    f = {"qualifier_conflict": 0.0}
    assert _typed_features(asked_graduation, window, window, f) and f["qualifier_conflict"] == 0.0
    from hoidap.answer.features import qualifiers

    assert qualifiers("100% trẻ học 2 buổi/ngày và học chương trình GDMN") == {"cap": frozenset({"mam non"})}


def test_a_date_asked_for_a_named_year_falls_in_it():
    """"Kỳ thi tốt nghiệp THPT 2025 thi ngày nào": "ngày 31/7/2020", the date of a programme the passage cites,
    is no answer; a document's date asked by the year of the plan citing it ("kế hoạch 2024 căn cứ kết luận 51
    ngày nào") may be of any year."""
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView, _typed_features

    cited = ("nhiệm kỳ 2020 - 2025; Chương trình hành động số 306/CTr-UBND ngày 31/7/2020 của UBND tỉnh về việc "
             "thực hiện Kế hoạch phát triển kinh tế - xã hội 5 năm 2021 - 2025")
    exam = "tổ chức Kỳ thi tốt nghiệp THPT vào ngày 26/6/2025"
    stats = TermStats([cited, exam])

    def dates(question: str, window: str) -> list[str]:
        view = QuestionView.build(question, question, stats)
        return [s.text for s in _typed_features(view, window, window, {"qualifier_conflict": 0.0})]

    assert dates("ky thi tot nghiep THPT 2025 o bac ninh thi ngay nao", cited) == []
    assert dates("ky thi tot nghiep THPT 2025 o bac ninh thi ngay nao", exam) == ["ngày 26/6/2025"]
    assert dates("kỳ thi tốt nghiệp THPT năm 2024 thi ngày nào", exam) == []
    assert any("31/7/2020" in d for d in dates("kế hoạch 2024 căn cứ chương trình hành động 306 ban hành ngày nào", cited))


def test_a_target_asked_for_is_a_figure_not_the_period_a_plan_runs_to():
    question = "chỉ tiêu trẻ khuyết tật học hòa nhập của HB năm 2024 với mục tiêu 2030 khác nhau thế nào"
    assert not carries_expected("Quy hoạch … giáo dục hòa nhập giai đoạn 2021-2030, tầm nhìn đến năm 2050", question)
    assert carries_expected("tỉ lệ học sinh khuyết tật học hòa nhập cấp tiểu học đạt 85%", question)


def test_a_figure_of_the_wrong_kind_or_one_the_question_gave_does_not_answer():
    question = "Sơn La tuyển dụng bao nhiêu giáo viên trong năm học 2024-2025?"
    assert not carries_expected("biên chế giáo viên giao tại Quyết định số 72-QĐ/TW", question)
    assert not carries_expected("kế hoạch năm học 2024-2025", question)
    assert carries_expected("tuyển dụng 120 giáo viên", question)
    assert not carries_expected("tuyển sinh lớp 10 năm học 2025 - 2026", "thi tuyển sinh lớp 10 vào ngày nào?")


def test_windows_are_short_verbatim_pieces_of_the_passage():
    text = ("Đẩy mạnh xã hội hóa, huy động các nguồn lực đầu tư cho giáo dục; tiếp tục ưu tiên ngân sách địa phương "
            "cho giáo dục và đào tạo, bảo đảm ngân sách Nhà nước chi cho giáo dục, đào tạo tối thiểu 20% tổng chi "
            "ngân sách Nhà nước của tỉnh, đồng thời kịp thời điều chỉnh tăng mức chi ngân sách Nhà nước cho giáo dục "
            "và đào tạo phù hợp với tăng trưởng của nền kinh tế; phấn đấu đến năm 2030 tỉ lệ phòng học kiên cố đạt 100%.")
    pieces = windows(text)
    assert pieces and all(len(w) <= SENTENCE_CHARS and w in text for w, _ in pieces)
    assert any("tối thiểu 20% tổng chi" in w and len(w) <= CLAIM_CHARS for w, _ in pieces)
    # a clause cut off just before the sentence's end joins its window instead of being lost
    assert any(w.endswith("kiên cố đạt 100%.") and "kinh tế" in w for w, _ in pieces)


def test_a_question_about_another_school_year_or_a_number_the_passage_lacks_conflicts():
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView, candidates
    from hoidap.models import Chunk, DocumentMetadata, Hit

    meta = DocumentMetadata(province="Lai Châu", school_year="2024 - 2025")
    text = "Tỷ lệ huy động trẻ mẫu giáo ra lớp năm học 2024 - 2025 đạt 99,85%."
    chunk = Chunk("c1", "d1", "lc.txt", 0, text, "PHỤ LỤC", [0], 0, len(text), "text", meta)
    stats = TermStats([text, "Phòng học kiên cố hóa đạt 100%.", "Trường đạt chuẩn quốc gia mức độ 1."])

    def features(question: str) -> dict[str, float]:
        return candidates(QuestionView.build(question, question, stats), [Hit(chunk, 1.0)])[0].features

    same = features("tỷ lệ huy động trẻ mẫu giáo năm học 2024-2025")
    assert same["year_conflict"] == 0 and same["number_missing"] == 0 and same["miss_word"] == 0
    assert features("tỷ lệ huy động trẻ mẫu giáo năm học 2025-2026")["year_conflict"] == 1
    assert features("tỷ lệ huy động trẻ mẫu giáo năm 2024 và đến 2030")["year_conflict"] == 0  # one of the years is enough
    # two periods, one per plan ("Lai Châu năm học 2024-2025, Hòa Bình năm 2024"): either one is enough
    assert features("mẫu giáo: Lai Châu năm học 2023-2024 hay Hòa Bình năm 2025 cao hơn")["year_conflict"] == 0
    assert features("mẫu giáo: Lai Châu năm học 2025-2026 hay Hòa Bình năm 2027 cao hơn")["year_conflict"] == 1
    assert features("tỷ lệ trẻ mẫu giáo mức độ 2")["number_missing"] == 1
    assert features("tỷ lệ phòng học kiên cố")["miss_word"] > 0.3  # "kiên cố" is not in the passage


def test_a_window_that_leaves_out_who_acts_names_them_from_its_sentence_or_heading():
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView, candidates
    from hoidap.models import Chunk, DocumentMetadata, Hit

    text = ("a) Căn cứ Kế hoạch này và tình hình thực tiễn của tỉnh, tham mưu UBND tỉnh ban hành các văn bản chỉ đạo để "
            "tổ chức triển khai, thực hiện nhiệm vụ, giải pháp trọng tâm năm học 2024 - 2025, trong đó lưu ý tham mưu các "
            "giải pháp về bảo đảm đội ngũ giáo viên và cơ sở vật chất, thiết bị dạy học; chủ trì, phối hợp với các sở, ban, ngành, đoàn thể tỉnh và UBND các huyện, thị xã, thành phố chỉ đạo, "
            "kiểm tra, đôn đốc các cơ sở giáo dục trên địa bàn thực hiện tốt nhiệm vụ năm học 2024 - 2025.")
    chunk = Chunk("c1", "d1", "bn.txt", 0, text, "IV. TỔ CHỨC THỰC HIỆN > 1. Sở Giáo dục và Đào tạo", [0], 0, len(text),
                  "text", DocumentMetadata(province="Bắc Ninh"))
    question = "ai chủ trì đôn đốc các cơ sở giáo dục thực hiện nhiệm vụ năm học"
    view = QuestionView.build(question, question, TermStats([text, "Phòng học kiên cố hóa đạt 100%."]))
    cand = next(c for c in candidates(view, [Hit(chunk, 1.0)]) if c.quote.startswith("chủ trì"))
    assert cand.spans[0].text == "Sở Giáo dục và Đào tạo"  # not "UBND", which the sentence names as a partner
    other = QuestionView.build("nhiệm vụ năm học là gì", "nhiệm vụ năm học là gì", TermStats([text]))
    assert candidates(other, [Hit(chunk, 1.0)])[0].spans == []  # only who-questions borrow a subject


def _appendix(rows: list[str]):
    """Lai Châu's appendix table as indexed: one passage of rows "label — values"."""
    from hoidap.models import Chunk, DocumentMetadata

    text = " ".join(rows)
    return text, Chunk("c1", "d1", "lc.txt", 0, text, "PHỤ LỤC MỘT SỐ CHỈ TIÊU VỀ GIÁO DỤC VÀ ĐÀO TẠO", [0], 0, len(text),
                       "table", DocumentMetadata(province="Lai Châu"))


def test_a_table_row_is_matched_by_its_label_not_by_the_table_heading():
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView, candidates
    from hoidap.models import Hit

    rows = ["Tỷ lệ giáo viên THCS đạt chuẩn đào tạo — Năm học 2023-2024, chỉ tiêu đạt được: 95,6%; "
            "Năm học 2024-2025, chỉ tiêu phấn đấu: 96%.",
            "Tỷ lệ học sinh hoàn thành chương trình tiểu học — Năm học 2023-2024, chỉ tiêu đạt được: 99,2%; "
            "Năm học 2024-2025, chỉ tiêu phấn đấu: 99,5%."]
    text, chunk = _appendix(rows)
    question = "tỷ lệ học sinh hoàn thành chương trình tiểu học năm học 2024-2025"
    view = QuestionView.build(question, question, TermStats([text, "Phòng học kiên cố hóa đạt 100%."]))
    by_row = {c.quote[:20]: c.features["cov_label"] for c in candidates(view, [Hit(chunk, 1.0)])}
    assert by_row[rows[1][:20]] > by_row[rows[0][:20]] + 0.3


def test_a_table_row_about_another_indicator_is_not_usable():
    """"Tỷ lệ tốt nghiệp THPT": the row "Tỷ lệ giáo viên THPT đạt chuẩn đào tạo" shares only "THPT" with it
    (its figure is of the right kind and its words are few, so coverage alone took it); the row asked
    about stays usable, whichever spelling of the level the question uses."""
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView, candidates, is_usable
    from hoidap.models import Hit

    rows = ["Tỷ lệ giáo viên THPT đạt chuẩn đào tạo — Năm học 2023-2024, chỉ tiêu đạt được: 100%; "
            "Năm học 2024-2025, chỉ tiêu phấn đấu: 100%.",
            "Tỷ lệ huy động trẻ mẫu giáo — Năm học 2023-2024, chỉ tiêu đạt được: 99,8%; "
            "Năm học 2024-2025, chỉ tiêu phấn đấu: 99,85%."]
    text, chunk = _appendix(rows)
    stats = TermStats([text, "Tỷ lệ tốt nghiệp trung học phổ thông đạt trên 95,5%."])

    def usable(question: str) -> set[str]:
        view = QuestionView.build(question, question, stats)
        return {c.quote[:20] for c in candidates(view, [Hit(chunk, 1.0)]) if is_usable(view, c)}

    assert rows[0][:20] not in usable("ti le tot nghiep THPT nam hoc 2024-2025 la bao nhieu")
    assert rows[0][:20] in usable("tỷ lệ gv trung học phổ thông đạt chuẩn bao nhiêu %")
    assert rows[1][:20] in usable("mẫu giáo mấy %")  # two of its label's five words are enough
    # typed with accents, "thư viện" is not "giáo viên": the row shares only "đạt chuẩn" with the question
    assert rows[0][:20] not in usable("Lai Châu phấn đấu bao nhiêu % trường có thư viện đạt chuẩn")


def test_a_figure_whose_clause_is_about_something_else_is_not_usable():
    """"Tỷ lệ huy động trẻ nhà trẻ ở Bắc Ninh": the 19% of "… chi cho hoạt động giảng dạy và học tập đạt tỷ lệ
    tối thiểu 19% trong tổng chi thường xuyên" is a share of spending, whatever "tỷ lệ" both say; asked
    about that spending, the same window answers."""
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView, candidates, is_usable
    from hoidap.models import Chunk, DocumentMetadata, Hit

    text = ("Tham mưu cấp có thẩm quyền bổ sung ngân sách chi thường xuyên cho các cơ sở giáo dục để đảm bảo chi cho "
            "hoạt động giảng dạy và học tập đạt tỷ lệ tối thiểu 19% trong tổng chi thường xuyên.")
    chunk = Chunk("c1", "d1", "bn.txt", 0, text, "5. Sử dụng hiệu quả ngân sách", [0], 0, len(text), "text",
                  DocumentMetadata(province="Bắc Ninh"))
    stats = TermStats([text, "Tỷ lệ huy động trẻ nhà trẻ ra lớp đạt 46% trở lên."])

    def usable(question: str) -> bool:
        view = QuestionView.build(question, question, stats)
        return any(is_usable(view, c) and "19%" in c.quote for c in candidates(view, [Hit(chunk, 1.0)]))

    assert not usable("tỉ lệ huy động trẻ nhà trẻ năm học này bao nhiêu %")
    assert usable("chi cho giảng dạy học tập tối thiểu bao nhiêu % chi thường xuyên")


def test_a_figure_ending_its_phrase_is_not_of_the_subject_after_the_comma():
    """"… thể thấp còi dưới 5%, tỉ lệ trẻ em thừa cân, béo phì được kiểm soát": the 5% is of the
    malnutrition before it; asked about overweight children, the sentence gives no figure. A figure
    opening its phrase ("100% giáo viên tiểu học, trung học cơ sở có trình độ từ đại học") is of what follows."""
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView, candidates, is_usable
    from hoidap.models import Chunk, DocumentMetadata, Hit

    fat = ("Nâng cao chất lượng chăm sóc, giáo dục trẻ; giảm tỉ lệ trẻ suy dinh dưỡng thể nhẹ cân, thể thấp còi dưới 5%, "
           "tỉ lệ trẻ em thừa cân, béo phì được kiểm soát.")
    staff = "Chuẩn hóa đội ngũ giáo viên; 100% giáo viên tiểu học, trung học cơ sở có trình độ từ đại học trở lên."
    stats = TermStats([fat, staff, "Tỷ lệ huy động trẻ nhà trẻ ra lớp đạt 46% trở lên."])

    def usable(question: str, text: str, figure: str) -> bool:
        chunk = Chunk("c1", "d1", "hb.txt", 0, text, "II. MỤC TIÊU", [0], 0, len(text), "text", DocumentMetadata(province="Hòa Bình"))
        view = QuestionView.build(question, question, stats)
        return any(is_usable(view, c) and figure in c.quote for c in candidates(view, [Hit(chunk, 1.0)]))

    care = ("Kết quả chăm sóc nuôi dưỡng trẻ tiếp tục được nâng cao, 100% trẻ học 2 buổi/ngày và học chương trình GDMN; "
            "tỷ lệ trẻ suy dinh dưỡng giảm so với cùng kỳ năm học trước.")
    assert not usable("ty le tre suy dinh duong nam 2024 phai giam con bao nhieu %", care, "100%")  # another clause's figure
    assert usable("bao nhiêu % trẻ mầm non học 2 buổi/ngày", care, "100%")
    assert not usable("ty le tre thua can beo phi phai giam xuong bao nhieu %", fat, "5%")
    assert usable("tỉ lệ trẻ suy dinh dưỡng thấp còi dưới bao nhiêu %", fat, "5%")
    assert usable("bao nhiêu % giáo viên trung học cơ sở có trình độ đại học", staff, "100%")


def test_a_text_named_by_number_keeps_what_it_is_about_though_its_clause_is_too_long_to_quote():
    """A clause over CLAIM_CHARS is cut at a space, which may part "Nghị quyết số 61/2023/NQ-HĐND ngày"
    from "về chính sách hỗ trợ giáo viên …": a window starting at the text's name joins them."""
    sentence = ("Triển khai dạy tiếng Việt cho trẻ mầm non trước khi vào lớp Một đối với con em các dân tộc thiểu số "
                "theo Thông tư số 23/2023/TT-BGDĐT ngày 08/12/2023 của Bộ trưởng Bộ Giáo dục và Đào tạo và thực hiện "
                "hiệu quả Nghị quyết số 61/2023/NQ-HĐND ngày 20/7/2023 của Hội đồng nhân dân tỉnh về chính sách hỗ trợ "
                "giáo viên tiểu học dạy tăng cường tiếng Việt cho học sinh dân tộc thiểu số lớp 1, lớp 2, lớp 3.")
    found = [w for w, _ in windows(sentence) if "61/2023/NQ-HĐND" in w and "tăng cường tiếng Việt" in w]
    assert found and all(len(w) <= CLAIM_CHARS and w in sentence for w in found)


def test_a_list_question_sees_how_many_items_a_window_enumerates():
    """"Những môn nào": the window naming "Tiếng Anh, Tin học, Mỹ thuật, Âm nhạc" is told apart from
    one sentence about the same topic; a question asking no list does not read the count."""
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView, candidates
    from hoidap.models import Chunk, DocumentMetadata, Hit

    text = ("Ưu tiên tuyển dụng giáo viên còn thiếu. Tuyển dụng giáo viên còn thiếu, nhất là giáo viên các môn "
            "Tiếng Anh, Tin học, Mỹ thuật, Âm nhạc.")
    chunk = Chunk("c1", "d1", "lc.txt", 0, text, "Đội ngũ", [0], 0, len(text), "body", DocumentMetadata(province="Lai Châu"))
    stats = TermStats([text, "Phòng học kiên cố hóa đạt 100%."])

    def items(question: str) -> dict[str, float]:
        view = QuestionView.build(question, question, stats)
        return {c.quote[:12]: c.features["list_items"] for c in candidates(view, [Hit(chunk, 1.0)])}

    listed = items("ưu tiên tuyển giáo viên những môn nào")
    assert listed["Tuyển dụng g"] >= 0.5 > listed["Ưu tiên tuyể"] == 0.0
    assert set(items("ưu tiên tuyển bao nhiêu giáo viên").values()) == {0.0}


def _toy(seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + rng.normal(scale=0.5, size=400) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("kind", ["logistic", "boosting"])
def test_exported_models_score_like_scikit_learn(kind):
    """The parameters file is scored in plain Python: it must agree with the fitted model."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    from hoidap.eval.train import SEED, fit_model

    X, y = _toy()
    model = fit_model(X.tolist(), y.tolist(), kind)
    if kind == "logistic":
        mean, scale = X.mean(axis=0), X.std(axis=0)
        ref = LogisticRegression(C=1.0, max_iter=2000, random_state=SEED).fit((X - mean) / scale, y)
        expected = ref.predict_proba((X - mean) / scale)[:, 1]
    else:
        ref = GradientBoostingClassifier(n_estimators=60, max_depth=3, learning_rate=0.1, subsample=0.8,
                                         min_samples_leaf=10, random_state=SEED).fit(X, y)
        expected = ref.predict_proba(X)[:, 1]
    got = [probability(model, row) for row in X.tolist()]
    assert max(abs(a - b) for a, b in zip(got, expected)) < 1e-4


def test_threshold_without_a_stated_precision_maximises_correct_decisions():
    from hoidap.eval.train import choose_threshold, decision_figures

    rows = [(0.05, False, False), (0.1, False, False), (0.15, True, True), (0.2, False, False),
            (0.3, False, False), (0.35, True, True), (0.4, False, False)] + [(0.6 + i / 100, True, True) for i in range(30)]
    t = choose_threshold(rows, precision=None)
    best = max(decision_figures(rows, s)["correct_decisions"] for s, _, _ in rows)
    assert decision_figures(rows, t)["correct_decisions"] == best > decision_figures(rows, 0.0)["correct_decisions"]


def test_threshold_meets_the_stated_abstention_precision():
    from hoidap.eval.train import choose_threshold, decision_figures

    # (gate score, best claim right, answerable): unanswerables score low, with two answerables among them
    rows = [(0.05, False, False), (0.1, False, False), (0.15, True, True), (0.2, False, False),
            (0.3, False, False), (0.35, True, True), (0.4, False, False)] + [(0.6 + i / 100, True, True) for i in range(30)]
    t = choose_threshold(rows, precision=0.8)
    fig = decision_figures(rows, t)
    assert fig["abstention_precision"] >= 0.8
    assert fig["abstention_recall"] == 0.8 and fig["correct_decisions"] > decision_figures(rows, 0.15)["correct_decisions"]
    assert decision_figures(rows, 0.41)["abstention_precision"] < 0.8  # abstaining on all would break the target


def test_the_shipped_parameters_file_fits_the_features_and_serving_needs_no_scikit_learn():
    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    decision = Decision.from_dict(data)
    assert decision.features == FEATURES and tuple(data["gate_features"]) == GATE_FEATURES
    assert len(decision.ranker["coef"] if decision.ranker["kind"] == "logistic" else decision.ranker["trees"][0]["feature"])
    assert 0.0 < decision.threshold < 1.0 and data["out_of_fold"]["questions"] > 0
    code = ("import sys; from hoidap.answer.decision import Decision; import hoidap.answer.service; "
            "Decision.load(); print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- through the service, on the sample plans (questions of the issue, not in the gold set) ------------------
def test_a_number_of_the_wrong_kind_is_not_an_answer(sample_service):
    for question in ("Sơn La tuyển dụng bao nhiêu giáo viên trong năm học 2024-2025?",
                     "Lai Châu thi tuyển sinh lớp 10 vào ngày nào?"):
        answer = sample_service.ask(question)
        assert answer.abstained and not answer.citations, answer.answer
        assert answer.related  # still shows "có thể liên quan"


def test_a_paraphrase_without_diacritics_is_answered(sample_service):
    answer = sample_service.ask("tre em o Hoa Binh di nha tre dat ty le bao nhieu nam 2024")
    assert not answer.abstained and "46%" in answer.answer
    assert any("46%" in c.quote for c in answer.citations)


def test_claims_are_short_figures_first_one_line_per_plan(sample_service):
    answer = sample_service.ask("mục tiêu chi ngân sách cho giáo dục?")
    assert not answer.abstained
    lines = answer.answer.split("\n")[1:]
    assert len(lines) >= 3 and len({c.source for c in answer.citations}) == len(lines)
    for line in lines:
        figure = line.split(": ", 1)[1].split(" — ", 1)[0]
        assert figure[0].isdigit(), line  # the figure leads the line
    for c in answer.citations:
        assert len(c.quote) <= CLAIM_CHARS and c.quote in c.text and len(c.text) > len(c.quote) or c.quote == c.text
    assert "20%" in answer.answer


def test_a_comparison_of_two_provinces_answers_with_a_line_for_each(sample_service):
    answer = sample_service.ask("so sánh mục tiêu chi ngân sách cho giáo dục của Sơn La và Bắc Ninh")
    assert not answer.abstained, answer.answer
    assert {c.province for c in answer.citations} >= {"Sơn La", "Bắc Ninh"}
    assert "20%" in answer.answer


def test_who_a_plan_is_sent_to_is_answered_from_its_recipients_list(sample_service):
    answer = sample_service.ask("kế hoạch 3707 của Lai Châu gửi tới những nơi nào")
    assert not answer.abstained, answer.answer
    assert any(c.quote.startswith("Nơi nhận") and "Bộ GD&ĐT" in c.quote for c in answer.citations)


def test_a_person_question_is_not_answered_with_an_agency(sample_service):
    answer = sample_service.ask("giám đốc Sở Giáo dục và Đào tạo Sơn La tên là gì")
    assert answer.abstained, answer.answer


def test_the_older_rules_stay_reachable(sample_service):
    rules = sample_service.derive(answer_decision="rules")
    answer = rules.ask("mục tiêu chi ngân sách cho giáo dục?")
    assert not answer.abstained and "20% tổng chi ngân sách" in answer.answer


def test_refitting_is_reproducible_and_the_written_file_decides_the_same(sample_service, tmp_path):
    from hoidap.eval.gold import load_gold
    from hoidap.eval.train import collect, fit_decision

    items, _ = load_gold(DEFAULT_PATH.parent.parent / "eval" / "gold.jsonl")
    picked = [i for i in items if i.answerable][::6] + [i for i in items if not i.answerable][::3]
    examples = collect(sample_service, picked)
    first, second = fit_decision(examples, "logistic"), fit_decision(examples, "logistic")
    assert first.to_dict() == second.to_dict()
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(first.to_dict()), encoding="utf-8")
    loaded = Decision.load(path)
    for ex in examples[:10]:
        assert [c.quote for c in loaded.choose(ex.view, ex.cands, 6)] == [c.quote for c in first.choose(ex.view, ex.cands, 6)]


@pytest.mark.parametrize(
    ("question", "level"),
    [
        ("ke hoach 2024 cua so gd hoa binh chia lam may muc lon", "parts"),
        ("bố cục kế hoạch năm học của Bắc Ninh", "parts"),
        ("kế hoạch Lai Châu có mấy nhiệm vụ giải pháp trọng tâm", "tasks"),
        ("Sơn La chi cho giảng dạy tối thiểu bao nhiêu phần trăm chi thường xuyên", None),  # "phần trăm"
        ("trường tiểu học đạt chuẩn quốc gia có mấy mức độ", None),  # "mức độ", not "mục"
        ("Sơn La có bao nhiêu trường đạt chuẩn", None),
        ("sơn la tham gia mấy chương trình đánh giá quốc tế", None),  # "chương trình", not "chương"
        ("hòa bình lập mấy phân hiệu đại học", None),
        ("kế hoạch có mấy mục tiêu cho mầm non", None),
    ],
)
def test_questions_about_how_a_plan_is_organised_are_recognised(question, level):
    from hoidap.answer.outline import asked_level

    assert asked_level(question) == level


def test_a_plans_outline_is_answered_from_its_headings_each_part_cited(sample_service):
    answer = sample_service.ask("kế hoạch năm học Sơn La có bao nhiêu nhóm nhiệm vụ, giải pháp trọng tâm")
    assert not answer.abstained and answer.provinces == ["Sơn La"]
    count = len(answer.citations)
    assert count >= 5 and f"gồm {count} nhóm" in answer.answer
    for n, cit in enumerate(answer.citations, 1):
        heading = cit.section.split(" > ")[1]
        assert heading.startswith(f"{n}. ") and f"- {heading} [{n}]" in answer.answer
        assert cit.quote in cit.text
    parts = sample_service.ask("kế hoạch năm học của Bắc Ninh gồm mấy phần")
    assert "gồm 3 phần" in parts.answer and "II. NHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM" in parts.answer


def test_an_outline_asked_of_a_province_without_a_plan_says_so_beside_the_named_plans_parts(sample_service):
    """The outline of the plan named is given, and the province the index lacks is not passed over in silence."""
    answer = sample_service.ask("kế hoạch năm học của Điện Biên và Lai Châu gồm những phần nào")
    assert not answer.abstained and {c.province for c in answer.citations} == {"Lai Châu"}
    assert "Chưa có văn bản nào của Điện Biên trong hệ thống" in answer.answer
    plain = sample_service.ask("kế hoạch năm học của Lai Châu gồm những phần nào")
    assert "Chưa có văn bản nào" not in plain.answer


def test_an_outline_counts_only_numbered_groups_of_the_tasks_part():
    from hoidap.answer.outline import outline
    from hoidap.models import Chunk, DocumentMetadata

    sections = ["I. MỤC ĐÍCH, YÊU CẦU", "II. NHIỆM VỤ, GIẢI PHÁP > 1. Quản lý", "II. NHIỆM VỤ, GIẢI PHÁP > 1. Quản lý > a) Rà soát",
                "II. NHIỆM VỤ, GIẢI PHÁP > Chú thích 3", "II. NHIỆM VỤ, GIẢI PHÁP > 2. Đội ngũ > 2.1. Tuyển dụng",
                "III. TỔ CHỨC THỰC HIỆN > 1. Sở Giáo dục và Đào tạo", "PHỤ LỤC"]
    chunks = [Chunk(f"c{i}", "d", "p.txt", i, "Nội dung.", s, [i], 0, 9, "text", DocumentMetadata()) for i, s in enumerate(sections)]
    assert [p.heading for p in outline(chunks, "parts")] == ["I. MỤC ĐÍCH, YÊU CẦU", "II. NHIỆM VỤ, GIẢI PHÁP",
                                                            "III. TỔ CHỨC THỰC HIỆN"]
    assert [p.heading for p in outline(chunks, "tasks")] == ["1. Quản lý", "2. Đội ngũ"]


def test_what_a_plan_says_and_the_number_naming_it_do_not_weigh_as_the_topic():
    """"lương gv trong kh 285 nói thế nào": "nói" asks what the plan says, and "285" names the plan the
    question is scoped to; the topic is "lương", which must outweigh both (unaccented "noi" may be "nơi")."""
    from hoidap.answer.evidence import TermStats
    from hoidap.answer.features import QuestionView
    from hoidap.vietnamese import is_stopword

    assert is_stopword("nói") and not is_stopword("noi")
    stats = TermStats(["Thực hiện Kế hoạch số 285-KH/TU", "lương của nhà giáo được ưu tiên xếp cao nhất", "giáo viên", "Kế hoạch 285"])
    weights = QuestionView.build("lương gv trong kh 285 nói thế nào", "lương gv trong kh 285 nói thế nào", stats).matcher.weights
    assert "nói" not in weights and weights["285"] < 0.5 * stats.idf("285") and weights["lương"] == stats.idf("lương")


def test_school_years_typed_with_a_space_or_a_slash_are_school_years_not_two_years():
    from hoidap.answer.spans import named_years

    assert named_years("năm học 2024 2025") == (set(), {"2024-2025"})
    assert named_years("năm học 2024/2025") == (set(), {"2024-2025"})
    assert named_years("năm 2024 … đến 2030, năm học 2024 - 2025") == ({"2024", "2030"}, {"2024-2025"})
    assert named_years("từ 2020 2025 đến 2030") == ({"2020", "2025", "2030"}, set())


def test_which_row_is_highest_or_lowest_weighs_every_row():
    from hoidap.answer.answer_types import ranks_rows

    assert ranks_rows("lai chau gv cap nao dat chuan dao tao thap nhat")
    assert ranks_rows("huyện nào có nhiều trường nhất")
    assert not ranks_rows("sơn la chi ít nhất bao nhiêu % cho giáo dục")


def test_a_checked_figure_ending_in_a_polite_particle_or_after_phan_dau_is_a_confirmation():
    from hoidap.answer.answer_types import expected_type

    assert expected_type("nghe noi lai chau phan dau 99,85% tre mau giao ra lop co that khong") == "confirm"
    assert expected_type("hòa bình chi 20% ngân sách cho giáo dục có đúng không ạ") == "confirm"
    assert expected_type("trường mầm non ở đâu đạt 54,5% không") != "confirm"


def test_a_count_of_schools_is_answered_by_a_count_of_establishments():
    """"bao nhiêu trường" is answered by "35 cơ sở giáo dục mầm non và phổ thông"; a count of classes is not."""
    asked = "đánh giá ngoài cho bao nhiêu trường"
    assert carries_expected("công nhận đạt chuẩn quốc gia đối với 35 cơ sở giáo dục mầm non", asked)
    assert not carries_expected("công nhận đạt chuẩn quốc gia đối với 35 lớp học", asked)


def test_a_long_clause_is_not_cut_inside_the_reference_of_a_text():
    """The cut before CLAIM_CHARS falls before "Nghị quyết số 61/2023/NQ-HĐND ngày 20/7/2023", so no window opens
    on the bare date with the text's number left in the window before."""
    sentence = ("Triển khai dạy tiếng Việt cho trẻ mầm non trước khi vào lớp Một đối với con em các dân tộc thiểu số theo "
                "Thông tư số 23/2023/TT-BGDĐT ngày 08/12/2023 của Bộ trưởng Bộ Giáo dục và Đào tạo và thực hiện hiệu quả "
                "Nghị quyết số 61/2023/NQ-HĐND ngày 20/7/2023 của Hội đồng nhân dân tỉnh về chính sách hỗ trợ giáo viên tiểu "
                "học dạy tăng cường tiếng Việt cho học sinh dân tộc thiểu số lớp 1, lớp 2, lớp 3 thuộc xã khu vực III.")
    opened = [w for w, _ in windows(sentence)]
    assert not [w for w in opened if w.startswith("20/7/2023")]
    assert any(w.startswith("Nghị quyết số 61/2023/NQ-HĐND ngày 20/7/2023 của Hội đồng nhân dân tỉnh về chính sách") for w in opened)
    assert all(len(w) <= CLAIM_CHARS for w in opened)


def test_a_rate_per_head_is_no_head_count_and_an_age_answers_only_an_age():
    """"89 sinh viên/vạn dân" answers "bao nhiêu sinh viên trên vạn dân", not "tổng cộng bao nhiêu sinh
    viên"; "3 đến 5 tuổi" answers "mấy tuổi", not "huy động trẻ mẫu giáo ra lớp bao nhiêu"."""
    row = "Tỷ lệ sinh viên học đại học/vạn dân — Năm học 2024-2025, chỉ tiêu phấn đấu: 95 sinh viên/vạn dân."
    assert not carries_expected(row, "Lai Châu có tổng cộng bao nhiêu sinh viên đang học đại học?")
    assert carries_expected(row, "lai chau phan dau bao nhieu sinh vien tren 1 van dan")
    assert carries_expected("Sinh viên/vạn dân 89 95", "bao nhiêu sinh viên/vạn dân")
    assert not carries_expected("Sinh viên/vạn dân 89 95", "có bao nhiêu sinh viên")
    ages = "phổ cập giáo dục mầm non cho trẻ em mẫu giáo từ 3 đến 5 tuổi khi có văn bản hướng dẫn"
    assert not carries_expected(ages, "bac ninh dat chi tieu huy dong tre mau giao ra lop bao nhieu")
    assert carries_expected(ages, "phổ cập cho trẻ từ bao nhiêu tuổi")
    assert carries_expected("Tỷ lệ trẻ trong độ tuổi đi học đạt 99,5% trở lên.", "tre trong do tuoi tieu hoc di hoc can dat bao nhieu")


def test_which_province_which_kind_and_which_is_higher_are_read_as_such():
    from hoidap.answer.answer_types import names_each_plan

    assert expected_type("phuong cham 'lay hoc sinh lam trung tam' co trong ke hoach cua tinh nao") == "description"
    assert expected_type("quyết định số mấy") == "docref"
    assert expected_type("nhà trẻ ra lớp: hòa bình với lai châu bên nào đặt cao hơn") == "figure"
    assert expected_type("tỉnh nào có nhiều trường đạt chuẩn hơn") == "figure"
    assert expected_type("son la uu tien dau tu cho nhung loai truong nao o vung dan toc") == "list"
    assert expected_type("cơ quan nào chủ trì") == "agency"
    assert names_each_plan("2 ke hoach cua so gd hoa binh giao don vi nao theo doi") and not names_each_plan("kế hoạch 2024")


def test_a_clause_is_not_cut_inside_a_quotation_a_bracket_or_a_span():
    from hoidap.answer.features import _clauses, qualifiers, windows
    from hoidap.answer.spans import plan_references

    def cut(s: str) -> list[str]:
        return [s[a:b] for a, b in _clauses(s)]

    assert cut("Thực hiện phong trào thi đua “Dạy tốt, Học tốt, Quản lý tốt”; triển khai phong trào")[0].endswith("Quản lý tốt”")
    assert "(biệt phái, hợp đồng giáo viên, chuyển đổi số…)" in cut("bằng nhiều giải pháp (biệt phái, hợp đồng giáo viên, chuyển đổi số…), để khắc phục")[0]
    assert "lớp 1, lớp 2, lớp 3" in cut("hỗ trợ cho học sinh dân tộc thiểu số lớp 1, lớp 2, lớp 3 thuộc xã khu vực III, khu vực I")[0]
    listed = ("Ưu tiên đầu tư cho các cơ sở giáo dục mầm non, phổ thông. Trong đó, ưu tiên các trường phổ thông dân tộc nội "
              "trú, trường phổ thông dân tộc bán trú.")
    assert listed in [w for w, _ in windows(listed, joined=True)] and listed not in [w for w, _ in windows(listed)]
    assert plan_references("kế hoạch năm 2024 và kế hoạch triển khai 285") == {"285"}
    primary, secondary = qualifiers("trường cấp tiểu học mức độ 1"), qualifiers("Tỷ lệ trường trung học đạt chuẩn mức độ 1")
    assert not primary["cap"] & secondary["cap"] and qualifiers("trường THCS")["cap"] <= secondary["cap"]


def test_whom_a_figure_counts_is_read_from_the_question_and_the_clause():
    from hoidap.answer.features import populations

    assert populations("tỷ lệ giáo viên mầm non đạt chuẩn đào tạo") == {"staff"}
    assert populations("Tỷ lệ huy động trẻ nhà trẻ ra lớp đạt 46% trở lên") == {"learners"}
    assert populations("thanh niên 15-17 tuổi đi học") == populations("học sinh trong độ tuổi (15-17 tuổi)")
    assert populations("xây dựng môi trường giáo dục; Trưởng phòng GDĐT") == frozenset()


def test_options_and_the_label_asked_for_are_read_from_the_question():
    from hoidap.answer.answer_types import asked_unit, unit_fits
    from hoidap.answer.features import alternatives

    assert alternatives("phần mềm tên là gì, vnEdu hay SMAS?") == (frozenset({"vnedu"}), frozenset({"smas"}))
    assert alternatives("day tieng mong hay tieng thai cho hoc sinh khong") == (frozenset({"mong"}), frozenset({"thai"}))
    assert alternatives("Lai Châu có dạy tiếng dân tộc hay không") == () == alternatives("chủ đề năm học có giống không hay khác")
    assert asked_unit("học bạ số áp dụng cho lớp mấy", "label") == "lop"
    assert asked_unit("tiêu chí số mấy về trường học", "label") == "tieu chi"
    assert asked_unit("bao nhiêu lớp", "count") == "lop" and asked_unit("bao nhiêu lớp", "description") == ""
    assert unit_fits("label", "lớp 1, lớp 2", "lop", "") and not unit_fits("label", "Đề án 06", "lop", "")


def test_a_deadline_asked_to_the_day_is_not_answered_by_a_year():
    """"nộp báo cáo sơ kết trước ngày nào" asks a day: "đến năm 2025" gives none, "trước ngày 15/9/2024" does;
    a deadline asked without a day ("hạn chót hoàn thành") still takes the year."""
    asked = "Sơn La yêu cầu nộp báo cáo sơ kết học kỳ I trước ngày nào?"
    assert not carries_expected("khu vực I trên địa bàn tỉnh Sơn La đến năm 2025.", asked)
    assert carries_expected("báo cáo Ủy ban nhân dân tỉnh trước ngày 15/9/2024", asked)
    assert carries_expected("hoàn thành kiên cố hóa trước năm 2025", "hạn chót hoàn thành kiên cố hóa phòng học")


def test_a_count_asked_beside_a_stated_percentage_wants_a_count():
    """"63% trường đạt chuẩn tương ứng bao nhiêu trường" asks how many schools: another percentage does not
    answer it, while "bao nhiêu % trường đạt chuẩn" still asks a percentage."""
    asked = "63% trường đạt chuẩn của Hòa Bình tương ứng bao nhiêu trường?"
    assert expected_type(asked) == "count"
    assert not carries_expected("Phấn đấu có 61% số trường học đạt chuẩn quốc gia.", asked)
    assert expected_type("hòa bình phấn đấu bao nhiêu % trường đạt chuẩn quốc gia") == "percent"


def test_an_age_asked_within_an_age_group_is_the_narrower_ask():
    """"trẻ 5 tuổi đi học lớp mẫu giáo lớn" asks the 5-year-olds' figure, which all preschool children's
    ("trẻ mẫu giáo", ages 3-5) is not; a range naming the group's ages keeps the group."""
    from hoidap.answer.features import _qualifier_conflict, asked_qualifiers, qualifiers

    asked = asked_qualifiers("Lai Châu phấn đấu tỷ lệ trẻ 5 tuổi đi học lớp mẫu giáo lớn bao nhiêu phần trăm?")
    assert asked == {"tuoi": frozenset({"5"})}
    assert _qualifier_conflict(asked, qualifiers("Tỷ lệ huy động trẻ mẫu giáo"))
    assert not _qualifier_conflict(asked, qualifiers("Tỷ lệ huy động trẻ mẫu giáo 5 tuổi đi học"))
    assert "mau giao" in asked_qualifiers("trẻ mẫu giáo từ 3-5 tuổi ra lớp bao nhiêu")["tuoi"]


def test_a_name_signed_under_another_office_does_not_answer_who_holds_the_office():
    """"giám đốc sở … tên gì" is not answered by the vice-chairman who signed ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH /
    Lê Xuân Lợi"); "ai ký" and "ông phó chủ tịch … tên gì" are, and so is a name signed under no office."""
    signed = "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nLê Xuân Lợi"
    assert not carries_expected(signed, "Giám đốc Sở Giáo dục Bắc Ninh hiện nay tên là gì?")
    assert not carries_expected(signed, "giam doc so gd bac ninh ten gi")
    assert carries_expected(signed, "ai ký quyết định 1102 bắc ninh")
    assert carries_expected(signed, "văn bản ông phó chủ tịch tỉnh Bắc Ninh ký, ông ấy tên là gì")
    assert carries_expected("Bùi Thị Kim Tuyến", "giám đốc sở gd hòa bình là ai")


def test_a_level_asked_alone_is_not_answered_by_a_figure_it_shares_with_another_level():
    """"riêng hệ GDTX … tuyển sinh lớp 10" is not answered by "cả hệ THPT và GDTX đạt 85%", nor "riêng THCS
    thôi" by the row of all "trường trung học"; without "riêng" the shared figure may answer."""
    from hoidap.answer.features import _qualifier_conflict, asked_qualifiers, qualifiers

    shared = qualifiers("Tỷ lệ tuyển sinh vào lớp 10 cả hệ THPT và GDTX đạt: 85% trở lên")
    assert _qualifier_conflict(asked_qualifiers("riêng hệ GDTX thì HB 2024 đạt tỉ lệ tuyển sinh lớp 10 bao nhiêu"), shared)
    assert not _qualifier_conflict(asked_qualifiers("hệ GDTX tuyển sinh lớp 10 bao nhiêu"), shared)
    alone = asked_qualifiers("tỷ lệ trường THCS đạt chuẩn quốc gia ở Lai Châu, riêng THCS thôi không gộp THPT")
    assert _qualifier_conflict(alone, qualifiers("Tỷ lệ trường trung học đạt chuẩn quốc gia mức độ 1"))
    assert not _qualifier_conflict(alone, qualifiers("trường THCS đạt chuẩn quốc gia mức độ 1"))


def test_a_check_is_told_from_a_question_asking_which_plans_state_a_figure():
    from hoidap.answer.answer_types import expected_type
    from hoidap.answer.understanding import is_check, stated_figure

    assert expected_type("trẻ 5 tuổi ở hòa bình năm 2024 đi mẫu giáo phải đủ 100% à") == "confirm"
    assert expected_type("ngân sách 20% cho gd thì những kh nào có ghi") == "confirm"
    assert expected_type("nhung plan nao cam ket ngan sach toi thieu 20%") == "confirm"
    assert is_check("HB chi 20% ngân sách cho giáo dục có đúng không ạ") and is_check("phải đủ 100% à")
    assert not is_check("tỉnh nào đặt tối thiểu 20%")
    assert stated_figure("nghe nói 90 phần trăm có đúng không") == "90%" and stated_figure("54,5 % ạ") == "54,5%"
    assert stated_figure("bao nhiêu phần trăm") == ""


def test_what_a_list_question_lists_is_read_and_scored_where_a_window_names_it():
    """"gắn với những chỉ số nào" lists indices: a window naming "chỉ số" may list them, one naming only
    "Kế hoạch cải cách hành chính" does not; "những việc gì" names nothing particular."""
    from hoidap.answer.answer_types import expected_type, listed_noun
    from hoidap.answer.evidence import TermStats, grams_of
    from hoidap.answer.features import QuestionView, _features

    question = "cai cach hanh chinh nganh gd hoa binh gan voi nhung chi so nao"
    assert expected_type(question) == "list" and expected_type("sở nào chủ trì") == "agency"  # "chỉ số nào" is no "sở nào"
    assert listed_noun(question) == "chi so" and listed_noun("sở GD Bắc Ninh phải báo cáo những mốc nào") == "moc"
    assert listed_noun("mttq phoi hop nhung viec gi") == "" and listed_noun("tỷ lệ bao nhiêu") == ""
    view = QuestionView.build(question, question, TermStats(["cải cách hành chính chỉ số"]))
    named = "nâng cao chỉ số cải cách hành chính (PAR INDEX) gắn với Chỉ số hài lòng (SIPAS)"
    assert _features(view, "", grams_of(""), named)["names_listed"] == 1.0
    assert _features(view, "", grams_of(""), "Kế hoạch cải cách hành chính ngành Giáo dục năm 2024.")["names_listed"] == 0.0


def test_a_count_named_before_its_ask_has_its_unit_and_a_bare_count_message_is_a_count():
    """"Số trường … là bao nhiêu" counts schools (a percentage does not answer); "con số người biết chữ" is
    answered by a rate; "số xã đạt chuẩn … ở Lai Châu" with no question word still asks a count, while
    "sổ điểm" typed without marks is a register, not a count."""
    from hoidap.answer.answer_types import asked_unit, expected_type

    assert asked_unit("Số trường (con số tuyệt đối) đạt chuẩn quốc gia ở Lai Châu là bao nhiêu?", "count") == "truong"
    assert asked_unit("con so nguoi biet chu muc do 2 o lai chau phan dau bao nhieu", "count") == ""
    assert expected_type("số sinh viên trên vạn dân của hòa bình") == "count"
    assert asked_unit("số sinh viên trên vạn dân của hòa bình", "count") == "sinh vien/"
    assert expected_type("lai chau: so huyen dat pcgd thcs muc do 2 nam hoc 2024-2025") == "count"
    assert expected_type("so diem hoc ba dien tu o hoa binh trien khai cho cap nao") != "count"
    assert expected_type("sổ điểm điện tử, học bạ điện tử ở HB") == "description"


def test_a_check_followed_by_or_how_much_is_still_a_check():
    from hoidap.answer.answer_types import expected_type
    from hoidap.answer.understanding import figure_asked, is_check

    question = "son la chi ngan sach cho gd it nhat 20% tong chi co phai khong, hay bao nhieu"
    assert expected_type(question) == "confirm" and is_check(question)
    assert figure_asked(question) == "son la chi ngan sach cho gd it nhat bao nhiêu % tong chi"
    assert expected_type("tỷ lệ này là 20% hay bao nhiêu") == "percent"


def test_checks_of_who_signed_or_issued_a_plan_ask_the_signature_or_the_issuer():
    from hoidap.answer.metadata import metadata_fields

    assert metadata_fields("ke hoach chi dao dieu hanh nam 2024 cua so gd&dt hoa binh do pho giam doc ky phai khong?") == ["signer"]
    assert metadata_fields("Có phải Chủ tịch UBND tỉnh Bắc Ninh trực tiếp ký quyết định phê duyệt kế hoạch năm học không?") == ["signer"]
    assert metadata_fields("co phai ke hoach nam hoc cua son la do so gd&dt ban hanh khong?") == ["issuer"]
    assert metadata_fields("giam doc so co ky thi tot nghiep khong") == []  # "kỳ thi" is no signing
