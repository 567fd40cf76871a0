"""An OpenAI-compatible chat endpoint (Ollama, vLLM, llama.cpp server...) over plain HTTP.

``POST {base_url}/chat/completions`` with ``stream: true`` for token streaming (server-sent events).
The API key is read from the environment variable named in settings; it is never stored or logged.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

from memberinsight.agent.llm.base import LLMUnavailableError
from memberinsight.agent.llm.chat import Message, validate_messages
from memberinsight.errors import ConfigError


class OpenAIBackend:
    """Chat completions from an OpenAI-compatible server."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 120.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"llm_endpoint_url must start with http:// or https://, got {base_url!r}")
        if not model:
            raise ConfigError("llm_endpoint_model is empty: name the model the endpoint should run")
        url = base_url.rstrip("/")
        self.url = url if url.endswith("/chat/completions") else url + "/chat/completions"
        self.model = model
        self.timeout = timeout
        self._api_key = api_key
        self.name = f"openai:{model}"

    def _request(self, messages: Sequence[Message], max_new_tokens: int, temperature: float,
                 seed: int | None, stream: bool) -> Any:
        body: dict[str, Any] = {"model": self.model, "messages": validate_messages(messages),
                                "max_tokens": max_new_tokens, "temperature": temperature, "stream": stream}
        if seed is not None:
            body["seed"] = seed
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream" if stream else "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)  # noqa: S310 - URL scheme checked above
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            raise LLMUnavailableError(f"LLM endpoint {self.url} answered HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise LLMUnavailableError(f"cannot reach LLM endpoint {self.url}: {exc}") from exc

    def generate(self, messages: Sequence[Message], max_new_tokens: int = 256, temperature: float = 0.0,
                 seed: int | None = None) -> str:
        with self._request(messages, max_new_tokens, temperature, seed, stream=False) as resp:
            try:
                data = json.loads(resp.read().decode("utf-8"))
                return data["choices"][0]["message"]["content"] or ""
            except (json.JSONDecodeError, UnicodeDecodeError, KeyError, IndexError, TypeError) as exc:
                raise LLMUnavailableError(f"LLM endpoint {self.url} sent an unreadable answer: {exc}") from exc

    def stream(self, messages: Sequence[Message], max_new_tokens: int = 256, temperature: float = 0.0,
               seed: int | None = None) -> Iterator[str]:
        with self._request(messages, max_new_tokens, temperature, seed, stream=True) as resp:
            for raw in resp:
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue  # blank separators, comments, event names
                payload = line[5:].strip()
                if payload == "[DONE]":
                    return
                try:
                    event = json.loads(payload)
                except json.JSONDecodeError as exc:
                    raise LLMUnavailableError(f"LLM endpoint {self.url} sent a bad event: {payload[:200]}") from exc
                if "error" in event:
                    raise LLMUnavailableError(f"LLM endpoint {self.url} reported: {event['error']}")
                for choice in event.get("choices") or []:
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        yield piece

    def describe(self) -> dict[str, Any]:
        return {"backend": "openai", "name": self.name, "url": self.url, "model": self.model,
                "api_key": "set" if self._api_key else "none"}
