"""Fault tooling: decisions in process, socket-level faults against a real uvicorn."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kol_backend.main import create_app

HERE = Path(__file__).resolve().parent
MATCH_BODY = {"campaign_id": "c", "categories": ["tech"], "budget": 1000.0}


@pytest.fixture
def client():
    return TestClient(create_app(faults_enabled=True))


def statuses(client, path, n):
    return [client.get(path).status_code for _ in range(n)]


def test_error_rate_is_an_even_deterministic_share(client):
    assert client.post("/_faults", json={"error_status": 500, "error_rate": 0.5}).status_code == 200
    assert statuses(client, "/health", 6) == [200, 500, 200, 500, 200, 500]
    status = client.get("/_faults").json()
    assert status["targeted_requests"] == 6 and status["failures_injected"] == 3


def test_count_reverts_and_paths_filter(client):
    config = {"error_status": 503, "retry_after": 2, "count": 2, "paths": ["/api/v1/kols/match"]}
    client.post("/_faults", json=config)
    assert client.get("/health").status_code == 200
    first = client.post("/api/v1/kols/match", json=MATCH_BODY)
    assert first.status_code == 503 and first.headers["retry-after"] == "2"
    assert first.json() == {"detail": "injected fault: HTTP 503"}
    assert client.post("/api/v1/kols/match", json=MATCH_BODY).status_code == 503
    assert client.post("/api/v1/kols/match", json=MATCH_BODY).status_code == 200
    assert client.get("/_faults").json()["config"] is None


def test_delete_resets(client):
    client.post("/_faults", json={"error_status": 500})
    assert client.delete("/_faults").json()["config"] is None
    assert client.get("/health").status_code == 200


def test_malformed_json(client):
    client.post("/_faults", json={"malformed_json": True})
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_oversized_body_is_valid_json_of_exact_size(client):
    client.post("/_faults", json={"oversized_body_bytes": 300_000})
    response = client.get("/health")
    assert response.headers["content-length"] == "300000"
    assert len(response.content) == 300_000
    assert set(response.json()) == {"padding"}


@pytest.mark.parametrize(
    "config",
    [
        {"error_status": 500, "drop_connection": True},
        {"retry_after": 1},
        {"oversized_chunked": True},
        {"error_status": 302},
        {"error_rate": 1.5, "error_status": 500},
        {"unknown_field": 1},
    ],
)
def test_bad_fault_configs_are_422(client, config):
    assert client.post("/_faults", json=config).status_code == 422


def test_request_log_sees_headers_but_not_control_calls(client):
    client.delete("/_faults/requests")
    client.get("/health", headers={"X-Request-ID": "health-check-1", "X-Circuit-State": "closed",
                                   "Authorization": "Bearer k"})
    client.post("/api/v1/kols/match", json=MATCH_BODY, headers={"X-Request-ID": "match-kols-2"})
    client.get("/openapi.json")
    records = client.get("/_faults/requests").json()["requests"]
    assert [(r["method"], r["path"]) for r in records] == [
        ("GET", "/health"), ("POST", "/api/v1/kols/match"),
    ]
    assert records[0]["x_request_id"] == "health-check-1"
    assert records[0]["x_circuit_state"] == "closed"
    assert records[0]["authorization_present"]
    assert records[0]["headers"]["authorization"] == "Bearer k"
    assert records[1]["x_circuit_state"] is None and not records[1]["authorization_present"]
    assert client.delete("/_faults/requests").json() == {"cleared": 2}
    assert client.get("/_faults/requests").json() == {"requests": []}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = dict(os.environ, KOL_BACKEND_FAULTS="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(HERE),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )
    try:
        for _ in range(300):
            if process.poll() is not None:
                pytest.fail(f"uvicorn exited with {process.returncode}")
            try:
                if request(port, "GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("uvicorn did not come up")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def request(port, method, path, body=None, timeout=10.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = json.dumps(body) if body is not None else None
        headers = {"content-type": "application/json"} if body is not None else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def set_faults(port, config):
    assert request(port, "POST", "/_faults", config)[0] == 200


def test_drop_connection_sends_nothing(server):
    set_faults(server, {"drop_connection": True, "count": 1})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        request(server, "POST", "/api/v1/kols/match", MATCH_BODY)
    assert request(server, "GET", "/health")[0] == 200


def test_truncated_body_ends_early(server):
    set_faults(server, {"truncated_body": True, "count": 1})
    with pytest.raises(http.client.IncompleteRead):
        request(server, "POST", "/api/v1/kols/match", MATCH_BODY)
    assert request(server, "GET", "/health")[0] == 200


def test_chunked_oversized_body_has_no_length(server):
    set_faults(server, {"oversized_body_bytes": 200_000, "oversized_chunked": True, "count": 1})
    status, headers, body = request(server, "GET", "/health")
    assert status == 200 and "content-length" not in headers and len(body) == 200_000


def test_latency_outlasts_a_short_client_timeout(server):
    set_faults(server, {"latency_ms": 5_000, "count": 1})
    with pytest.raises(TimeoutError):
        request(server, "GET", "/health", timeout=0.5)
    assert request(server, "GET", "/health")[0] == 200


def test_control_routes_are_never_faulted(server):
    set_faults(server, {"error_status": 500})
    assert request(server, "GET", "/_faults")[0] == 200
    assert request(server, "DELETE", "/_faults")[0] == 200
