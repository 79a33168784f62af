"""Follow-up questions in a conversation, bounded and persisted memory, feedback in gold format."""

from __future__ import annotations

import time

from hoidap.answer.followup import resolve
from hoidap.answer.memory import Memory, Turn, feedback_as_gold
from tests.conftest import BAC_NINH

KNOWN = {"Sơn La", "Lai Châu", "Bắc Ninh", "Hòa Bình"}


def turn(question: str, provinces: list[str]) -> Turn:
    return Turn(question, question, provinces, "…", time.time())


def test_followup_replaces_the_province_of_the_previous_question():
    history = [turn("mục tiêu chi ngân sách cho giáo dục của Sơn La?", ["Sơn La"])]
    assert resolve("còn Bắc Ninh thì sao?", history, KNOWN) == "mục tiêu chi ngân sách cho giáo dục của Bắc Ninh?"
    assert resolve("con lai chau thi sao", history, KNOWN) == "mục tiêu chi ngân sách cho giáo dục của Lai Châu?"


def test_followup_adds_a_province_to_an_unscoped_question_and_leaves_new_questions_alone():
    history = [turn("chủ đề năm học là gì?", [])]
    assert resolve("thế còn Lai Châu?", history, KNOWN) == "chủ đề năm học là gì ở Lai Châu?"
    full = "Lai Châu phấn đấu bao nhiêu % trẻ mẫu giáo đi học?"
    assert resolve(full, history, KNOWN) == full
    assert resolve("còn Bắc Ninh thì sao?", [], KNOWN) == "còn Bắc Ninh thì sao?"


def test_conversation_followup_answers_for_the_new_province(sample_service):
    cid = sample_service.memory.new_conversation_id()
    first = sample_service.ask("chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Sơn La?", conversation_id=cid)
    assert {c.province for c in first.citations} == {"Sơn La"}
    second = sample_service.ask("còn Bắc Ninh thì sao?", conversation_id=cid)
    assert second.resolved_question == "chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Bắc Ninh?"
    assert second.citations and {c.source for c in second.citations} == {BAC_NINH}
    assert "20%" in second.answer


def test_memory_is_bounded_and_survives_a_restart(tmp_path):
    path = tmp_path / "state.sqlite"
    memory = Memory(path, max_turns=3, max_age_s=3600)
    for i in range(5):
        memory.add_turn("c1", Turn(f"q{i}", f"q{i}", [], "a", time.time() + i * 0.001))
    memory.add_turn("old", Turn("stale", "stale", [], "a", time.time() - 7200))
    memory.close()
    reopened = Memory(path, max_turns=3, max_age_s=3600)
    assert [t.question for t in reopened.history("c1")] == ["q2", "q3", "q4"]
    assert reopened.history("old") == []


def test_feedback_is_stored_and_exports_in_gold_format(tmp_path):
    memory = Memory(tmp_path / "state.sqlite")
    citations = [{"source": BAC_NINH, "quote": "tối thiểu 20% tổng chi ngân sách nhà nước", "province": "Bắc Ninh"}]
    memory.add_feedback("web", "chi ngân sách?", "… [1]", citations, -1, "thiếu Sơn La", "c1")
    [item] = memory.feedback()
    assert item["rating"] == -1 and item["comment"] == "thiếu Sơn La" and item["channel"] == "web"
    gold = feedback_as_gold(item)
    assert gold["question"] == "chi ngân sách?" and gold["evidence"][0]["doc"] == BAC_NINH
    assert set(gold) >= {"id", "question", "answer", "facts", "evidence", "province", "type"}
