"""Benchmark the local LLM backends on the packaged SmolLM2-135M GGUF; prints JSON.

Measured in one run on this machine:

* cold conversion (GGUF -> cached safetensors) when the cache is empty, and warm load in a fresh
  process (imports and model load reported separately);
* first-token latency for a ~300-token prompt;
* decode speed (tokens/s, greedy, stop tokens ignored, after an 8-token warm-up) for plain
  transformers (fp32 and dynamic int8) and the fast engine (fp32, bf16, int8, int4 with int8 or
  int4 output head, and int4 with the eager instead of the TorchScript decoding step);
* llama.cpp on the same GGUF (``llama-cpp-python``): the same prompt ids, token count and threads,
  timed the same way, either in this interpreter (if ``llama_cpp`` imports) or in another one given by
  ``--llama-python`` (e.g. a separate venv); when neither is available it is reported as not
  installed and the reference figure from the project brief (77 tok/s) is used, labelled as such;
* quality: next-token agreement of each variant with the fp32 reference over a teacher-forced text;
* grounding: pass rate of the default backend's copy over ``--copies`` generated pieces (SMS, push,
  email subject / preview / body, across segments, offers and tones) on the first try and after
  the writer's retries, per channel and per part, plus how often the template had to ship, the
  commonest problems and a few shipped model texts. The machine's load average is reported at the
  start and after the speed measurements (other work on the machine lowers every tok/s figure).

Usage: ``python bench/llm.py [--tokens 64] [--threads 1] [--cache DIR] [--copies 50]
[--llama-python /tmp/llamavenv/bin/python] [--quick]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

LLAMA_CPP_REFERENCE_TOK_S = 77.0
FILLER = ("Our members love seasonal garden tools, kitchen linen and handmade candles. ")
WARMUP_TOKENS = 8
LLAMA_SCRIPT = r"""
import json, sys, time
import llama_cpp
from llama_cpp import Llama

a = json.loads(sys.stdin.read())
t0 = time.perf_counter()
llm = Llama(model_path=a["gguf"], n_ctx=a["n_ctx"], n_threads=a["threads"], n_threads_batch=a["threads"],
            n_batch=512, verbose=False, seed=0)
load_s = time.perf_counter() - t0


def run(n):
    llm.reset()
    start = time.perf_counter()
    first, count = None, 0
    for _ in llm.generate(a["ids"], top_k=1, top_p=1.0, temp=0.0, repeat_penalty=1.0, reset=True):
        count += 1
        if first is None:
            first = time.perf_counter()
        if count >= n:
            break
    end = time.perf_counter()
    return {"first_token_s": round(first - start, 3), "tok_s": round((count - 1) / (end - first), 1),
            "tokens": count}


run(a["warmup"])
print(json.dumps({"version": llama_cpp.__version__, "load_s": round(load_s, 3), **run(a["tokens"])}))
"""


def _prompt_ids(tokenizer, target: int = 300) -> list[int]:
    text = FILLER * 40
    messages = [{"role": "system", "content": "You write short marketing copy."},
                {"role": "user", "content": text}]
    ids = tokenizer.encode_chat(messages)
    while len(ids) > target:
        text = text[: int(len(text) * target / len(ids)) - 1]
        messages[1]["content"] = text
        ids = tokenizer.encode_chat(messages)
    return ids


def _engine_run(engine, ids: list[int], tokens: int) -> dict[str, float]:
    for _ in engine.generate_ids(ids, WARMUP_TOKENS, repetition_penalty=1.0):
        pass
    engine.reset()  # time a full prefill (a retry of the same prompt would reuse most of it)
    start = time.perf_counter()
    first = None
    n = 0
    for _ in engine.generate_ids(ids, tokens, repetition_penalty=1.0):
        n += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    again = time.perf_counter()
    next(iter(engine.generate_ids(ids, 1, repetition_penalty=1.0)))  # a retry: whole shared chunks reused
    return {"first_token_s": round(first - start, 3), "tok_s": round((n - 1) / (end - first), 1), "tokens": n,
            "retry_first_token_s": round(time.perf_counter() - again, 3)}


def _hf_run(model, ids: list[int], tokens: int) -> dict[str, float]:
    import torch

    x = torch.tensor([ids])
    with torch.inference_mode():
        model.generate(x, max_new_tokens=WARMUP_TOKENS, min_new_tokens=WARMUP_TOKENS, do_sample=False)
        t0 = time.perf_counter()
        model.generate(x, max_new_tokens=1, min_new_tokens=1, do_sample=False)
        t1 = time.perf_counter()
        model.generate(x, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False)
        t2 = time.perf_counter()
    decode = (t2 - t1) - (t1 - t0)
    return {"first_token_s": round(t1 - t0, 3), "tok_s": round((tokens - 1) / decode, 1), "tokens": tokens}


def _agreement(reference_logits, engine, ids: list[int]) -> float:
    import torch

    logits = []
    for pos, token in enumerate(ids):
        logits.append(engine.forward(torch.tensor([token]), pos).argmax())
    got = torch.stack(logits)
    return round(float((got == reference_logits.argmax(-1)).float().mean()), 3)


def _warm_load(model_dir: Path, quant: str) -> dict[str, float]:
    code = (
        "import json, time; t0 = time.perf_counter(); import torch; "
        "from memberinsight.agent.llm.local import LocalBackend; t1 = time.perf_counter(); "
        f"b = LocalBackend({str(model_dir)!r}, quant={quant!r}); s = b.load(); "
        "print(json.dumps({'import_s': round(t1 - t0, 3), 'load_s': s}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def _llama_cpp(gguf: Path, ids: list[int], tokens: int, threads: int, python: str | None) -> dict[str, object]:
    """llama.cpp on the same GGUF, prompt ids, token count and threads (in a subprocess)."""
    if python is None:
        if importlib.util.find_spec("llama_cpp") is None:
            return {"status": "not installed", "reference_tok_s": LLAMA_CPP_REFERENCE_TOK_S,
                    "note": "llama-cpp-python is not importable here (try --llama-python PATH); "
                            "reference_tok_s is the figure from the project brief, not a measurement"}
        python = sys.executable
    payload = json.dumps({"gguf": str(gguf), "ids": ids, "tokens": tokens, "threads": threads, "n_ctx": 1024,
                          "warmup": WARMUP_TOKENS})
    try:
        proc = subprocess.run([python, "-c", LLAMA_SCRIPT], input=payload, capture_output=True, text=True,
                              timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"status": "failed", "python": python, "error": str(exc)[:300]}
    if proc.returncode != 0:
        return {"status": "failed", "python": python, "error": proc.stderr.strip()[-500:]}
    return {"status": "measured", "python": python, "threads": threads,
            **json.loads(proc.stdout.strip().splitlines()[-1])}


def _bench_sheets() -> list:
    """Six fact sheets across segments, offers and brands (fixed, so runs are comparable)."""
    from datetime import date, timedelta

    from memberinsight.agent.campaigns import Fact, FactSheet, ProductFact

    as_of = date(2025, 3, 17)
    catalogue = frozenset({"Garden Kneeler", "Set of 3 Plant Pots", "Copper Watering Can", "Linen Tea Towel",
                           "Beeswax Candle", "Trail Running Socks", "Insulated Flask", "Rain Jacket"})

    def sheet(segment, size, offer, brand, stats, products, reasons=(), days=14):
        return FactSheet(segment=segment, audience_size=size, offer=offer, deadline=as_of + timedelta(days=days),
                         as_of=as_of, brand=brand, stats=tuple(Fact(*s) for s in stats),
                         products=tuple(ProductFact(*p) for p in products), churn_reasons=tuple(reasons),
                         catalogue_names=catalogue)

    return [
        sheet("At Risk", 412, "15% off", "Acme Home",
              [("avg_spend", "Average spend per member", 182.4, "money"),
               ("avg_churn_probability", "Average churn risk", 62.5, "percent"),
               ("avg_clv", "Average predicted customer value", 240.0, "money"),
               ("all_avg_clv", "Average predicted customer value (all members)", 150.0, "money")],
              [("Garden Kneeler", 12.99, "Garden"), ("Set of 3 Plant Pots", 8.5, "Garden")],
              ["long gap since the last order", "fewer orders than usual"]),
        sheet("Champions", 236, "early access to the spring range", "Acme Home",
              [("avg_orders", "Average orders per member", 9.4, "number"),
               ("avg_spend", "Average spend per member", 611.2, "money")],
              [("Beeswax Candle", 14.0, "Home"), ("Linen Tea Towel", 9.5, "Kitchen")], days=7),
        sheet("New", 518, "10% off your second order", "Northwind Outdoors",
              [("avg_orders", "Average orders per member", 1.0, "number"),
               ("avg_order_value", "Average order value", 46.3, "money")],
              [("Trail Running Socks", 11.0, "Outdoor"), ("Insulated Flask", 22.0, "Outdoor")], days=21),
        sheet("Loyal", 327, "free delivery", "Northwind Outdoors",
              [("avg_orders", "Average orders per member", 5.2, "number")],
              [("Rain Jacket", 89.0, "Outdoor")]),
        sheet("Hibernating", 904, "£5 off orders over £40", "Acme Home",
              [("avg_days_since_last_order", "Average days since the last order", 287, "days"),
               ("avg_churn_probability", "Average churn risk", 81.0, "percent")],
              [("Copper Watering Can", 24.5, "Garden")], ["long gap since the last order"], days=10),
        sheet("Need Attention", 190, "20% off", "Northwind Outdoors",
              [("avg_spend", "Average spend per member", 143.8, "money")],
              [("Insulated Flask", 22.0, "Outdoor"), ("Rain Jacket", 89.0, "Outdoor")]),
    ]


def _problem_kind(problem: str) -> str:
    """A problem without its specifics: ``SMS is N characters; the limit is N``, ``date not in the facts``."""
    return re.sub(r"\d+", "N", problem.split(":")[0].split(" (")[0])


def _grounding(backend, copies: int, max_attempts: int = 3) -> dict[str, object]:
    """Pass rates of generated copy (one variant per copy; an email copy is subject, preview and body)."""
    from memberinsight.agent.campaigns import TONES, check_copy, choose_play, write_copy

    sheets, channels = _bench_sheets(), ("sms", "push", "email")
    first = final = shipped_ok = pieces = pieces_first = pieces_llm = filled = 0
    attempts: list[int] = []
    problems: Counter[str] = Counter()
    by_channel: dict[str, list[int]] = {c: [0, 0, 0] for c in channels}
    by_part: dict[str, list[int]] = {}
    samples: list[str] = []
    start = time.perf_counter()
    for i in range(copies):
        facts, channel, tone = sheets[i % len(sheets)], channels[i % len(channels)], TONES[i % len(TONES)]
        result = write_copy(facts, channel, backend, tone=tone, variants=1, play=choose_play(facts)[0].key,
                            max_attempts=max_attempts, seed=1000 + i)
        reports = [p.report for p in result.variants[0].pieces]
        ok_first = all(r.attempts[0].passed for r in reports)
        ok_final = all(r.shipped_source == "llm" for r in reports)
        first, final = first + ok_first, final + ok_final
        shipped_ok += all(check_copy(p.text, facts, p.part).passed for p in result.variants[0].pieces)
        row = by_channel[channel]
        row[0], row[1], row[2] = row[0] + 1, row[1] + ok_first, row[2] + ok_final
        for r in reports:
            pieces += 1
            pieces_first += r.attempts[0].passed
            pieces_llm += r.shipped_source == "llm"
            filled += r.shipped_source == "llm" and bool(r.shipped.filled)
            part = by_part.setdefault(r.part, [0, 0, 0])
            part[0], part[1], part[2] = part[0] + 1, part[1] + r.attempts[0].passed, part[2] + (r.shipped_source == "llm")
            attempts.append(sum(a.source == "llm" for a in r.attempts))
            problems.update(_problem_kind(p) for a in r.rejected for p in a.problems)
            if r.shipped_source == "llm" and len(samples) < 12:
                samples.append(f"[{r.part}] {r.shipped.text}")
    return {
        "copies": copies, "pieces": pieces, "max_attempts": max_attempts,
        "first_try_pass_rate": round(first / copies, 3),
        "final_llm_pass_rate": round(final / copies, 3),
        "shipped_pass_rate": round(shipped_ok / copies, 3),
        "pieces_first_try_pass_rate": round(pieces_first / pieces, 3),
        "pieces_final_llm_pass_rate": round(pieces_llm / pieces, 3),
        "pieces_template_fallback_rate": round(1 - pieces_llm / pieces, 3),
        "mean_model_attempts_per_piece": round(sum(attempts) / len(attempts), 2),
        "pieces_llm_with_facts_filled_by_code": filled,
        "by_channel": {c: {"copies": n, "first_try_pass_rate": round(f / n, 3) if n else None,
                           "final_llm_pass_rate": round(g / n, 3) if n else None}
                       for c, (n, f, g) in by_channel.items()},
        "by_part": {p: {"pieces": n, "first_try_pass_rate": round(f / n, 3), "final_llm_pass_rate": round(g / n, 3)}
                    for p, (n, f, g) in by_part.items()},
        "top_problems_of_rejected_attempts": dict(problems.most_common(8)),
        "seconds": round(time.perf_counter() - start, 1),
        "shipped_model_samples": samples,
        "note": "final = every piece shipped from the model within max_attempts; otherwise the template "
                "ships (shipped_pass_rate counts the shipped text, model or template); model pieces are "
                "written with placeholders that code fills in, under guided decoding",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=None, help="Converted-model cache (default: a temp dir).")
    parser.add_argument("--quick", action="store_true",
                        help="Skip the slow transformers variants; 6 copies for the grounding rate.")
    parser.add_argument("--copies", type=int, default=None, help="Copies for the grounding rate (default 50).")
    parser.add_argument("--llama-python", default=None,
                        help="Python interpreter with llama-cpp-python installed (default: this one, if it has it).")
    args = parser.parse_args()
    copies = args.copies if args.copies is not None else (6 if args.quick else 50)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import torch
    from safetensors.torch import load_file

    from memberinsight.agent.llm.chat import ChatTokenizer
    from memberinsight.agent.llm.convert import ensure_converted, gguf_path
    from memberinsight.agent.llm.engine import LlamaEngine
    from memberinsight.agent.llm.local import read_config
    from memberinsight.config import load_settings

    torch.set_num_threads(args.threads)
    cache = args.cache or Path(tempfile.mkdtemp(prefix="llm-bench-"))
    source = gguf_path(load_settings())
    conv = ensure_converted(source, cache)
    out: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "threads": args.threads, "torch": torch.__version__,
                    "load_avg_1m": round(os.getloadavg()[0], 2)},
        "gguf": source.name, "cold_convert_s": conv.seconds if conv.converted else None,
        "warm_load": _warm_load(conv.path, "int4"),
    }
    tok = ChatTokenizer(conv.path)
    ids = _prompt_ids(tok)
    out["prompt_tokens"] = len(ids)
    weights, config = load_file(str(conv.path / "model.safetensors")), read_config(conv.path)
    check_ids = tok.tokenizer.encode(FILLER * 3).ids[:64]
    variants: dict[str, dict[str, float]] = {}
    reference_logits = None
    if not args.quick:
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(conv.path, dtype=torch.float32).eval()
        with torch.inference_mode():
            reference_logits = model(torch.tensor([check_ids])).logits[0]
        variants["transformers_fp32"] = _hf_run(model, ids, args.tokens)
        qmodel = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        variants["transformers_dynamic_int8"] = _hf_run(qmodel, ids, args.tokens)
        del model, qmodel
    for name, quant, head, scripted in (("engine_fp32", "fp32", None, True), ("engine_bf16", "bf16", None, True),
                                        ("engine_int8", "int8", None, True), ("engine_int4_eager", "int4", "int8", False),
                                        ("engine_int4", "int4", "int8", True),
                                        ("engine_int4_head_int4", "int4", "int4", True)):
        t0 = time.perf_counter()
        engine = LlamaEngine(weights, config, quant=quant, head_quant=head, max_seq=1024, scripted=scripted)
        row = {"pack_s": round(time.perf_counter() - t0, 3), "scripted_step": engine.scripted,
               **_engine_run(engine, ids, args.tokens)}
        if reference_logits is None:
            reference = LlamaEngine(weights, config, quant="fp32", max_seq=256)
            reference_logits = torch.stack([reference.forward(torch.tensor([t]), p) for p, t in enumerate(check_ids)])
        row["top1_agreement_vs_fp32"] = _agreement(reference_logits, engine, check_ids)
        variants[name] = row
        del engine
    llama = _llama_cpp(source, ids, args.tokens, args.threads, args.llama_python)
    base = variants.get("transformers_fp32", {}).get("tok_s")
    llama_tok_s = llama.get("tok_s") if llama["status"] == "measured" else None
    for row in variants.values():
        if base:
            row["ratio_vs_transformers_fp32"] = round(row["tok_s"] / base, 2)
        if llama_tok_s:
            row["ratio_vs_llama_cpp"] = round(row["tok_s"] / float(llama_tok_s), 2)
        else:
            row["ratio_vs_llama_cpp_reference"] = round(row["tok_s"] / LLAMA_CPP_REFERENCE_TOK_S, 2)
    out["variants"] = variants
    out["default_variant"] = "engine_int4"
    out["llama_cpp"] = llama
    out["machine"]["load_avg_1m_after_speed"] = round(os.getloadavg()[0], 2)
    if copies > 0:
        from memberinsight.agent.llm.local import LocalBackend

        backend = LocalBackend(conv.path, quant="int4", threads=args.threads)
        backend.load()
        out["grounding"] = _grounding(backend, copies)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
