"""Behind a reverse proxy, over real HTTP to a real `hoidap serve`: the rate limit and the JSON logs use
the client named by a trusted proxy's X-Forwarded-For, and ignore the header from any other peer.
Two loopback addresses play the parts: 127.0.0.1 is the trusted proxy, 127.0.0.2 an untrusted client."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.processes import ServeProcess

LIMIT = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {
        "HOIDAP_DATA_DIR": str(tmp_path_factory.mktemp("proxy")),
        "HOIDAP_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "HOIDAP_FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    with ServeProcess(env, "--no-sample") as process:
        yield process


def client_from(address: str, base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, transport=httpx.HTTPTransport(local_address=address), timeout=30)


def feedback(client: httpx.Client, forwarded_for: str) -> int:
    body = {"question": "chi ngân sách?", "answer": "…", "rating": 1}
    return client.post("/api/feedback", json=body, headers={"X-Forwarded-For": forwarded_for}).status_code


def logged_clients(server: ServeProcess) -> set[str]:
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    return {line["client"] for line in lines if line.get("path") == "/api/feedback"}


def test_a_trusted_proxy_gives_each_client_its_own_budget(server):
    with client_from("127.0.0.1", server.url) as proxy:
        assert [feedback(proxy, "203.0.113.5") for _ in range(LIMIT + 1)] == [201] * LIMIT + [429]
        assert feedback(proxy, "203.0.113.6") == 201
        # nginx appends the peer it saw; a forged first entry cannot borrow another teacher's budget
        assert feedback(proxy, "203.0.113.6, 203.0.113.5") == 429
        assert feedback(proxy, "203.0.113.5, 203.0.113.7") == 201
    assert {"203.0.113.5", "203.0.113.6", "203.0.113.7"} <= logged_clients(server)


def test_an_untrusted_peer_cannot_forge_its_address(server):
    with client_from("127.0.0.2", server.url) as peer:
        codes = [feedback(peer, f"198.51.100.{i}") for i in range(LIMIT + 1)]
    assert codes == [201] * LIMIT + [429]
    clients = logged_clients(server)
    assert "127.0.0.2" in clients and not any(c.startswith("198.51.100.") for c in clients)
