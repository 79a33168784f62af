"""The evaluation harness: exact metric values on hand-made rankings, and one real
end-to-end run (ingest the sample corpus once, evaluate a handful of gold items in-process
and over HTTP, write the reports, gate on thresholds)."""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

from typer.testing import CliRunner

from hoidap.eval.gate import check, load_thresholds, metric_value
from hoidap.eval.gold import Evidence, GoldItem, load_gold
from hoidap.eval.metrics import mean, mrr_at_k, ndcg_at_k, percentile, precision_recall, recall_at_k
from hoidap.eval.runner import aggregate, score_item
from hoidap.eval.systems import Passage, Reply
from hoidap.cli import app
from tests.conftest import free_port

GOLD = ROOT / "eval" / "gold.jsonl"
THRESHOLDS = ROOT / "eval" / "thresholds.json"
MARKUP_QUESTION = "<b>Sơn La</b> cam kết chi ngân sách cho giáo dục tối thiểu bao nhiêu %? <script>alert(1)</script>"
SYSTEMS = "hoidap,bm25,dense,hoidap-sparse"
L2 = math.log2


# -------------------------------------------------------------------------------- metrics
def test_recall_mrr_ndcg_on_a_hand_made_ranking():
    # two evidence quotes; quote 0 at rank 2, quote 1 at rank 4
    covered = [set(), {0}, set(), {1}, set()]
    assert recall_at_k(covered, 2, 1) == 0.0
    assert recall_at_k(covered, 2, 2) == 0.5
    assert recall_at_k(covered, 2, 5) == 1.0
    assert recall_at_k(covered, 2, 10) == 1.0
    assert mrr_at_k(covered, 10) == 0.5
    assert mrr_at_k(covered, 1) == 0.0
    expected = (1 / L2(3) + 1 / L2(5)) / (1 + 1 / L2(3))
    assert ndcg_at_k(covered, 2, 10) == pytest.approx(expected)
    assert ndcg_at_k(covered, 2, 10) == pytest.approx(0.650921, abs=1e-6)
    assert ndcg_at_k(covered, 2, 3) == pytest.approx((1 / L2(3)) / (1 + 1 / L2(3)))


def test_metrics_edge_cases():
    assert recall_at_k([set()] * 10, 1, 10) == 0.0
    assert mrr_at_k([], 10) == 0.0
    assert ndcg_at_k([set()] * 3, 1, 10) == 0.0
    # the same quote twice earns once: perfect at rank 1, no bonus for the duplicate
    assert ndcg_at_k([{0}, {0}], 1, 10) == 1.0
    # one passage holding both quotes at rank 1 is perfect; at rank 2 it is discounted
    assert ndcg_at_k([{0, 1}], 2, 10) == 1.0
    assert ndcg_at_k([set(), {0, 1}], 2, 10) == pytest.approx((2 / L2(3)) / (1 + 1 / L2(3)))
    assert mrr_at_k([set(), set(), {0}], 10) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        recall_at_k([{0}], 0, 5)


def test_percentile_mean_precision_recall():
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None
    assert mean([1.0, None, 0.0]) == 0.5
    assert mean([None]) is None
    assert precision_recall([True, True, False, False], [True, False, True, False]) == (0.5, 0.5)
    assert precision_recall([True, False], [False, False]) == (None, 0.0)


def _item(type_: str = "numeric", facts=("20%", "19%"), evidence=None) -> GoldItem:
    evidence = evidence if evidence is not None else [
        Evidence("a.txt", "tối thiểu 20% tổng chi"), Evidence("b.txt", "đạt tỷ lệ tối thiểu 19%"),
    ]
    if type_ == "unanswerable":
        facts, evidence = (), []
    return GoldItem("t-1", "câu hỏi", "20% và 19%", list(facts), evidence, "Sơn La", type_)


def test_score_item_judges_relevance_by_document_and_quote():
    item = _item()
    passages = [
        Passage("c.txt", "", "ngân sách tối thiểu 20% tổng chi"),  # right text, wrong document
        Passage("a.txt", "Mục 5", "bảo đảm ngân sách tối thiểu\n20%   tổng chi ngân sách"),  # whitespace differs
        Passage("b.txt", "đạt tỷ lệ tối thiểu 19%", "(quote is in the section path)"),
    ]
    s = score_item(item, passages, None)
    assert s["recall@1"] == 0.0 and s["recall@5"] == 1.0
    assert s["mrr@10"] == 0.5
    assert s["ndcg@10"] == pytest.approx((1 / L2(3) + 1 / L2(4)) / (1 + 1 / L2(3)))
    assert "fact_accuracy" not in s and "abstained" not in s  # retrieval-only system


def test_score_item_answer_metrics():
    item = _item()
    cites = [Passage("a.txt", "", "tối thiểu 20% tổng chi"), Passage("a.txt", "", "không liên quan")]
    s = score_item(item, [], Reply("Theo Sơn La: tối thiểu 20% tổng chi [1]", False, cites))
    assert s["fact_share"] == 0.5 and s["fact_accuracy"] == 0.0
    assert s["citation_precision"] == 0.5 and s["citation_recall"] == 0.5
    s = score_item(item, [], Reply("20% ... 19%", True, cites))  # abstained: nothing counts
    assert s["fact_accuracy"] == 0.0 and s["fact_share"] == 0.0 and s["citation_recall"] == 0.0
    assert "citation_precision" not in s
    s = score_item(_item("unanswerable"), [], Reply("Không tìm thấy", True, []))
    assert s == {"abstained": True}


def test_aggregate_abstention_precision_recall():
    items = [_item(), _item(), _item("unanswerable"), _item("unanswerable")]
    results = [
        {"scores": {"abstained": True, "fact_accuracy": 0.0}, "ask_ms": 10.0, "search_ms": 1.0},
        {"scores": {"abstained": False, "fact_accuracy": 1.0}, "ask_ms": 20.0, "search_ms": 2.0},
        {"scores": {"abstained": True}, "ask_ms": 30.0, "search_ms": 3.0},
        {"scores": {"abstained": False}, "ask_ms": 40.0, "search_ms": 4.0},
    ]
    m = aggregate(items, results, answers=True)
    assert m["abstention_precision"] == 0.5 and m["abstention_recall"] == 0.5
    assert m["fact_accuracy"] == 0.5
    assert m["latency_p50_ms"] == 25.0
    assert m["n_unanswerable"] == 2
    assert "fact_accuracy" not in aggregate(items, results, answers=False)


# ------------------------------------------------------------------------------ end to end
def _gold_for_run(tmp: Path) -> Path:
    """A markup question first (it must come out escaped), then committed items of every type."""
    items, problems = load_gold(GOLD)
    assert not problems
    first = items[0].to_dict()
    first.update(id="markup-1", question=MARKUP_QUESTION)
    # the first committed items of each type, typed with and without diacritics (fixed ids broke when a
    # round's dedupe removed them; a reordered file once left no unaccented one among the first)
    of_type = {t: [i for i in items if i.type == t] for t in ("numeric", "list", "metadata", "comparison", "factoid", "unanswerable")}
    unaccented = {t: [i for i in group if not i.diacritics] for t, group in of_type.items()}
    picked = [of_type["numeric"][0], of_type["list"][0], of_type["metadata"][0], of_type["comparison"][0],
              of_type["factoid"][0], of_type["unanswerable"][0], unaccented["unanswerable"][0], unaccented["numeric"][0],
              of_type["comparison"][1], unaccented["list"][0]]
    rows = [first] + [i.to_dict() for i in picked]
    path = tmp / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def run(tmp_path_factory):
    """One real in-process run: ingest the sample corpus (~1 min), 8 questions, 4 systems."""
    tmp = tmp_path_factory.mktemp("eval")
    gold = _gold_for_run(tmp)
    reachable = tmp / "reachable.json"
    reachable.write_text(json.dumps({"min": {"hoidap": {"recall@10": 0.0, "fact_accuracy": 0.0}}}))
    out, data = tmp / "out", tmp / "data"
    started = time.perf_counter()
    result = CliRunner().invoke(
        app,
        ["eval", "--gold", str(gold), "--limit", "8", "--systems", SYSTEMS, "--out", str(out),
         "--data-dir", str(data), "--gate", str(reachable), "--no-progress"],
    )
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output + repr(result.exception)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"gold": gold, "out": out, "data": data, "report": report, "output": result.output, "seconds": seconds}


def test_run_writes_reports_with_per_system_metrics(run):
    report = run["report"]
    assert report["meta"]["items"] == 8
    types = {i["type"] for i in report["items"]}
    assert "unanswerable" in types and len(types) == 6
    assert list(report["systems"]) == SYSTEMS.split(",")
    for name, s in report["systems"].items():
        m = s["overall"]
        for key in ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"):
            assert 0.0 <= m[key] <= 1.0, (name, key)
        assert m["recall@1"] <= m["recall@5"] <= m["recall@10"]
        assert set(s["by_type"]) == types and set(s["by_diacritics"]) == {"with", "without"}
        assert ("fact_accuracy" in m) == s["answers"]
    hoidap = report["systems"]["hoidap"]["overall"]
    for key in ("fact_accuracy", "fact_share", "citation_precision", "citation_recall",
                "abstention_precision", "abstention_recall", "latency_p50_ms", "latency_p95_ms"):
        assert hoidap[key] is not None, key
    assert hoidap["recall@10"] > 0.5  # a real run retrieves the evidence for most questions
    assert report["systems"]["hoidap"]["by_type"]["unanswerable"]["abstention_recall"] is not None
    assert "gate" in run["output"] and "2/2 thresholds met" in run["output"]
    md = (run["out"] / "report.md").read_text(encoding="utf-8")
    assert "| system | R@1 | R@5 |" in md and "## By question type" in md
    assert "<script>" not in md


def test_html_report_is_self_contained_and_escaped(run):
    page = (run["out"] / "report.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;Sơn La&lt;/b&gt; cam kết chi ngân sách" in page  # the question, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page and "<b>Sơn La</b>" not in page
    assert "http://" not in page and "https://" not in page  # no CDN, nothing fetched
    assert "<svg" in page and "Latency of ask" in page


def test_gate_fails_on_an_impossible_threshold(run, tmp_path):
    report_path = run["out"] / "report.json"
    impossible = tmp_path / "impossible.json"
    impossible.write_text(json.dumps({"min": {"hoidap": {"recall@5": 1.01, "mrr@10": 0.0}}}))
    result = CliRunner().invoke(app, ["eval", "--from-report", str(report_path), "--gate", str(impossible)])
    assert result.exit_code == 1, result.output
    assert "FAIL hoidap recall@5" in result.output and "< 1.01" in result.output
    assert "ok   hoidap mrr@10" in result.output

    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({"min": {"llamaindex": {"recall@5": 0.1}}}))  # not run: must not pass
    result = CliRunner().invoke(app, ["eval", "--from-report", str(report_path), "--thresholds", str(missing)])
    assert result.exit_code == 1 and "not measured" in result.output


def test_committed_thresholds_name_real_metrics(run):
    bounds = load_thresholds(THRESHOLDS)
    assert bounds["min"]["hoidap"], "thresholds for hoidap are committed"
    for kind in ("min", "max"):
        for system, metrics in bounds[kind].items():
            for metric in metrics:
                if system in run["report"]["systems"]:
                    assert metric_value(run["report"], system, metric) is not None, (system, metric)
    for c in check(run["report"], {"min": {"hoidap": {m: 0.0 for m in bounds["min"]["hoidap"]}}}):
        assert c.ok


def test_url_mode_gives_the_same_answers_as_in_process(run, tmp_path):
    """The API over the index the run built: same retrieved documents, same answers."""
    import uvicorn

    from hoidap.answer.service import AnswerService
    from hoidap.api.app import create_app
    from hoidap.settings import Settings

    service = AnswerService(Settings(data_dir=run["data"], qdrant_url=None))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        out = tmp_path / "url"
        result = CliRunner().invoke(
            app,
            ["eval", "--gold", str(run["gold"]), "--limit", "8", "--systems", "hoidap", "--url",
             f"http://127.0.0.1:{port}", "--out", str(out), "--no-progress"],
        )
        assert result.exit_code == 0, result.output + repr(result.exception)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    remote = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert remote["meta"]["url"] == f"http://127.0.0.1:{port}"
    for a, b in zip(run["report"]["items"], remote["items"]):
        assert a["id"] == b["id"]
        local, http = a["results"]["hoidap"], b["results"]["hoidap"]
        assert http["answer"] == local["answer"]
        assert http["abstained"] == local["abstained"]
        assert [p["doc"] for p in http["retrieved"]] == [p["doc"] for p in local["retrieved"]]
    assert remote["systems"]["hoidap"]["overall"]["fact_accuracy"] == run["report"]["systems"]["hoidap"]["overall"]["fact_accuracy"]


def test_questions_can_be_retyped_as_chat_messages_or_with_a_typo(run, tmp_path):
    """`--variant chat` asks each gold question as a chat message (preamble, texting shorthand, particles) and
    `--variant typo` with one misspelt word; the same seed gives the same rewrite, the gold answers stay."""
    from hoidap.eval.gold import load_gold
    from hoidap.eval.variants import chat_style, one_typo, retyped

    question = "Lai Châu phấn đấu bao nhiêu % trẻ mẫu giáo được đi học, không tính nhà trẻ"
    chat = chat_style(question, "x-1")
    assert chat == chat_style(question, "x-1") and chat != question
    assert any(s in chat.split() for s in ("bn", "ko", "k", "đc", "dc")) or chat.endswith("ạ")
    typo = one_typo(question, "x-1")
    assert sum(a != b for a, b in zip(typo.split(), question.split())) == 1
    items, _ = load_gold(run["gold"])
    assert [i.facts for i in retyped(items, "chat")] == [i.facts for i in items]
    assert retyped(items, "plain") == items

    out = tmp_path / "chat"
    result = CliRunner().invoke(app, ["eval", "--gold", str(run["gold"]), "--limit", "8", "--systems", "hoidap",
                                      "--out", str(out), "--data-dir", str(run["data"]), "--variant", "chat", "--no-progress"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    asked = {i["id"]: i["question"] for i in json.loads((out / "report.json").read_text(encoding="utf-8"))["items"]}
    assert asked and all(asked[i.id] == chat_style(i.question, i.id) for i in items if i.id in asked)
    wrong = CliRunner().invoke(app, ["eval", "--gold", str(run["gold"]), "--variant", "voice"])
    assert wrong.exit_code == 2 and "unknown variant 'voice'" in wrong.output


def test_auto_ships_the_logistic_ranker_unless_boosting_is_clearly_better():
    from hoidap.eval.train import BOOSTING_MARGIN, choose_kind

    tie = {"logistic": {"correct_decisions": 0.873}, "boosting": {"correct_decisions": 0.873 + BOOSTING_MARGIN / 2}}
    assert choose_kind(tie) == "logistic"
    clear = {"logistic": {"correct_decisions": 0.873}, "boosting": {"correct_decisions": 0.873 + 2 * BOOSTING_MARGIN}}
    assert choose_kind(clear) == "boosting"
