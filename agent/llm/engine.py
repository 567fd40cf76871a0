"""A minimal Llama decoder in plain torch: preallocated KV cache, fused projections, packed weights.

SmolLM2-135M is so small that a general framework spends most of each token on bookkeeping
(module calls, cache objects, logits processors). This engine runs the same arithmetic with a
few dozen tensor operations per layer and no per-token allocation of the cache:

* ``q/k/v`` and ``gate/up`` projections are fused into one matrix each;
* the attention scale is folded into the query weights;
* weights are stored as ``int4`` (groups of 32 with scale and offset: the GGUF ``Q4_1`` layout,
  so re-quantising the dequantised GGUF weights recovers them), ``int8`` (per output channel),
  ``bf16`` or ``fp32``; matrix products use torch's packed CPU kernels with bf16 activations;
* the residual stream, norms, RoPE and attention stay in fp32 (as llama.cpp does).

Only the Llama architecture (RMSNorm, RoPE, grouped-query attention, SwiGLU) is supported;
:func:`supports` says whether a ``config.json`` describes one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from memberinsight.agent.llm.decode import eager_step, scripted_step, step_arguments
from memberinsight.agent.llm.head import Int8Head
from memberinsight.errors import ConfigError

QUANT_MODES = ("int4", "int8", "bf16", "fp32")
GROUP_SIZE = 32

Linear = Callable[[torch.Tensor], torch.Tensor]
Processor = Callable[[list[int], torch.Tensor], torch.Tensor]
"""``processor(generated_ids, logits) -> logits``: edits the next-token logits (e.g. bans tokens)."""


@dataclass(frozen=True)
class LlamaShape:
    """The dimensions the decoder needs, read from a Hugging Face ``config.json``."""

    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    eps: float
    rope_theta: float
    max_positions: int
    tie_embeddings: bool

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> LlamaShape:
        rope = cfg.get("rope_parameters") or cfg.get("rope_scaling") or {}
        if rope.get("rope_type", "default") not in ("default", None):
            raise ConfigError(f"RoPE scaling {rope.get('rope_type')!r} is not supported by the fast engine")
        heads = int(cfg["num_attention_heads"])
        return cls(
            hidden=int(cfg["hidden_size"]),
            intermediate=int(cfg["intermediate_size"]),
            layers=int(cfg["num_hidden_layers"]),
            heads=heads,
            kv_heads=int(cfg.get("num_key_value_heads") or heads),
            head_dim=int(cfg.get("head_dim") or int(cfg["hidden_size"]) // heads),
            vocab=int(cfg["vocab_size"]),
            eps=float(cfg.get("rms_norm_eps", 1e-5)),
            rope_theta=float(rope.get("rope_theta", cfg.get("rope_theta", 10000.0))),
            max_positions=int(cfg.get("max_position_embeddings", 2048)),
            tie_embeddings=bool(cfg.get("tie_word_embeddings", False)),
        )


def supports(cfg: Mapping[str, Any]) -> bool:
    """True when ``cfg`` (a parsed ``config.json``) is a plain Llama model this engine can run."""
    if cfg.get("model_type") not in ("llama",) or cfg.get("attention_bias") or cfg.get("mlp_bias"):
        return False
    if cfg.get("hidden_act", "silu") != "silu":
        return False
    rope = cfg.get("rope_parameters") or cfg.get("rope_scaling") or {}
    return rope.get("rope_type", "default") in ("default", None)


# ----- weight packing ---------------------------------------------------------------------------

class Int4Linear:
    """Asymmetric 4-bit groups of 32 (``w = q * scale + min``) for torch's packed int4 CPU kernel."""

    def __init__(self, w: torch.Tensor) -> None:
        out_f, in_f = w.shape
        g = w.float().reshape(out_f, in_f // GROUP_SIZE, GROUP_SIZE)
        lo, hi = g.amin(-1, keepdim=True), g.amax(-1, keepdim=True)
        scale = ((hi - lo) / 15).clamp(min=1e-10)
        q = ((g - lo) / scale).round_().clamp_(0, 15).to(torch.int32).reshape(out_f, in_f)
        # The kernel computes (q - 8) * scale + zero, so zero = min + 8 * scale.
        self.scales_zeros = torch.cat([scale, lo + 8 * scale], -1).transpose(0, 1).contiguous().to(torch.bfloat16)
        self.packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(q, 1)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.aten._weight_int4pack_mm_for_cpu(x, self.packed, GROUP_SIZE, self.scales_zeros)


def _int4_linear(w: torch.Tensor) -> Linear:
    """int4 weights (:class:`Int4Linear`); bf16 when the input width is not a multiple of the group."""
    return _bf16_linear(w) if w.shape[1] % GROUP_SIZE else Int4Linear(w)


def _int8_linear(w: torch.Tensor) -> Linear:
    """Symmetric 8-bit weights with one scale per output channel."""
    w = w.float()
    scale = (w.abs().amax(1) / 127).clamp(min=1e-10)
    q = (w / scale[:, None]).round_().clamp_(-127, 127).to(torch.int8).contiguous()
    scale_b = scale.to(torch.bfloat16)
    kernel = torch.ops.aten._weight_int8pack_mm

    def linear(x: torch.Tensor) -> torch.Tensor:
        return kernel(x, q, scale_b)

    return linear


def _bf16_linear(w: torch.Tensor) -> Linear:
    wb = w.to(torch.bfloat16).contiguous()

    def linear(x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, wb)

    return linear


def _fp32_linear(w: torch.Tensor) -> Linear:
    wf = w.float().contiguous()

    def linear(x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, wf)

    return linear


_PACKERS: dict[str, Callable[[torch.Tensor], Linear]] = {
    "int4": _int4_linear, "int8": _int8_linear, "bf16": _bf16_linear, "fp32": _fp32_linear,
}


@dataclass
class _Layer:
    attn_norm: torch.Tensor
    mlp_norm: torch.Tensor
    qkv: Linear
    o: Linear
    gate_up: Linear
    down: Linear


# ----- the decoder ------------------------------------------------------------------------------

class LlamaEngine:
    """Greedy or sampled decoding of a Llama model held as packed weights.

    ``weights`` maps Hugging Face parameter names (``model.layers.0.self_attn.q_proj.weight``...)
    to fp32/bf16 tensors; ``quant`` picks the weight format of the projections and
    ``head_quant`` that of the output head (default: int8 for the head when ``quant`` is int4,
    matching llama.cpp's Q8_0 output tensor). ``scripted`` runs the one-token step through
    TorchScript (:mod:`agent.llm.decode`), ``screen_head`` ranks an int8 head's vocabulary with
    FBGEMM before computing the best logits exactly (:mod:`agent.llm.head`); neither changes a
    greedy choice.
    """

    def __init__(self, weights: Mapping[str, torch.Tensor], config: Mapping[str, Any], quant: str = "int4",
                 head_quant: str | None = None, max_seq: int = 2048, scripted: bool = True,
                 screen_head: bool = True) -> None:
        if quant not in QUANT_MODES:
            raise ConfigError(f"unknown LLM weight format {quant!r} (choose from {', '.join(QUANT_MODES)})")
        self.shape = s = LlamaShape.from_config(config)
        self.quant = quant
        self.head_quant = head_quant or ("int8" if quant == "int4" else quant)
        self.act_dtype = torch.float32 if quant == "fp32" else torch.bfloat16
        self.max_seq = min(max_seq, s.max_positions)
        pack = _PACKERS[quant]
        scale = 1.0 / math.sqrt(s.head_dim)
        q_rows = s.heads * s.head_dim
        self.kv_dim = s.kv_heads * s.head_dim
        self.q_rows = q_rows
        self.layers: list[_Layer] = []
        for i in range(s.layers):
            p = f"model.layers.{i}."
            wq = weights[p + "self_attn.q_proj.weight"].float() * scale
            qkv = torch.cat([wq, weights[p + "self_attn.k_proj.weight"].float(),
                             weights[p + "self_attn.v_proj.weight"].float()])
            gate_up = torch.cat([weights[p + "mlp.gate_proj.weight"].float(),
                                 weights[p + "mlp.up_proj.weight"].float()])
            self.layers.append(_Layer(
                attn_norm=weights[p + "input_layernorm.weight"].float().contiguous(),
                mlp_norm=weights[p + "post_attention_layernorm.weight"].float().contiguous(),
                qkv=pack(qkv), o=pack(weights[p + "self_attn.o_proj.weight"]),
                gate_up=pack(gate_up), down=pack(weights[p + "mlp.down_proj.weight"]),
            ))
        embed = weights["model.embed_tokens.weight"]
        self.embed = embed.float().contiguous()
        head = embed if s.tie_embeddings or "lm_head.weight" not in weights else weights["lm_head.weight"]
        # An int8 head ranks the vocabulary with FBGEMM and recomputes the best logits exactly (head.py).
        self.head = Int8Head(head, screen=screen_head) if self.head_quant == "int8" else _PACKERS[self.head_quant](head)
        self.final_norm = weights["model.norm.weight"].float().contiguous()
        inv = 1.0 / (s.rope_theta ** (torch.arange(0, s.head_dim, 2, dtype=torch.float64) / s.head_dim))
        ang = torch.outer(torch.arange(self.max_seq, dtype=torch.float64), inv)
        half = s.head_dim // 2
        self.cos = torch.cat([ang.cos(), ang.cos()], -1).float()
        # rotate_half(x) = [-x2, x1] = roll(x, half) * [-1.., +1..]: fold the sign into sin.
        self.sin = torch.cat([-ang.sin(), ang.sin()], -1).float()
        self._half = half
        # Keys are stored transposed (head_dim before position): the score product reads them in order.
        self.k_cache = torch.zeros(s.layers, s.kv_heads, s.head_dim, self.max_seq)
        self.v_cache = torch.zeros(s.layers, s.kv_heads, self.max_seq, s.head_dim)
        self.length = 0
        self._chunked: tuple[int, list[int]] = (0, [])  # (chunk size, tokens prefilled in whole chunks)
        self._step_args = step_arguments(self)
        self._step = (scripted_step() if scripted else None) or eager_step()
        self.scripted = self._step is not eager_step() and self._step_args is not None

    # ----- forward ------------------------------------------------------------------------------
    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, start: int, every_position: bool = False) -> torch.Tensor:
        """Run ``ids`` (1-D) at positions ``start..``; fill the cache; return last-position logits
        (``every_position``: a row of logits for each position, to score a given text)."""
        s = self.shape
        n = ids.shape[0]
        end = start + n
        if end > self.max_seq:
            raise ConfigError(f"prompt plus output ({end} tokens) exceeds the context of {self.max_seq}")
        self._forget(start)
        x = self.embed[ids]  # (n, hidden) fp32
        cos = self.cos[start:end].unsqueeze(0)  # (1, n, d)
        sin = self.sin[start:end].unsqueeze(0)
        act, eps, hd = self.act_dtype, s.eps, s.head_dim
        kv, qr, group = self.kv_dim, self.q_rows, s.heads // s.kv_heads
        heads_qk = s.heads + s.kv_heads
        causal = None
        if n > 1:
            causal = torch.ones(n, end, dtype=torch.bool).tril(start)
        for i, layer in enumerate(self.layers):
            h = F.rms_norm(x, (s.hidden,), layer.attn_norm, eps).to(act)
            qkv = layer.qkv(h).float()  # (n, q + 2 kv)
            qk = qkv[:, : qr + kv].view(n, heads_qk, hd).transpose(0, 1)  # (H+KV, n, d)
            qk = torch.addcmul(qk * cos, qk.roll(self._half, -1), sin)
            kc, vc = self.k_cache[i], self.v_cache[i]
            kc[:, :, start:end] = qk[s.heads:].transpose(1, 2)
            vc[:, start:end] = qkv[:, qr + kv:].view(n, s.kv_heads, hd).transpose(0, 1)
            q = qk[: s.heads].reshape(s.kv_heads, group * n, hd)  # heads grouped by their kv head
            scores = torch.bmm(q, kc[:, :, :end])  # (KV, group*n, end)
            if causal is not None:
                scores = scores.view(s.kv_heads, group, n, end).masked_fill_(~causal, float("-inf"))
                scores = scores.view(s.kv_heads, group * n, end)
            attn = torch.bmm(scores.softmax(-1), vc[:, :end])  # (KV, group*n, d)
            attn = attn.view(s.heads, n, hd).transpose(0, 1).reshape(n, qr)
            x = x + layer.o(attn.to(act))
            h = F.rms_norm(x, (s.hidden,), layer.mlp_norm, eps).to(act)
            gu = layer.gate_up(h)
            x = x + layer.down(F.silu(gu[:, : s.intermediate]) * gu[:, s.intermediate:])
        self.length = end
        if every_position:
            return self.head(F.rms_norm(x, (s.hidden,), self.final_norm, eps).to(act)).float()
        last = F.rms_norm(x[-1:], (s.hidden,), self.final_norm, eps).to(act)
        return self.head(last)[0].float()

    @torch.inference_mode()
    def decode(self, token: int, pos: int) -> torch.Tensor:
        """Logits after one more token at ``pos`` (the cache holds positions ``0..pos-1``).

        Runs :mod:`agent.llm.decode`'s step (TorchScript when available) for int4 weights, else
        :meth:`forward`; both give the same logits.
        """
        if self._step_args is None or pos >= self.max_seq:
            return self.forward(torch.tensor([token]), pos)
        self._forget(pos)
        s = self.shape
        x = self._step(self.embed[token:token + 1], pos, self.cos[pos], self.sin[pos], self.k_cache, self.v_cache,
                       *self._step_args, s.eps, s.heads, s.kv_heads, s.head_dim, s.intermediate)
        self.length = pos + 1
        return self.head(F.rms_norm(x, (s.hidden,), self.final_norm, s.eps).to(self.act_dtype))[0].float()

    # ----- generation ---------------------------------------------------------------------------
    def generate_ids(self, prompt_ids: list[int], max_new_tokens: int, temperature: float = 0.0,
                     seed: int | None = None, stop_ids: frozenset[int] = frozenset(), top_k: int = 40,
                     top_p: float = 0.95, repetition_penalty: float = 1.1, prefill_chunk: int = 256,
                     logits_processor: Processor | None = None) -> Iterator[int]:
        """Yield new token ids one at a time (stops at a stop id, which is not yielded).

        ``logits_processor(generated_ids, logits)`` (e.g. :class:`agent.llm.constraints.GuidedDecoding`)
        edits the logits before each choice, after the repetition penalty. Whole prefill chunks the
        previous prompt shares with this one are not computed again (a retry or another variant of
        the same piece): the cache already holds exactly what a fresh prefill would write there.
        """
        if not prompt_ids:
            raise ConfigError("cannot generate from an empty prompt")
        budget = self.max_seq - len(prompt_ids)
        if budget <= 0:
            raise ConfigError(f"prompt of {len(prompt_ids)} tokens does not fit the context of {self.max_seq}")
        max_new_tokens = min(max_new_tokens, budget)
        gen = torch.Generator().manual_seed(seed if seed is not None else 0)
        if isinstance(self.head, Int8Head):
            # Guidance masks push most choices outside the screened head's exact candidates (measured:
            # 37 of 40 steps would need the exact head again), so guided decoding uses it directly.
            self.head.active = logits_processor is None
        ids = torch.tensor(prompt_ids, dtype=torch.long)
        reuse = self._reusable(prompt_ids, prefill_chunk)
        self._chunked = (prefill_chunk, list(prompt_ids[:reuse]))
        logits = None
        for start in range(reuse, len(prompt_ids), prefill_chunk):
            chunk = prompt_ids[start:start + prefill_chunk]
            logits = self.forward(ids[start:start + prefill_chunk], start)
            if len(chunk) == prefill_chunk:
                self._chunked[1].extend(chunk)
        assert logits is not None
        seen = torch.zeros(self.shape.vocab, dtype=torch.bool)
        seen[ids] = True
        pos = len(prompt_ids)
        generated: list[int] = []

        def process(values: torch.Tensor) -> torch.Tensor:
            """The logits the choice is made from: the processor's edits, then the repetition penalty."""
            edited = logits_processor(generated, values) if logits_processor is not None else values
            return _penalise(edited, seen, repetition_penalty)

        for _ in range(max_new_tokens):
            state = gen.get_state() if temperature > 0 else None  # greedy choices draw nothing
            processed = process(logits)
            token = _draw(processed, temperature, gen, top_k, top_p)
            head = self.head if isinstance(self.head, Int8Head) and self.head.refined is not None else None
            if head is not None and _rests_on_estimates(head, processed, token, temperature, top_k, process):
                # the choice moved onto screened logits (guidance, penalty, sampling): decide on exact ones
                processed = process(head.exact_again()[0].float())
                if state is not None:
                    gen.set_state(state)
                token = _draw(processed, temperature, gen, top_k, top_p)
            if token in stop_ids:
                return
            yield token
            generated.append(token)
            seen[token] = True
            logits = self.decode(token, pos)
            pos += 1


    @torch.inference_mode()
    def continuation_logprobs(self, prompt_ids: list[int], continuations: list[list[int]]) -> list[list[float]]:
        """The log-probability of each token of each continuation after ``prompt_ids`` (teacher forcing).

        The prompt is run once; each continuation is run after it from the cached prompt.
        """
        if not prompt_ids:
            raise ConfigError("cannot score after an empty prompt")
        longest = max((len(c) for c in continuations), default=0)
        if len(prompt_ids) + longest > self.max_seq:
            raise ConfigError(f"prompt plus text ({len(prompt_ids) + longest} tokens) exceeds the context "
                              f"of {self.max_seq}")
        if isinstance(self.head, Int8Head):
            self.head.active = False  # every logit exact: a score is read at the given token, not the best one
        first = torch.log_softmax(self.forward(torch.tensor(prompt_ids, dtype=torch.long), 0), -1)
        out: list[list[float]] = []
        for cont in continuations:
            if not cont:
                out.append([])
                continue
            scores = [float(first[cont[0]])]
            if len(cont) > 1:
                rows = self.forward(torch.tensor(cont[:-1], dtype=torch.long), len(prompt_ids), every_position=True)
                logp = torch.log_softmax(rows, -1)
                scores += logp[torch.arange(len(cont) - 1), torch.tensor(cont[1:])].tolist()
            out.append(scores)
        self._forget(0)
        return out

    def reset(self) -> None:
        """Forget the cached prompt, so the next generation prefills from scratch (for timing)."""
        self._forget(0)

    def _forget(self, start: int) -> None:
        """Positions from ``start`` on are being overwritten: they can no longer be reused."""
        del self._chunked[1][start:]

    def _reusable(self, prompt_ids: list[int], chunk: int) -> int:
        """Leading prompt tokens whose cache entries a fresh prefill would write identically.

        Those are whole chunks the last prompt prefilled with the same tokens and chunk size; the
        chunk holding the last prompt token is always computed (its logits are needed).
        """
        size, done = self._chunked
        if size != chunk:
            return 0
        same = 0
        for a, b in zip(done, prompt_ids[: len(prompt_ids) - 1], strict=False):
            if a != b:
                break
            same += 1
        return (same // chunk) * chunk


def _penalise(logits: torch.Tensor, seen: torch.Tensor, repetition_penalty: float) -> torch.Tensor:
    """Tokens already in the prompt or the reply made less likely (CTRL-style penalty)."""
    if repetition_penalty == 1.0:
        return logits
    penalised = torch.where(logits > 0, logits / repetition_penalty, logits * repetition_penalty)
    return torch.where(seen, penalised, logits)


def _rests_on_estimates(head: Int8Head, logits: torch.Tensor, token: int, temperature: float, top_k: int,
                        process: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Whether choosing ``token`` from processed screened ``logits`` might differ on exact logits.

    Safe when the tokens the choice rests on (the pick; for sampling, the top-k) are exact and no
    other token's upper bound, processed like the logits (masks, biases and the penalty are all
    monotone in each logit), reaches the pick or the k-th candidate.
    """
    refined, upper = head.refined, head.upper
    assert refined is not None and upper is not None
    if temperature <= 0:
        if not bool(refined[token]):
            return True
        floor = logits[token]
    else:
        vals, idx = torch.topk(logits, min(top_k, logits.shape[0]))
        if not bool(refined[idx[vals > float("-inf")]].all()):
            return True
        floor = vals[-1]
    bound = process(upper.clone())[~refined]
    return bool(((bound >= floor) & (bound > float("-inf"))).any())


def _draw(logits: torch.Tensor, temperature: float, gen: torch.Generator, top_k: int, top_p: float) -> int:
    """Greedy (``temperature`` 0) or top-k/top-p sampling from already-processed logits."""
    if temperature <= 0:
        return int(logits.argmax())
    vals, idx = torch.topk(logits, min(top_k, logits.shape[0]))
    # equal logits (common in bf16) in token order, so the draw does not depend on how topk broke ties
    idx, order = idx.sort(stable=True)
    vals = vals[order]
    vals, order = vals.sort(descending=True, stable=True)
    idx = idx[order]
    probs = (vals / temperature).softmax(-1)
    if top_p < 1.0:
        keep = probs.cumsum(-1) - probs < top_p
        probs = probs * keep
    choice = torch.multinomial(probs, 1, generator=gen)
    return int(idx[choice])
