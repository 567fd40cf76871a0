"""The int8 output head, with a fast screen: every logit estimated, the top candidates computed exactly.

The output head of SmolLM2 is a 49152 x 576 matrix, the biggest single product of a decoding step
(a sixth of its time). torch's ``_weight_int8pack_mm`` computes it with bf16 activations; FBGEMM's
dynamic int8 kernel (activations quantised to int8, VNNI dot products) is about twice as fast but
its logits are off by a few hundredths. :class:`Int8Head` uses FBGEMM to rank the vocabulary, then
recomputes the :data:`REFINE` best candidates with the exact kernel and writes them back. An
estimate's error is at most the activation rounding step times its row's L1 norm (all rounding
errors aligned); real errors stay far below that (at most 15% of it over 700 positions of real
text), so a margin of :data:`MARGIN` of it is used: when another token's estimate plus its margin
could reach the best exact logit, the whole head is computed exactly instead (about 3% of steps).
So the raw best logit is the exact head's in practice (the margin is measured, not proven: tests
check it on real text; ``screen_head=False`` turns the screen off); the rest of the vocabulary
keeps its estimate and :attr:`Int8Head.refined` says which logits are exact. Guidance, the
repetition penalty and sampling can move the choice onto other tokens, so the engine checks the
choice: the tokens it rests on (the pick, or the top-k it samples from) must be exact, and no
other token's upper bound (:attr:`Int8Head.upper`: estimate plus margin, processed the same way)
may reach the pick or the k-th candidate; otherwise it computes the whole head exactly
(:meth:`Int8Head.exact_again`) and chooses again with the same random state. Without FBGEMM, or for more than one row, the exact kernel runs alone.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

REFINE = 128
"""Candidates recomputed exactly (the sampler's top-k is 40)."""
MARGIN = 0.25
"""Share of the worst-case estimate error allowed for (observed errors: at most 0.15 of it)."""


def _fbgemm_pack(q: torch.Tensor, scale: torch.Tensor) -> Any:
    """FBGEMM's packed form of int8 rows ``q`` with per-row ``scale``, or None where unavailable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # quantized tensors are deprecated upstream; torch is pinned
            qt = torch._make_per_channel_quantized_tensor(q, scale.double(), torch.zeros(q.shape[0], dtype=torch.long),
                                                          0)
            packed = torch.ops.quantized.linear_prepack(qt, None)
            torch.ops.quantized.linear_dynamic(torch.zeros(1, q.shape[1]), packed, True)
        return packed
    except (RuntimeError, AttributeError, NotImplementedError):
        return None


class Int8Head:
    """Symmetric int8 rows with one scale each; exact on the top :data:`REFINE` logits (see module doc)."""

    def __init__(self, w: torch.Tensor, screen: bool = True) -> None:
        w = w.float()
        scale = (w.abs().amax(1) / 127).clamp(min=1e-10)
        self.q = (w / scale[:, None]).round_().clamp_(-127, 127).to(torch.int8).contiguous()
        self.scale = scale.to(torch.bfloat16)
        self.l1 = (self.q.float().abs().sum(1) * self.scale.float()).contiguous()  # per-row L1 norm
        self.packed = _fbgemm_pack(self.q, scale) if screen else None
        self.fallbacks = 0
        self.active = True
        """Screen at all (the engine turns it off for guided decoding, whose masks mostly need the exact head)."""
        self.refined: torch.Tensor | None = None
        """After a screened call: True at the logits that are exact (None: all of them are)."""
        self.upper: torch.Tensor | None = None
        """After a screened call: an upper bound of every exact logit (the exact value where refined)."""
        self._last: torch.Tensor | None = None

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        """Every logit with the exact kernel (bf16 activations, int8 weights)."""
        return torch.ops.aten._weight_int8pack_mm(x, self.q, self.scale)

    def exact_again(self) -> torch.Tensor:
        """Every logit of the last call's input, exactly (when a choice rests on an estimate)."""
        assert self._last is not None, "no screened call to redo"
        self.refined = self.upper = None
        return self.exact(self._last)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.refined = self.upper = None
        if self.packed is None or not self.active or x.shape[0] != 1:
            return self.exact(x)
        xf = x.float()
        estimate = torch.ops.quantized.linear_dynamic(xf, self.packed, True)[0]
        best = estimate.topk(min(REFINE, estimate.shape[0])).indices
        exact = torch.ops.aten._weight_int8pack_mm(x, self.q[best], self.scale[best])[0].float()
        # Worst case |estimate - exact| = l1 * step / 2 (x is bf16 in both, so only FBGEMM's 7-bit
        # activation rounding differs), plus the exact head's bf16 rounding of the logit.
        step = (max(float(xf.max()), 0.0) - min(float(xf.min()), 0.0)) / 127
        top = float(exact.max())
        reach = estimate + self.l1 * (MARGIN * step / 2) + (abs(top) / 128 + 1e-3)
        reach[best] = exact
        if float(reach.max()) > top:  # another token might beat the best exact logit
            self.fallbacks += 1
            return self.exact(x)
        self._last, self.upper = x, reach
        self.refined = torch.zeros(estimate.shape[0], dtype=torch.bool).index_fill_(0, best, True)
        return estimate.index_put_((best,), exact).unsqueeze(0)
