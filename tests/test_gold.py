"""The gold set is the yardstick of every evaluation: it must be valid, and the checker
that departments run on their own gold sets must catch what is wrong."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

from typer.testing import CliRunner

from hoidap.eval.gold import TYPES, cited_documents, contains, load_gold, select, summary, validate
from hoidap.cli import app
from hoidap.settings import SAMPLE_CORPUS

GOLD = ROOT / "eval" / "gold.jsonl"
SL_DOC = "000_e4df4c732943b229.txt"
SL_QUOTE = "Đảm bảo ngân sách thực chi cho giáo dục và đào tạo tối thiểu 20% tổng chi ngân sách nhà nước"


@pytest.fixture(scope="module")
def committed():
    items, problems = load_gold(GOLD)
    return items, problems


def item(id_: str, **over) -> dict:
    base = {
        "id": id_, "question": "Sơn La chi ngân sách cho giáo dục tối thiểu bao nhiêu %?",
        "answer": "Tối thiểu 20% tổng chi ngân sách nhà nước.", "facts": ["20%"],
        "evidence": [{"doc": SL_DOC, "quote": SL_QUOTE}], "province": "Sơn La", "type": "numeric",
    }
    base.update(over)
    return base


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    return path


# ------------------------------------------------------------------------ the committed gold set
def test_committed_gold_set_is_valid_against_the_sample_corpus(committed):
    items, problems = committed
    found, warnings = validate(items, SAMPLE_CORPUS)
    assert problems == []
    assert found == []
    # every quote is also in the text hoidap indexes, so retrieval can credit it
    assert warnings == []


def test_committed_gold_set_size_and_coverage(committed):
    items, _ = committed
    counts = summary(items)
    assert len(items) >= 100
    assert counts["type"].get("unanswerable", 0) >= 12
    assert counts["diacritics"].get("without", 0) * 5 >= len(items)
    assert set(counts["type"]) == set(TYPES)
    corpus_docs = {p.name for p in SAMPLE_CORPUS.iterdir() if p.is_file()}
    assert cited_documents(items) == corpus_docs  # every document is cited by some item


def test_every_fact_is_in_its_answer_and_every_quote_in_its_document(committed):
    items, _ = committed
    from hoidap.eval.gold import CorpusTexts

    texts = CorpusTexts(SAMPLE_CORPUS)  # the file, or its repaired text (a table row read as a sentence)
    for it in items:
        for fact in it.facts:
            assert contains(it.answer, fact), (it.id, fact)
        for ev in it.evidence:
            assert texts.holds(ev.doc, ev.quote), (it.id, ev.quote)
        if not it.answerable:
            assert it.facts == [] and it.evidence == []


# ------------------------------------------------------------------------------- the checker
def test_comparison_is_whitespace_and_case_insensitive_and_nfc():
    assert contains("tối  thiểu\n20%  tổng chi", "tối thiểu 20% tổng")
    assert contains("Hòa Bình", unicodedata.normalize("NFD", "Hòa Bình"))
    assert contains("nâng cấp trường CĐSP Hoà Bình", "trường CĐSP Hòa Bình")  # old and new tone placement
    assert not contains("tối thiểu 20%", "tối thiểu 25%")
    assert contains("2. UBND các huyện: Ban hành văn bản chỉ đạo", "ban hành văn bản chỉ đạo")
    assert not contains("anything", "   ")


def test_checker_reports_each_broken_item(tmp_path):
    bad = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            item("ok-1"),
            item("quote-1", evidence=[{"doc": SL_DOC, "quote": "câu này không có trong văn bản nào cả"}]),
            item("fact-1", facts=["25%"]),
            item("ok-1", question="một câu hỏi khác"),  # duplicate id
            item("unans-1", type="unanswerable"),  # keeps evidence and facts
            item("type-1", type="opinion"),
            item("doc-1", evidence=[{"doc": "khong_co.txt", "quote": SL_QUOTE}]),
            "{not json",
            {"id": "fields-1", "question": "thiếu trường"},
        ],
    )
    items, problems = load_gold(bad)
    found, _ = validate(items, SAMPLE_CORPUS)
    problems += found
    text = "\n".join(problems)

    def reported(ident: str, fragment: str) -> bool:
        return any(ident in p and fragment in p for p in problems)

    assert reported("quote-1", "quote not found"), text
    assert reported("fact-1", "fact not in answer"), text
    assert reported("ok-1", "duplicate id"), text
    assert reported("unans-1", "empty evidence") and reported("unans-1", "empty facts"), text
    assert reported("type-1", "unknown type"), text
    assert reported("doc-1", "not in corpus"), text
    assert reported("line 8", "invalid JSON"), text
    assert reported("fields-1", "missing field"), text
    assert not any(p.startswith("ok-1:") and "duplicate" not in p for p in problems), text


def test_check_command_exit_codes_and_output(tmp_path):
    runner = CliRunner()
    bad = write_jsonl(tmp_path / "bad.jsonl", [item("a-1"), item("a-2", facts=["99%"]), item("a-1")])
    result = runner.invoke(app, ["eval", "--check", str(bad), "--corpus", str(SAMPLE_CORPUS)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("a-")]
    assert any(line.startswith("a-2:") and "fact not in answer" in line for line in lines), result.output
    assert any(line.startswith("a-1:") and "duplicate id" in line for line in lines), result.output

    result = runner.invoke(app, ["eval", "--check", str(GOLD), "--corpus", str(SAMPLE_CORPUS)])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output
    assert "unanswerable" in result.output and "without" in result.output and "Sơn La" in result.output


def test_limit_selects_round_robin_over_types(committed):
    items, _ = committed
    chosen = select(items, 8)
    assert len(chosen) == 8
    assert {i.type for i in chosen} == set(TYPES)
    assert [i.id for i in chosen] == [i.id for i in items if i in chosen]  # file order kept
    assert select(items, None) == items


def _held_out_apart(name: str, training: list) -> list:
    """A held-out file: valid against the sample corpus, asking no training question verbatim."""
    from hoidap.vietnamese import fold

    held, problems = load_gold(ROOT / "eval" / name)
    assert problems == []
    found, _ = validate(held, SAMPLE_CORPUS)
    assert found == []
    asked = {" ".join(fold(i.question).split()) for i in training}
    assert not [i.id for i in held if " ".join(fold(i.question).split()) in asked]
    return held


def test_held_out_file_is_valid_large_enough_and_shares_no_question_with_the_training_set(committed):
    """eval/heldout.jsonl only measures (the CI gate reads it): it must stay valid and apart."""
    from hoidap.vietnamese import fold

    held = _held_out_apart("heldout.jsonl", committed[0])
    assert len(held) >= 100 and sum(1 for i in held if not i.answerable) >= 20

    def grams(question: str) -> set:
        ws = fold(question).split()
        return set(ws) | set(zip(ws, ws[1:]))

    # no near-paraphrase either: training questions sharing 60 % of their words and word pairs with a
    # held-out question were removed before fitting
    held_grams = [grams(i.question) for i in held]
    near = [i.id for i in committed[0] if any(len(g & h) / len(g | h) >= 0.6 for h in held_grams for g in [grams(i.question)])]
    assert near == []
    assert len(committed[0]) >= 300 and sum(1 for i in committed[0] if not i.answerable) >= 60


def test_the_fresh_held_out_file_is_valid_against_the_sample_corpus():
    """The one eval/heldoutNN.jsonl is measured at the end of a round and becomes the next round's gate (its
    near-paraphrases are then removed from training, as test_held_out_file… checks for the gate)."""
    fresh = sorted((ROOT / "eval").glob("heldout[0-9]*.jsonl"))
    assert len(fresh) == 1, f"expected one fresh held-out file, found {[p.name for p in fresh]}"
    held, problems = load_gold(fresh[0])
    assert problems == [] and validate(held, SAMPLE_CORPUS)[0] == []
    assert len(held) >= 100 and sum(1 for i in held if not i.answerable) >= 20
