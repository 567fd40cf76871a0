"""The Services facade: everything the app's screens do, behind one object the UI is given.

The UI never touches SQL or another package's internals: it calls these methods, which call the
public APIs of the analytics, retrieval, screening, campaign and workspace packages. Heavy objects
(the router's embeddings, the LLM) are created on first use and shared by every session; per-user
state (the conversation) is passed in by the caller.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from memberinsight.agent.conversation import Agent, Conversation
from memberinsight.agent.extract import DEFAULT_SEGMENTS, Vocabulary
from memberinsight.agent.router import ROUTER_EMBEDDING_BACKEND, EmbeddingRouter, ModelRouter
from memberinsight.agent.tools import default_registry
from memberinsight.agent.tools._common import as_frame, backend
from memberinsight.agent.tools.operations import queue_table
from memberinsight.agent.types import AgentReply, ToolContext
from memberinsight.config import Settings
from memberinsight.errors import (
    AuthError,
    DataValidationError,
    MemberInsightError,
    ModelNotReadyError,
    WorkspaceError,
)

log = logging.getLogger(__name__)

QUEUE_PAGE = 500
"""Review queue items read per call to the screening package (:meth:`Services.queue` reads them all)."""
UPLOAD_SUFFIXES = (".csv", ".csv.gz", ".txt")
GZIP_MAX_RATIO = 20
"""A gzip upload may inflate to at most this many times the upload limit (CSV text compresses 5-10x;
a "zip bomb" inflates thousands of times and would exhaust memory)."""


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _check_inflated_size(path: Path, max_bytes: int) -> None:
    """Raise :class:`DataValidationError` when the gzip file at ``path`` inflates beyond ``max_bytes``
    (read in chunks: never more than one chunk in memory)."""
    import gzip

    total = 0
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
                if total > max_bytes:
                    raise DataValidationError(
                        f"the compressed file inflates to more than {max_bytes / 1048576:.0f} MB; "
                        "use `memberinsight ingest` for big files", file=path.name)
    except (OSError, EOFError) as exc:
        raise DataValidationError(f"not a readable gzip file: {exc}", file=path.name) from exc


@dataclass
class Services:
    """The app's capabilities over one workspace. Thread-safe; create one per server process."""

    ws: Any
    settings: Settings
    embedder: Any = None
    """Embedder for routing; default: the retrieval package's shared embedder."""
    _agent: Agent | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    # ----- accounts ---------------------------------------------------------------
    def login(self, username: str, password: str, address: str | None = None) -> Any:
        """The account (a :class:`workspace.users.User`) when the credentials are right and it is enabled.

        Raises :class:`AuthError`; sign-ins are throttled per account and per client ``address``
        (refused unchecked with a plain "wait" or "locked" message) and every outcome is audited.
        """
        from memberinsight.workspace.users import authenticate

        return authenticate(self.ws, username, password, address=address)

    def check_login(self, username: str, password: str) -> bool:
        """True when the credentials match an enabled account (failures are audited and throttled)."""
        try:
            self.login(username, password)
        except AuthError:
            return False
        return True

    def account(self, user: str) -> Any:
        """The account ``user`` (a :class:`workspace.users.User`), or None when there is none."""
        from memberinsight.workspace.users import find_user

        return find_user(self.ws, user) if user else None

    def require_role(self, user: str, role: str, action: str) -> Any:
        """The account ``user`` when it is enabled and its role allows ``role`` (``operator`` or
        ``admin``; an admin may do what an operator may); raises :class:`AuthError` naming ``action``."""
        account = self.account(user)
        if account is None or account.disabled:
            raise AuthError(f"{action} needs a signed-in account; {user or 'nobody'!r} is not an active one")
        if not account.may(role):
            raise AuthError(f"{action}: this needs an {role} ({account.username} is an {account.role})")
        return account

    # ----- chat -------------------------------------------------------------------
    def vocabulary(self) -> Vocabulary:
        """The shop's segment and category names (standard names until the workspace has its own)."""
        segments: tuple[str, ...] = DEFAULT_SEGMENTS
        categories: tuple[str, ...] = ()
        try:
            with self.ws.analytics(read_only=True) as con:
                categories = tuple(r[0] for r in con.execute(
                    "SELECT DISTINCT category FROM products WHERE category IS NOT NULL ORDER BY 1").fetchall())
        except WorkspaceError:
            log.info("no categories: the analytics database could not be read")
        try:
            names = as_frame(backend("memberinsight.models", "segment_summary", "Segments")(self.ws))
            if "segment" in names.columns:
                segments = tuple(dict.fromkeys([*names["segment"].astype(str), *DEFAULT_SEGMENTS]))
        except ModelNotReadyError:
            pass
        segments = tuple(dict.fromkeys([*segments, *self._saved_segment_names()]))  # operators' own too
        from memberinsight.agent.member_ids import member_id_rules

        pattern, exists = member_id_rules(self.ws)  # a year or a count is never read as a member id
        return Vocabulary(segments=segments, categories=categories, member_id_pattern=pattern, member_exists=exists)

    def _saved_segment_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in backend("memberinsight.segments", "list_segments", "Saved segments")(self.ws, refresh=False))

    def agent(self) -> Agent:
        """The agent (router fitted on first use, once per process)."""
        with self._lock:
            if self._agent is None:
                if self.embedder is None:
                    from memberinsight.retrieval import get_embedder

                    self.embedder = get_embedder(self.settings, backend=ROUTER_EMBEDDING_BACKEND)
                registry = default_registry()
                vocab = self.vocabulary()
                nearest = EmbeddingRouter(registry, self.embedder, vocab).fit()
                capable = self.settings.llm_backend == "openai" and bool(self.settings.llm_endpoint_url)
                router = ModelRouter(registry, self._complete, nearest) if capable else nearest
                self._agent = Agent(registry, router, vocab)
            else:
                self._follow_saved_segments(self._agent)
            return self._agent

    def _follow_saved_segments(self, agent: Agent) -> None:
        """Segments saved since the agent was made (e.g. from the CLI) become names it understands."""
        saved = self._saved_segment_names()
        known = agent.vocabulary.segments
        if set(saved) <= set(known):
            return
        vocab = dataclasses.replace(agent.vocabulary, segments=tuple(dict.fromkeys([*known, *saved])))
        agent.vocabulary = vocab
        nearest = agent.router.fallback if isinstance(agent.router, ModelRouter) else agent.router
        nearest.vocabulary = vocab

    def warm(self) -> None:
        """Fit the agent's router and load the local language model now (called in the background when
        the server starts), so the first question and the first campaign do not wait for them; a
        failure is logged and retried on use."""
        try:
            self.agent()
        except MemberInsightError as exc:
            log.warning("could not prepare the chat agent yet: %s", exc)
        if self.settings.llm_backend != "openai":  # the local model: converted once, then loaded
            try:
                from memberinsight.agent.llm import warmup

                warmup(self.settings)
            except MemberInsightError as exc:
                log.warning("could not prepare the local language model yet: %s", exc)

    def _complete(self, prompt: str) -> str:
        from memberinsight.agent.llm import get_backend

        return get_backend(self.settings).generate([{"role": "user", "content": prompt}], max_new_tokens=200,
                                                   temperature=0.0)

    def new_conversation(self, user: str) -> Conversation:
        return Conversation(user=user)

    def context(self, user: str) -> ToolContext:
        """What the agent's tools run with: ``user`` must be an active operator or admin."""
        self.require_role(user, "operator", "asking the assistant")
        return ToolContext(self.ws, self.settings, user=user, registry=self.agent().registry)

    def chat(self, conversation: Conversation, message: str) -> AgentReply:
        """One answer to ``message`` in ``conversation`` (tools run as the conversation's user)."""
        return self.agent().respond(message, conversation, self.context(conversation.user))

    def chat_stream(self, conversation: Conversation, message: str):
        """The answer to ``message``, yielded progressively."""
        yield from self.agent().stream(message, conversation, self.context(conversation.user))

    # ----- segments and members ------------------------------------------------------
    def segment_summary(self) -> pd.DataFrame:
        from memberinsight.agent.tools.analytics import segment_table

        return segment_table(backend("memberinsight.models", "segment_summary", "The segment summary")(self.ws))

    def rfm_grid(self) -> pd.DataFrame:
        """Members per recency score (rows, 5 = most recent) and frequency/monetary score (columns),
        each cell labelled with its main segment ("+" when members of other segments share it)."""
        import duckdb

        try:
            with self.ws.analytics(read_only=True) as con:
                # each cell: its members and the segment most of them are in (cells can mix segments)
                cells = con.execute(
                    "SELECT r, fm, arg_max(segment, k) AS segment, sum(k) AS n, count(*) AS segments FROM ("
                    " SELECT CAST(r_score AS INTEGER) AS r, CAST(floor((f_score + m_score) / 2 + 0.5) AS INTEGER) AS fm,"
                    " rfm_segment AS segment, count(*) AS k FROM member_predictions"
                    " WHERE r_score IS NOT NULL GROUP BY ALL) GROUP BY r, fm").df()
        except duckdb.CatalogException as exc:
            raise ModelNotReadyError("RFM scores are not built yet — run `memberinsight build`") from exc
        grid = pd.DataFrame({"recency": [f"R{r}" for r in range(5, 0, -1)]})
        for fm in range(1, 6):
            col = cells[cells["fm"] == fm].set_index("r")
            grid[f"FM{fm}"] = [f"{col.at[r, 'segment']}{' +' if col.at[r, 'segments'] > 1 else ''} · "
                               f"{int(col.at[r, 'n'])}" if r in col.index else "" for r in range(5, 0, -1)]
        return grid

    def clusters(self) -> pd.DataFrame:
        from memberinsight.agent.tools.analytics import segment_table

        return segment_table(backend("memberinsight.models", "segment_summary", "Clusters")(self.ws, by="cluster"))

    def member_profile(self, member_id: str) -> Any:
        member_id = member_id.strip()
        if not member_id:
            raise DataValidationError("enter a member id", column="member_id")
        return backend("memberinsight.models", "member_profile", "Member profiles")(self.ws, member_id)

    def segment_names(self) -> list[str]:
        return list(self.vocabulary().segments)

    # ----- campaigns ------------------------------------------------------------------
    def generate_copy(self, user: str, segment: str, channel: str, offer: str = "", n_variants: int = 2,
                      on_draft: Callable[[str, str], None] | None = None) -> Any:
        """Checked copy variants for a segment (audited under ``user``); ``on_draft(label, text)``
        sees each draft as the model writes it."""
        self.require_role(user, "operator", "writing campaign copy")
        if not segment:
            raise DataValidationError("choose a segment", column="segment")
        generate = backend("memberinsight.agent.campaigns", "generate_campaign", "Campaign copy")
        return generate(self.ws, self.settings, segment=segment, channel=channel, offer=offer.strip(),
                        n_variants=n_variants, user=user, on_draft=on_draft)

    def suggest_campaign(self, user: str | None = None, segment: str | None = None, member_id: str | None = None,
                         offer: str = "") -> Any:
        """The recommended campaign for a segment or one member (rule-written and checked; audited under
        ``user``, else ``system``): situation, play, offer, timing, products, why, what to measure and avoid."""
        if not (segment or member_id):
            raise DataValidationError("choose a segment or a member", column="segment")
        suggest = backend("memberinsight.agent.campaigns", "suggest_campaign", "Campaign suggestions")
        return suggest(self.ws, self.settings, segment=segment or None, member_id=member_id or None,
                       offer=offer.strip(), user=user)

    def export_audience(self, user: str, segment: str, channel: str, reason: str) -> Any:
        """Write the segment's contact list for ``channel`` to a new file directly inside
        ``<workspace>/exports`` (named from a slug of the segment, the channel and a timestamp; never a
        path taken from ``segment``), audited under ``user`` with the operator's ``reason``.

        This bypasses campaign approval, so :func:`governance.export_direct` refuses it (audited) unless
        ``[campaigns] direct_export`` is on and ``user`` is an admin."""
        account = self.require_role(user, "operator", "exporting an audience")
        export = backend("memberinsight.governance", "export_direct", "Audience export")
        return export(self.ws, segment, channel, actor=user, reason=reason, settings=self.settings, surface="app",
                      admin=account.may("admin"))

    def direct_export_note(self) -> str:
        """One plain line for the Campaigns tab: direct exports are off (use an approved campaign) or admin-only."""
        return str(backend("memberinsight.governance", "direct_export_note", "Audience export")(self.settings))

    def direct_export_allowed(self) -> bool:
        """Whether ``[campaigns] direct_export`` lets the Campaigns tab export a segment directly (admins only)."""
        return bool(backend("memberinsight.governance", "direct_export_allowed", "Audience export")(self.settings))

    # ----- review queue ---------------------------------------------------------------
    def queue_counts(self) -> dict[str, int]:
        return backend("memberinsight.screening", "queue_counts", "The review queue")(self.ws)

    def queue(self, status: str | None = "pending", min_risk: float = 0.0, limit: int | None = None) -> pd.DataFrame:
        """Queue items with ``status`` (``None``: every status) and risk at least ``min_risk``, riskiest first:
        every one of them (read page by page), or the first ``limit``."""
        list_queue = backend("memberinsight.screening", "list_queue", "The review queue")
        items: list[Any] = []
        while limit is None or len(items) < limit:
            size = QUEUE_PAGE if limit is None else min(QUEUE_PAGE, limit - len(items))
            page = list_queue(self.ws, status=status, limit=size, offset=len(items))
            items += page
            if len(page) < size:
                break
        table = queue_table(items)
        return table[table["risk"] >= min_risk].reset_index(drop=True) if min_risk else table

    def queue_item(self, review_id: str) -> Any:
        return backend("memberinsight.screening", "get_item", "The review queue")(self.ws, review_id)

    def review_evidence(self, review_id: str) -> dict[str, Any]:
        """The review's text and context, for the evidence panel (from the screening package)."""
        return backend("memberinsight.screening", "review_evidence", "Review evidence")(self.ws, review_id)

    def decide(self, user: str, review_id: str, action: str, version: int, note: str = "") -> Any:
        """Approve / remove / escalate a review as ``user`` (raises ConflictError on a stale version)."""
        self.require_role(user, "operator", "deciding reviews")
        return backend("memberinsight.screening", "decide", "The review queue")(self.ws, review_id, action, user, int(version),
                                                                    note.strip() or None)

    # ----- data ----------------------------------------------------------------------
    def workspace_status(self) -> Any:
        return backend("memberinsight.workspace", "workspace_status", "Workspace status")(self.ws)

    def upload(self, user: str, path: str | Path, kind: str | None = None) -> Any:
        """Validate size and type, then ingest an uploaded CSV (audited under ``user``; admins only)."""
        self.require_role(user, "admin", "uploading data")
        path = Path(path)
        if not path.is_file():
            raise DataValidationError("the uploaded file is missing", file=path.name)
        limit = self.settings.upload_max_mb * 1024 * 1024
        size = path.stat().st_size
        if size > limit:
            raise DataValidationError(f"file is {size / 1048576:.1f} MB; the upload limit is "
                                      f"{self.settings.upload_max_mb} MB (use `memberinsight ingest` for big files)",
                                      file=path.name)
        if not path.name.lower().endswith(UPLOAD_SUFFIXES):
            raise DataValidationError("only .csv or .csv.gz files can be uploaded", file=path.name)
        if _is_gzip(path):
            _check_inflated_size(path, limit * GZIP_MAX_RATIO)
        report = backend("memberinsight.workspace", "ingest_file", "Ingestion")(self.ws, path, kind=kind or None, actor=user)
        with self._lock:
            self._agent = None  # new categories or segments: refit the vocabulary on next use
        return report
