"""Benchmark the app over HTTP on loopback (targets: no-LLM answers < 1 s p50, first streamed LLM token
< 2 s, 10 concurrent sessions without errors). Prints one JSON object.

It builds a fixed-seed demo workspace (or reuses ``--workspace``), serves the real app with login on a
free loopback port in this process, and drives it with ``gradio_client`` exactly as a browser session
does (log in, call the chat endpoint, read the streamed updates):

* **baseline**, measured in the same run: the same questions answered by ``Services.chat`` directly
  (no HTTP, no Gradio), so ``http_overhead_ratio`` = HTTP p50 / direct p50;
* **no-LLM answers**: segment overview, comparison, forecast, at-risk list, queue summary, data
  status — time until the final answer, p50/p95;
* **LLM streaming**: "write an SMS for Champions with 10% off" with the default local model — time to
  the first streamed draft token (the first update showing model text) and to the checked answer;
* **concurrency**: ``--sessions`` clients at once, each its own login and conversation, each asking
  the no-LLM questions (two of them also ask for SMS copy); errors and latencies under load.

    .venv/bin/python bench/ui.py [--members 2000] [--workspace DIR] [--sessions 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

# bench/ holds scripts named like the packages (ui.py): never import from here
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

QUESTIONS = (
    "How big is each segment?",
    "compare Champions and Hibernating",
    "what will Outdoor sell in the next 4 weeks?",
    "who are our at-risk high spenders?",
    "what's in the review queue?",
    "data status",
)
LLM_QUESTION = "write an SMS for Champions with 10% off"
USER, PASSWORD = "bench", "bench-password-1"
DRAFT_MARK = "(draft, not checked yet)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 3)


def _summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_s": _pct(values, 0.5), "p95_s": _pct(values, 0.95),
            "max_s": round(max(values), 3)} if values else {"n": 0}


def _last_assistant_text(history: list) -> str:
    for message in reversed(history or []):
        if message.get("role") != "assistant":
            continue
        content = message.get("content")
        if isinstance(content, list):
            return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
        return str(content or "")
    return ""


def ask(client, message: str) -> dict[str, float | str]:
    """One chat turn over HTTP: time to the first update with model draft text and to the final answer."""
    start = time.perf_counter()
    first_draft = None
    job = client.submit(message, [], api_name="/respond")
    for update in job:
        if first_draft is None and DRAFT_MARK in _last_assistant_text(update[1]):
            first_draft = time.perf_counter() - start
    outputs = job.outputs()
    total = time.perf_counter() - start
    final = _last_assistant_text(outputs[-1][1]) if outputs else ""
    return {"seconds": total, "first_draft_s": first_draft if first_draft is not None else float("nan"),
            "answer": final}


def build_workspace(root: Path, members: int, seed: int, out: dict) -> Path:
    from memberinsight.config import load_settings
    from memberinsight.pipeline import build
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.demo import generate_demo
    from memberinsight.workspace.ingest import ingest_directory

    t0 = time.perf_counter()
    generate_demo(root / "demo", members=members, seed=seed)
    ws = Workspace.create(root / "workspace")
    ingest_directory(ws, root / "demo")
    build(ws, load_settings(workspace=ws.path))
    out["build_workspace_seconds"] = round(time.perf_counter() - t0, 1)
    return ws.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workspace", type=Path, default=None, help="A built workspace to reuse.")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="Times each no-LLM question is asked.")
    parser.add_argument("--llm-rounds", type=int, default=3)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench_ui_"))
    os.environ.setdefault("MEMBERINSIGHT_HOME", str(root / "home"))
    out: dict[str, object] = {"cpu_count": os.cpu_count(), "sessions": args.sessions}
    ws_path = args.workspace or build_workspace(root, args.members, args.seed, out)

    from gradio_client import Client

    from memberinsight.agent.services import Services
    from memberinsight.config import load_settings
    from memberinsight.ui import launch
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.users import add_user, list_users

    ws = Workspace.open(ws_path)
    if USER not in {u.username for u in list_users(ws)}:
        add_user(ws, USER, PASSWORD, actor="bench")
    settings = load_settings(workspace=ws.path).replace(server_port=_free_port())
    services = Services(ws, settings)
    t0 = time.perf_counter()
    services.agent()  # the router's example embeddings, once per process (the server warms it the same way)
    out["agent_warmup_seconds"] = round(time.perf_counter() - t0, 2)

    # Baseline: the same answers without HTTP or Gradio.
    direct: list[float] = []
    for _ in range(args.rounds):
        for q in QUESTIONS:
            conv = services.new_conversation(USER)
            t0 = time.perf_counter()
            services.chat(conv, q)
            direct.append(time.perf_counter() - t0)
    out["direct_no_llm"] = _summary(direct)

    app = launch(ws, settings, block=False, services=services, quiet=True)
    url = f"http://127.0.0.1:{settings.server_port}"
    try:
        t0 = time.perf_counter()
        client = Client(url, auth=(USER, PASSWORD), verbose=False)
        out["login_seconds"] = round(time.perf_counter() - t0, 2)
        http: list[float] = []
        for _ in range(args.rounds):
            for q in QUESTIONS:
                http.append(float(ask(client, q)["seconds"]))
        out["http_no_llm"] = _summary(http)
        out["http_overhead_ratio_p50"] = round(out["http_no_llm"]["p50_s"] / max(out["direct_no_llm"]["p50_s"], 1e-9), 2)

        llm = [ask(client, LLM_QUESTION) for _ in range(args.llm_rounds)]  # the first includes the model load
        out["llm_first_call"] = {"first_draft_s": round(float(llm[0]["first_draft_s"]), 3),
                                 "answer_s": round(float(llm[0]["seconds"]), 3)}
        warm = llm[1:] or llm
        out["llm_streaming"] = {"first_draft_p50_s": _pct([float(r["first_draft_s"]) for r in warm], 0.5),
                                "answer_p50_s": _pct([float(r["seconds"]) for r in warm], 0.5),
                                "checked": all("Check" in str(r["answer"]) for r in llm)}

        errors: list[str] = []
        loaded: list[float] = []
        lock = threading.Lock()

        def session(i: int) -> None:
            try:
                own = Client(url, auth=(USER, PASSWORD), verbose=False)
                for q in (*QUESTIONS, *((LLM_QUESTION,) if i < 2 else ())):
                    result = ask(own, q)
                    if not result["answer"] or str(result["answer"]).startswith("⚠️"):
                        raise RuntimeError(f"bad answer to {q!r}: {str(result['answer'])[:120]}")
                    if q != LLM_QUESTION:
                        with lock:
                            loaded.append(float(result["seconds"]))
            except Exception as exc:  # a benchmark counts every failure
                with lock:
                    errors.append(f"session {i}: {type(exc).__name__}: {exc}")

        t0 = time.perf_counter()
        threads = [threading.Thread(target=session, args=(i,)) for i in range(args.sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out["concurrent"] = {"sessions": args.sessions, "wall_s": round(time.perf_counter() - t0, 2),
                             "errors": len(errors), "error_samples": errors[:3], "no_llm": _summary(loaded)}
    finally:
        app.close()
    out["targets"] = {"no_llm_p50_under_1s": out["http_no_llm"]["p50_s"] < 1.0,
                      "first_token_under_2s": out["llm_streaming"]["first_draft_p50_s"] < 2.0,
                      "concurrent_without_errors": out["concurrent"]["errors"] == 0}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
