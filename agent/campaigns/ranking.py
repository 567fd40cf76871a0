"""Ranking candidate phrasings with the local language model's likelihood (``copy_ranker = "model"``).

The composer finds several phrasings of a part that pass every check; a ranker orders them by how
natural the model finds each as that part of a message to this audience (mean log-probability per
token). It chooses among checked texts only, so it can change the wording but never what is said.
Whether this beats the composer's own order is a question for the blind rating
(``docs/copy_rating.md``), which is why it is off by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from memberinsight.errors import ConfigError

RANKERS = ("none", "model")
RANKED_PARTS = ("subject", "preview", "hook", "offer_line", "sms", "push")
"""Parts whose wording carries the message; greetings, product lines and sign-offs keep the composer's order."""
CANDIDATES = 3
"""Checked phrasings compared per part (each costs one short forward pass, ~50 ms on two cores)."""
_PART_WORDS = {"subject": "an email subject line", "preview": "the preview line shown under an email subject",
               "hook": "the opening sentence of an email", "offer_line": "the sentence of an email that states the offer",
               "sms": "a text message (SMS)", "push": "a push notification"}
_AUDIENCE = {"win_back": "customers who have not shopped for a while", "thank_you": "our best, most loyal customers",
             "welcome": "new customers after their first order", "replenishment": "customers due to order again",
             "cross_sell": "regular customers, to suggest something new", "early_access": "our best customers",
             "price_drop": "customers who like a category that is on offer",
             "review_request": "recent customers, asking for a review", "loyalty_points": "members of our loyalty scheme"}
_NAME = "Sam"
"""Stands in for ``{first_name}`` while scoring (the placeholder itself reads as noise to the model)."""


class Ranker(Protocol):
    """Scores checked candidate texts for one part; higher is better."""

    def scores(self, part: str, play: str, offer: str, texts: Sequence[str]) -> list[float]: ...


@dataclass
class ModelRanker:
    """Ranks by a local backend's :meth:`~agent.llm.local.LocalBackend.score` (mean token log-probability)."""

    backend: Any

    def scores(self, part: str, play: str, offer: str, texts: Sequence[str]) -> list[float]:
        """Mean log-probability per token of each text as ``part`` of a message about ``offer`` for
        ``play``'s audience. ``offer`` is the parsed offer as copy says it, never the operator's raw text."""
        audience = _AUDIENCE.get(play, "our customers")
        about = f", offering {offer}" if offer else ""
        messages = [{"role": "system", "content": "You write short, warm marketing messages for an online shop."},
                    {"role": "user", "content": f"Write {_PART_WORDS.get(part, 'a marketing message')} "
                                                f"for {audience}{about}."}]
        return list(self.backend.score(messages, [t.replace("{first_name}", _NAME) for t in texts]))


def ranker_from_settings(settings: Any) -> Ranker | None:
    """The ranker ``copy_ranker`` names: ``none`` (default) or ``model`` (the configured local model; a
    backend that cannot score, such as an endpoint, is refused with a clear error)."""
    name = str(getattr(settings, "copy_ranker", "none") or "none")
    if name not in RANKERS:
        raise ConfigError(f"setting 'copy_ranker' must be one of {', '.join(RANKERS)}, got {name!r}")
    if name == "none":
        return None
    from memberinsight.agent.llm.factory import get_backend

    backend = get_backend(settings)
    if not callable(getattr(backend, "score", None)):
        raise ConfigError(f"copy_ranker = 'model' needs a local model that can score text; the configured "
                          f"backend {getattr(backend, 'name', type(backend).__name__)!r} cannot")
    return ModelRanker(backend)
