"""Benchmark the local LLM backends on the packaged SmolLM2-135M GGUF; prints JSON.

Measured in one run on this machine:

* cold conversion (GGUF -> cached safetensors) when the cache is empty, and warm load in a fresh
  process (imports and model load reported separately);
* first-token latency for a ~300-token prompt;
* decode speed (tokens/s, greedy, stop tokens ignored) for plain transformers (fp32 and dynamic
  int8) and the fast engine (fp32, bf16, int8, int4 with int8 or int4 output head);
* quality: next-token agreement of each variant with the fp32 reference over a teacher-forced text;
* ratios against plain transformers fp32 measured in the same run, and against llama.cpp's
  decode speed on the same GGUF and machine, which is NOT measured here (llama.cpp is not
  installed): the reference figure 77 tok/s is used, as given in the project brief.

Usage: ``python bench/llm.py [--tokens 64] [--threads 1] [--cache DIR] [--quick]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LLAMA_CPP_REFERENCE_TOK_S = 77.0
FILLER = ("Our members love seasonal garden tools, kitchen linen and handmade candles. ")


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
    start = time.perf_counter()
    first = None
    n = 0
    for _ in engine.generate_ids(ids, tokens, repetition_penalty=1.0):
        n += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    return {"first_token_s": round(first - start, 3), "tok_s": round((n - 1) / (end - first), 1), "tokens": n}


def _hf_run(model, ids: list[int], tokens: int) -> dict[str, float]:
    import torch

    x = torch.tensor([ids])
    with torch.inference_mode():
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
        "from agent.llm.local import LocalBackend; t1 = time.perf_counter(); "
        f"b = LocalBackend({str(model_dir)!r}, quant={quant!r}); s = b.load(); "
        "print(json.dumps({'import_s': round(t1 - t0, 3), 'load_s': s}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=None, help="Converted-model cache (default: a temp dir).")
    parser.add_argument("--quick", action="store_true", help="Skip the slow transformers variants.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import torch
    from safetensors.torch import load_file

    from agent.llm.chat import ChatTokenizer
    from agent.llm.convert import ensure_converted, gguf_path
    from agent.llm.engine import LlamaEngine
    from agent.llm.local import read_config
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
    for name, quant, head in (("engine_fp32", "fp32", None), ("engine_bf16", "bf16", None),
                              ("engine_int8", "int8", None), ("engine_int4", "int4", "int8"),
                              ("engine_int4_head_int4", "int4", "int4")):
        t0 = time.perf_counter()
        engine = LlamaEngine(weights, config, quant=quant, head_quant=head, max_seq=1024)
        row = {"pack_s": round(time.perf_counter() - t0, 3), **_engine_run(engine, ids, args.tokens)}
        if reference_logits is None:
            reference = LlamaEngine(weights, config, quant="fp32", max_seq=256)
            reference_logits = torch.stack([reference.forward(torch.tensor([t]), p) for p, t in enumerate(check_ids)])
        row["top1_agreement_vs_fp32"] = _agreement(reference_logits, engine, check_ids)
        variants[name] = row
        del engine
    base = variants.get("transformers_fp32", {}).get("tok_s")
    for row in variants.values():
        if base:
            row["ratio_vs_transformers_fp32"] = round(row["tok_s"] / base, 2)
        row["ratio_vs_llama_cpp_reference"] = round(row["tok_s"] / LLAMA_CPP_REFERENCE_TOK_S, 2)
    out["variants"] = variants
    out["default_variant"] = "engine_int4"
    out["llama_cpp_reference_tok_s"] = LLAMA_CPP_REFERENCE_TOK_S
    out["llama_cpp_note"] = "reference figure from the project brief; llama.cpp is not installed or measured here"
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
