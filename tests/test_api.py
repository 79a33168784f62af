"""The HTTP API contract, over real HTTP against the sample index."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="module")
def client(live_api):
    with httpx.Client(base_url=live_api.url, timeout=30) as c:
        yield c


def test_ask_returns_an_answer_with_resolvable_citations(client):
    r = client.post("/api/ask", json={"question": "ty le huy dong tre nha tre o Lai Chau nam hoc 2024-2025"})
    assert r.status_code == 200
    body = r.json()
    assert body["abstained"] is False and "32,8%" in body["answer"]
    c = body["citations"][0]
    assert {"source", "text", "quote", "section", "title", "province", "score"} <= set(c)
    assert c["quote"] in c["text"] and c["province"] == "Lai Châu"
    assert f"[{c['n']}]" in body["answer"]


def test_ask_abstains_plainly(client):
    body = client.post("/api/ask", json={"question": "lương giáo viên mầm non năm 2025 là bao nhiêu?"}).json()
    assert body["abstained"] is True and body["citations"] == []
    assert body["answer"].startswith("Không tìm thấy")


def test_search_returns_results_in_rank_order(client):
    r = client.post("/api/search", json={"query": "chủ đề năm học", "top_k": 5})
    assert r.status_code == 200
    results = r.json()["results"]
    assert len(results) == 5
    assert [x["rank"] for x in results] == [1, 2, 3, 4, 5]
    scores = [x["score"] for x in results]
    assert scores == sorted(scores, reverse=True)
    assert {"source", "text", "section", "score"} <= set(results[0])


def test_health_and_documents(client):
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["documents"] == 5 and health["qdrant"] == "embedded"
    docs = client.get("/api/documents").json()
    assert {d["province"] for d in docs} == {"Sơn La", "Lai Châu", "Bắc Ninh", "Hòa Bình"}


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({"question": ""}, "Câu hỏi trống"),
        ({"question": "   \t "}, "Câu hỏi trống"),
        ({"question": "a" * 501}, "Câu hỏi quá dài: 501 ký tự, tối đa 500"),
        ({"question": 123}, "question: Input should be a valid string"),
        ({"question": None}, "question: Input should be a valid string"),
        ({}, "question: Field required"),
        ({"question": "x", "extra": 1}, "extra: Extra inputs are not permitted"),
    ],
)
def test_bad_questions_get_a_precise_422(client, payload, fragment):
    r = client.post("/api/ask", json=payload)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]


def test_malformed_json_and_bad_top_k_are_client_errors(client):
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.json()["detail"]
    r = client.post("/api/search", json={"query": "ngân sách", "top_k": 0})
    assert r.status_code == 422 and "top_k" in r.json()["detail"]
    r = client.post("/api/search", json={"query": "ngân sách", "top_k": "5"})
    assert r.status_code == 422


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]


def test_domain_errors_answer_with_the_status_their_class_carries(client, sample_service, monkeypatch):
    """The status is looked up through the class hierarchy: a new kind of IndexUnavailable is a 503 too."""
    from hoidap.errors import EmbeddingModelError, IndexUnavailable

    class EngineLocked(IndexUnavailable):
        pass

    for error, status in ((EngineLocked("chỉ mục đang bận"), 503), (EmbeddingModelError("không nạp được mô hình"), 503)):
        def fail(*_, error=error, **__):
            raise error

        monkeypatch.setattr(sample_service, "search", fail)
        r = client.post("/api/search", json={"query": "chủ đề năm học"})
        assert r.status_code == status and r.json()["detail"] == str(error)
