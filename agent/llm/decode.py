"""One decoding step of the Llama engine as a TorchScript function: the same arithmetic, less overhead.

Decoding one token runs about 25 small tensor operations per layer; in eager PyTorch each costs a
few microseconds of Python dispatch, a third of the time per token for a 135M model. Compiled with
``torch.jit.script`` (no C++ compiler needed, about a millisecond to compile) the layer loop runs
in TorchScript's interpreter instead, with the same kernels in the same order, so its logits equal
the eager path's bit for bit (``tests/agent/test_llm.py``).

The scripted step covers the int4 layout (torch's packed int4 CPU kernel); other weight formats
use the eager step. :func:`scripted_step` returns None when TorchScript is unavailable.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

GROUP = 32
"""Weights per scale group (the GGUF Q4_1 block size)."""


def _step(x: torch.Tensor, pos: int, cos: torch.Tensor, sin: torch.Tensor, k_cache: torch.Tensor,
          v_cache: torch.Tensor, attn_norms: list[torch.Tensor], mlp_norms: list[torch.Tensor],
          qkv_w: list[torch.Tensor], qkv_s: list[torch.Tensor], o_w: list[torch.Tensor], o_s: list[torch.Tensor],
          gu_w: list[torch.Tensor], gu_s: list[torch.Tensor], down_w: list[torch.Tensor], down_s: list[torch.Tensor],
          eps: float, heads: int, kv_heads: int, head_dim: int, inter: int) -> torch.Tensor:
    """The residual stream after every layer for one token ``x`` (1, hidden) at position ``pos``."""
    end = pos + 1
    group_size = 32  # GROUP (TorchScript cannot read module globals)
    hidden = x.shape[1]
    q_rows = heads * head_dim
    kv = kv_heads * head_dim
    group = heads // kv_heads
    half = head_dim // 2
    for i in range(len(attn_norms)):
        h = torch.rms_norm(x, [hidden], attn_norms[i], eps).to(torch.bfloat16)
        qkv = torch.ops.aten._weight_int4pack_mm_for_cpu(h, qkv_w[i], group_size, qkv_s[i]).float()
        qk = qkv[0, : q_rows + kv].view(heads + kv_heads, head_dim)
        qk = torch.addcmul(qk * cos, qk.roll(half, -1), sin)
        kc = k_cache[i]
        vc = v_cache[i]
        kc[:, :, pos] = qk[heads:]  # keys are stored transposed: (kv heads, head_dim, positions)
        vc[:, pos] = qkv[0, q_rows + kv:].view(kv_heads, head_dim)
        q = qk[:heads].view(kv_heads, group, head_dim)
        scores = torch.bmm(q, kc[:, :, :end])
        attn = torch.bmm(scores.softmax(-1), vc[:, :end]).view(1, q_rows)
        x = x + torch.ops.aten._weight_int4pack_mm_for_cpu(attn.to(torch.bfloat16), o_w[i], group_size, o_s[i])
        h = torch.rms_norm(x, [hidden], mlp_norms[i], eps).to(torch.bfloat16)
        gu = torch.ops.aten._weight_int4pack_mm_for_cpu(h, gu_w[i], group_size, gu_s[i])
        x = x + torch.ops.aten._weight_int4pack_mm_for_cpu(F.silu(gu[:, :inter]) * gu[:, inter:], down_w[i],
                                                          group_size, down_s[i])
    return x


@functools.lru_cache(maxsize=1)
def scripted_step() -> Callable[..., torch.Tensor] | None:
    """:func:`_step` compiled by TorchScript (once per process), or None where that fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is in maintenance, pinned torch has it
            return torch.jit.script(_step)
    except (RuntimeError, OSError, AttributeError):  # no TorchScript here: use the eager step
        return None


def eager_step() -> Callable[..., torch.Tensor]:
    """The uncompiled :func:`_step` (same results, more per-operation overhead)."""
    return _step


def step_arguments(engine: Any) -> tuple[Any, ...] | None:
    """The weight lists :func:`_step` takes for ``engine``, or None unless every projection is int4."""
    lists: list[list[torch.Tensor]] = [[], [], [], [], [], [], [], [], [], []]
    for layer in engine.layers:
        projections = (layer.qkv, layer.o, layer.gate_up, layer.down)
        if not all(hasattr(p, "packed") for p in projections):
            return None
        lists[0].append(layer.attn_norm)
        lists[1].append(layer.mlp_norm)
        for j, p in enumerate(projections):
            lists[2 + 2 * j].append(p.packed)
            lists[3 + 2 * j].append(p.scales_zeros)
    return tuple(lists)
