"""The web chat's serving layer over real HTTP: CORS, rate limit, API key, upload limits, request ids,
logs and metrics — plus the conversation, streaming and feedback contract the widget relies on."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from hoidap.api.observability import JsonFormatter
from hoidap.api.security import SlidingWindowLimiter
from hoidap.settings import Settings
from tests.conftest import BAC_NINH, LiveServer, _no_close

KEY = "s3cret-admin-key"
ALLOWED = "https://truong.example.edu.vn"
PLAN = """KẾ HOẠCH
PHÁT TRIỂN THƯ VIỆN SỐ NĂM HỌC 2024 - 2025 CỦA TỈNH ĐIỆN BIÊN
I. MỤC TIÊU
Tỷ lệ trường học có thư viện số đạt 45% vào cuối năm học 2024 - 2025.
"""


@contextmanager
def serve(service, **overrides) -> Iterator[httpx.Client]:
    """A real server of create_app(service) with serving settings overridden, and a client for it."""
    from hoidap.api.app import create_app

    app = create_app(service, service.settings.model_copy(update=overrides))
    app.router.lifespan_context = _no_close  # the fixture owning the service closes it
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def api(sample_service):
    """The sample index with CORS for one site, an admin key and a limit high enough not to interfere."""
    with serve(sample_service, cors_origins=[ALLOWED], api_key=KEY, rate_limit_per_minute=1000) as client:
        yield client


@pytest.fixture(scope="module")
def scratch_service(tmp_path_factory):
    """An empty index of its own, so uploads and deletions never touch the shared sample index."""
    from hoidap.answer.service import AnswerService

    service = AnswerService(Settings(data_dir=tmp_path_factory.mktemp("scratch")))
    yield service
    service.close()


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


# ------------------------------------------------------------------------------------------- CORS
def test_cors_preflight_allows_only_listed_sites(api):
    ok = api.options("/api/ask", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in ok.headers["access-control-allow-methods"]

    evil = api.options("/api/ask", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
    })
    assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers


def test_cors_headers_on_answers_expose_request_id_and_retry_after(api):
    r = api.post("/api/ask", json={"question": "chủ đề năm học là gì?"}, headers={"Origin": ALLOWED})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ALLOWED
    exposed = r.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in exposed and "retry-after" in exposed

    other = api.post("/api/ask", json={"question": "chủ đề năm học là gì?"},
                     headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers  # the browser refuses to hand it to the page

    same_origin = api.get("/widget.js")  # no Origin header: same-origin and server-side clients just work
    assert same_origin.status_code == 200
    assert same_origin.headers["content-type"].startswith("text/javascript")


# ------------------------------------------------------------------------------------- rate limit
def test_rate_limit_per_client_with_retry_after(sample_service):
    question = {"question": "chủ đề năm học là gì?"}
    with serve(sample_service, rate_limit_per_minute=2) as client:
        assert client.post("/api/ask", json=question).status_code == 200
        assert client.post("/api/ask/stream", json=question).status_code == 200  # same bucket
        refused = client.post("/api/ask", json=question)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "tối đa 2 câu mỗi phút" in refused.json()["detail"]
        assert client.post("/api/ask/stream", json=question).status_code == 429

        # Another client (another source address) has its own allowance.
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=str(client.base_url), transport=transport, timeout=30) as other:
            assert other.post("/api/ask", json=question).status_code == 200

        metrics = client.get("/metrics").text
        assert 'hoidap_rate_limited_total{route="/api/ask"} 1.0' in metrics


def test_sliding_window_frees_a_slot_when_the_oldest_hit_leaves():
    now = [1000.0]
    limiter = SlidingWindowLimiter(2, 60, clock=lambda: now[0])
    assert limiter.hit("a") == 0 and limiter.hit("a") == 0
    assert limiter.hit("a") == pytest.approx(60)
    now[0] += 45
    assert limiter.hit("a") == pytest.approx(15) and limiter.hit("b") == 0
    now[0] += 15
    assert limiter.hit("a") == 0
    assert SlidingWindowLimiter(0).hit("a") == 0  # 0 = no limit


# ---------------------------------------------------------------------------------------- API key
ADMIN_CALLS = [
    ("GET", "/api/feedback", {}),
    ("POST", "/api/admin/ingest", {"files": [("files", ("plan.txt", PLAN.encode()))]}),
    ("DELETE", "/api/admin/documents/plan.txt", {}),
]


@pytest.mark.parametrize("method, path, kwargs", ADMIN_CALLS)
def test_admin_endpoints_require_the_api_key(api, method, path, kwargs):
    missing = api.request(method, path, **kwargs)
    assert missing.status_code == 401 and "X-API-Key" in missing.json()["detail"]
    wrong = api.request(method, path, headers={"X-API-Key": "guess"}, **kwargs)
    assert wrong.status_code == 403 and "không đúng" in wrong.json()["detail"]


def test_admin_endpoints_are_off_without_a_configured_key(sample_service):
    with serve(sample_service, api_key=None) as client:
        for method, path, kwargs in ADMIN_CALLS:
            r = client.request(method, path, headers={"X-API-Key": "anything"}, **kwargs)
            assert r.status_code == 503 and "HOIDAP_API_KEY" in r.json()["detail"]


# ---------------------------------------------------------------------------------------- uploads
@pytest.fixture(scope="module")
def admin(scratch_service):
    with serve(scratch_service, api_key=KEY, max_upload_bytes=2000) as client:
        client.headers["X-API-Key"] = KEY
        yield client


def test_upload_too_large_is_413_declared_or_streamed(admin):
    r = admin.post("/api/admin/ingest", files=[("files", ("big.txt", b"a" * 5000))])
    assert r.status_code == 413 and "2000" in r.json()["detail"]

    boundary = uuid.uuid4().hex

    def chunked():  # no Content-Length: the server must count while reading
        yield (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.txt"\r\n'
               "Content-Type: text/plain\r\n\r\n").encode()
        for _ in range(12):
            yield b"a" * 8192
        yield f"\r\n--{boundary}--\r\n".encode()

    r = admin.post("/api/admin/ingest", content=chunked(),
                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413


def test_upload_of_an_unsupported_type_is_415(admin):
    files = [("files", ("plan.txt", PLAN.encode())), ("files", ("virus.exe", b"MZ"))]
    r = admin.post("/api/admin/ingest", files=files)
    assert r.status_code == 415 and "virus.exe" in r.json()["detail"] and ".pdf" in r.json()["detail"]
    r = admin.post("/api/admin/ingest", json={"files": "plan.txt"})
    assert r.status_code == 415
    assert admin.get("/api/documents").json() == []


def test_upload_ingests_reports_failures_by_name_then_delete(admin):
    r = admin.post("/api/admin/ingest", files=[
        ("files", ("../../ke_hoach_thu_vien.txt", PLAN.encode())),  # folders are stripped from names
        ("files", ("hong.pdf", b"this is not a pdf")),
    ])
    assert r.status_code == 200
    report = r.json()
    assert report["ok"] is False and report["added"] == ["ke_hoach_thu_vien.txt"] and report["chunks"] > 0
    [failed] = report["failed"]
    assert failed["file"] == "hong.pdf" and "PDF" in failed["reason"]

    again = admin.post("/api/admin/ingest", files=[("files", ("ke_hoach_thu_vien.txt", PLAN.encode()))])
    again = again.json()
    assert again["ok"] is True and again["unchanged"] == ["ke_hoach_thu_vien.txt"]
    answer = admin.post("/api/ask", json={"question": "tỷ lệ trường học có thư viện số?"}).json()
    assert "45%" in answer["answer"] and answer["citations"][0]["source"] == "ke_hoach_thu_vien.txt"

    gone = admin.delete("/api/admin/documents/ke_hoach_thu_vien.txt")
    assert gone.status_code == 200 and gone.json()["deleted_chunks"] == report["chunks"]
    assert admin.delete("/api/admin/documents/ke_hoach_thu_vien.txt").status_code == 404


# -------------------------------------------------------------------------- request id, logs, metrics
def test_request_id_is_issued_or_echoed(api):
    issued = api.get("/api/health").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", issued)
    echoed = api.get("/api/health", headers={"X-Request-ID": "client-42"})
    assert echoed.headers["x-request-id"] == "client-42"
    odd = api.get("/api/health", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", odd)
    assert api.get("/nowhere").headers["x-request-id"]


def _logged(caplog, request_id: str, wait_s: float = 5.0) -> list[logging.LogRecord]:
    """The request's log records; the server thread may write its line just after the client has
    read the response, so wait for it a little."""
    deadline = time.monotonic() + wait_s
    while True:
        found = [r for r in caplog.records if getattr(r, "fields", {}).get("request_id") == request_id]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def test_structured_json_log_line_per_request(api, caplog):
    caplog.set_level(logging.INFO, logger="hoidap.api")
    api.post("/api/ask", json={"question": "chủ đề năm học là gì?"}, headers={"X-Request-ID": "log-test-1"})
    [record] = _logged(caplog, "log-test-1")
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "request" and line["level"] == "INFO" and line["logger"] == "hoidap.api"
    assert line["path"] == "/api/ask" and line["status"] == 200 and line["duration_ms"] > 0
    assert line["request_id"] == "log-test-1" and line["ts"].endswith("+00:00")


def test_metrics_in_prometheus_format(api):
    api.post("/api/ask", json={"question": "chủ đề năm học là gì?"})
    api.post("/api/ask", json={"question": "lương giáo viên mầm non năm 2025 là bao nhiêu?"})
    r = api.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert re.search(r'hoidap_http_requests_total\{method="POST",route="/api/ask",status="200"\} [1-9]', text)
    assert 'hoidap_http_request_duration_seconds_bucket{le="0.5",method="POST",route="/api/ask"}' in text
    assert re.search(r'hoidap_answers_total\{mode="extractive",outcome="answered"\} [1-9]', text)
    assert re.search(r'hoidap_answers_total\{mode="extractive",outcome="abstained"\} [1-9]', text)


# ------------------------------------------------------------------ conversations, streaming, feedback
def test_conversation_ids_are_issued_and_followed(api):
    first = api.post("/api/ask", json={
        "question": "chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Sơn La?", "conversation_id": None,
        "new_conversation": True,
    }).json()
    cid = first["conversation_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", cid)
    follow = api.post("/api/ask", json={"question": "còn Bắc Ninh thì sao?", "conversation_id": cid}).json()
    assert follow["conversation_id"] == cid
    assert follow["resolved_question"] == "chi ngân sách cho giáo dục tối thiểu bao nhiêu ở Bắc Ninh?"
    assert {c["source"] for c in follow["citations"]} == {BAC_NINH}

    stateless = api.post("/api/ask", json={"question": "còn Bắc Ninh thì sao?"}).json()
    assert stateless["conversation_id"] is None


@pytest.mark.parametrize("payload, fragment", [
    ({"question": "x", "conversation_id": "abcdef123456", "new_conversation": True}, "new_conversation"),
    ({"question": "x", "conversation_id": "../../etc"}, "conversation_id"),
    ({"question": "x", "new_conversation": "yes"}, "new_conversation"),
])
def test_bad_conversation_fields_are_422(api, payload, fragment):
    r = api.post("/api/ask", json=payload)
    assert r.status_code == 422 and fragment in r.json()["detail"]


def test_stream_sends_meta_deltas_and_done(api):
    r = api.post("/api/ask/stream", json={
        "question": "ty le huy dong tre nha tre o Lai Chau nam hoc 2024-2025", "new_conversation": True,
    })
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    names = [name for name, _ in events]
    assert names[0] == "meta" and names[-1] == "done" and set(names[1:-1]) == {"delta"} and len(names) > 3
    meta, done = events[0][1], events[-1][1]
    assert meta["conversation_id"] == done["conversation_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", meta["conversation_id"])
    assert "".join(data["text"] for name, data in events if name == "delta") == done["answer"]
    assert "32,8%" in done["answer"] and done["citations"][0]["province"] == "Lai Châu"


def test_stream_refuses_a_bad_question_before_streaming(api):
    r = api.post("/api/ask/stream", json={"question": "   "})
    assert r.status_code == 422 and "Câu hỏi trống" in r.json()["detail"]


def test_feedback_is_stored_and_exported_as_gold_jsonl(api):
    answer = api.post("/api/ask", json={"question": "chủ đề năm học là gì?"}).json()
    marker = f"góp ý {uuid.uuid4().hex[:8]}"
    down = api.post("/api/feedback", json={
        "question": answer["question"], "answer": answer["answer"], "citations": answer["citations"],
        "rating": -1, "comment": marker, "conversation_id": None,
    })
    assert down.status_code == 201 and down.json()["id"]
    liked = {"question": "q", "answer": "a", "rating": 1, "comment": f"{marker}+"}
    up = api.post("/api/feedback", json=liked)
    assert up.status_code == 201

    r = api.get("/api/feedback", headers={"X-API-Key": KEY}, params={"rating": -1})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    items = [json.loads(line) for line in r.text.splitlines()]
    mine = [i for i in items if i["feedback"]["comment"].startswith(marker)]
    assert len(mine) == 1 and mine[0]["feedback"] == {"rating": -1, "comment": marker, "channel": "web"}
    assert mine[0]["question"] == "chủ đề năm học là gì?" and mine[0]["answer"] == ""
    assert {"id", "question", "answer", "facts", "evidence", "province", "type"} <= set(mine[0])
    assert mine[0]["evidence"]
    assert {e["doc"] for e in mine[0]["evidence"]} <= {c["source"] for c in answer["citations"]}


@pytest.mark.parametrize("payload, fragment", [
    ({"question": "q", "answer": "a", "rating": 0}, "rating"),
    ({"question": "q", "answer": "a", "rating": True}, "rating"),
    ({"question": "q", "answer": "a", "rating": 1, "comment": "x" * 2001}, "comment"),
    ({"question": "", "answer": "a", "rating": 1}, "question"),
])
def test_bad_feedback_is_422(api, payload, fragment):
    r = api.post("/api/feedback", json=payload)
    assert r.status_code == 422 and fragment in r.json()["detail"]
