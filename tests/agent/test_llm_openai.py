"""The OpenAI-compatible backend against a real local HTTP server (JSON and server-sent events)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from memberinsight.agent.llm import LLMUnavailableError, OpenAIBackend, get_backend
from memberinsight.config import load_settings

REPLY = "Come back for 15% off, {first_name}!"


class _Handler(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body["_path"], body["_auth"] = self.path, self.headers.get("Authorization")
        type(self).requests.append(body)
        if self.path.startswith("/broken"):
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": "model exploded"}')
            return
        reply = REPLY[: body["max_tokens"] * 4]
        if not body.get("stream"):
            data = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": reply}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b": keep-alive comment\n\n")
        first = {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}
        self.wfile.write(f"data: {json.dumps(first)}\n\n".encode())
        for word in reply.split(" "):
            piece = word if word == reply.split(" ")[0] else " " + word
            event = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


MESSAGES = [{"role": "user", "content": "Write an SMS."}]


def test_generate_and_request_shape(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_TEST_KEY", "sk-test")
    backend = get_backend(load_settings(llm_backend="openai", llm_endpoint_url=server,
                                        llm_endpoint_model="tiny", llm_api_key_env="MY_TEST_KEY"))
    assert isinstance(backend, OpenAIBackend)
    assert backend.generate(MESSAGES, max_new_tokens=64, temperature=0.5, seed=9) == REPLY
    sent = _Handler.requests[-1]
    assert sent["_path"] == "/v1/chat/completions" and sent["_auth"] == "Bearer sk-test"
    assert sent["model"] == "tiny" and sent["messages"] == MESSAGES
    assert (sent["max_tokens"], sent["temperature"], sent["seed"], sent["stream"]) == (64, 0.5, 9, False)
    assert "sk-test" not in json.dumps(backend.describe())


def test_streaming_over_sse(server: str) -> None:
    backend = OpenAIBackend(server, "tiny")
    pieces = list(backend.stream(MESSAGES, max_new_tokens=64))
    assert len(pieces) == len(REPLY.split(" ")) and "".join(pieces) == REPLY
    assert _Handler.requests[-1]["stream"] is True and _Handler.requests[-1]["_auth"] is None


def test_errors_are_reported(server: str) -> None:
    broken = OpenAIBackend(server.replace("/v1", "/broken"), "tiny")
    with pytest.raises(LLMUnavailableError, match="HTTP 500.*model exploded"):
        broken.generate(MESSAGES)
    with pytest.raises(LLMUnavailableError, match="cannot reach"):
        OpenAIBackend("http://127.0.0.1:9/v1", "tiny", timeout=2).generate(MESSAGES)
