"""Configuration: one dataclass, read from a TOML file and ``MEMBERINSIGHT_*`` environment variables.

Resolution order (later wins): defaults -> TOML file -> environment variables -> explicit overrides.

The TOML file is ``$MEMBERINSIGHT_CONFIG`` if set, else ``./memberinsight.toml`` if present, else
``<home>/config.toml``. Tables flatten into field names: ``[llm] backend = "openai"`` sets
``llm_backend``; the same field from the environment is ``MEMBERINSIGHT_LLM_BACKEND``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from memberinsight.errors import ConfigError

ENV_PREFIX = "MEMBERINSIGHT_"


def _default_home() -> Path:
    return Path(os.environ.get(ENV_PREFIX + "HOME", Path.home() / ".memberinsight")).expanduser()


@dataclass(frozen=True)
class Settings:
    """Every setting the application reads. Defaults just work on a fresh machine."""

    home: Path = field(default_factory=_default_home)
    """Root for the default workspace and caches."""
    workspace: Path | None = None
    """Workspace directory; defaults to ``<home>/workspace``."""
    cache_dir: Path | None = None
    """Model caches (converted LLM weights, ONNX exports); defaults to ``<home>/cache``."""

    # Embeddings (retrieval package)
    embedding_model_path: str = ""
    """Local sentence-transformers directory; empty means the packaged all-MiniLM-L6-v2."""
    embedding_batch_size: int = 64
    embedding_backend: str = "auto"
    """``auto`` (int8 ONNX Runtime when installed, else torch), ``onnx``, ``onnx-int8``, ``torch`` or ``torch-int8``."""
    ann_threshold: int = 50_000
    """Above this many vectors an approximate (HNSW) index replaces exact search."""

    # LLM (agent package)
    llm_backend: str = "gguf"
    """``gguf`` (packaged SmolLM2), ``hf`` (local Hugging Face directory) or ``openai`` (HTTP endpoint)."""
    llm_model_path: str = ""
    """For ``gguf``: directory holding the GGUF (empty: the packaged one). For ``hf``: model directory."""
    llm_gguf_file: str = "SmolLM2-135M-Instruct.Q4_1.gguf"
    llm_endpoint_url: str = ""
    llm_endpoint_model: str = ""
    llm_api_key_env: str = "OPENAI_API_KEY"
    """Name of the environment variable holding the endpoint's API key (the key itself is never stored)."""
    llm_max_new_tokens: int = 256
    llm_threads: int = 0
    """Torch threads for local generation; 0 means automatic (all cores when idle, 1 when busy)."""
    llm_quant: str = "int4"
    """Weight format of the local engine: ``int4`` (GGUF Q4_1 layout), ``int8``, ``bf16`` or ``fp32``."""
    llm_engine: str = "fast"
    """Local generation: ``fast`` (the packed torch Llama engine) or ``transformers`` (plain ``generate``)."""

    # Campaign copy and brand voice (agent.campaigns)
    copy_writer: str = "composed"
    """``composed``: the phrase bank writes campaign copy, unless a capable model is configured
    (``llm_backend`` ``hf`` or ``openai``), which then writes under the same checks with the phrase
    bank as its fallback; ``llm``: the configured model (the packaged one too) always writes."""
    copy_ranker: str = "none"
    """``none``: the composer's own order picks each phrasing; ``model``: the local model ranks up to three
    checked phrasings of the subject, preview, opening, offer line, SMS and push by likelihood (off by
    default: in a blind rating of 21 paired campaigns it scored the same as the composer's own order,
    3.52 vs 3.52; see docs/copy_rating.md)."""
    copy_phrases_dir: str = ""
    """A folder of extra phrase files (``*.yaml``) loaded with the shipped phrase bank; empty: none."""
    brand_name: str = ""
    """The shop's name in copy; empty means the workspace's shop name."""
    brand_signoff: str = "The {brand} team"
    """The line under every email (``{brand}`` is the shop's name)."""
    brand_banned_words: str = ""
    """Comma-separated words copy never uses (``cheap, bargain``)."""

    # Ingest
    ingest_date_order: str = "auto"
    """How ``05/11/2025`` is read: ``auto`` (decided per file from its own dates, refused when nothing
    decides it), ``dayfirst`` or ``monthfirst``."""
    timezone: str = "UTC"
    """The shop's time zone: dates with an offset are converted to it; dates without one are taken as in it."""
    write_wait_s: float = 30.0
    """How long an ingest or build waits for another one on the same workspace before giving up."""

    # Analytics
    horizon_days: int = 90
    random_seed: int = 42

    # Fraud
    fraud_exclude_confirmed: bool = True
    """Leave orders and accounts confirmed as fraud in the fraud queue out of business figures (features,
    segments, churn, CLV, demand, recommendations); applied when the features are built. ``[fraud]
    exclude_confirmed`` in the TOML file, ``MEMBERINSIGHT_FRAUD_EXCLUDE_CONFIRMED`` in the environment."""

    # Campaigns (governance.campaigns)
    campaigns_approver_role: str = "admin"
    """Role a user needs to approve a campaign (``[campaigns] approver_role``): ``operator`` or ``admin``."""
    campaigns_two_person_approval: bool = True
    """When on, the author of a campaign and anyone who edited its current version cannot approve it."""
    campaigns_direct_export: bool = False
    """Allow a segment's contact list to leave without an approved campaign (the Campaigns tab's "Export
    audience", admins only, and ``memberinsight export-audience``); every such export is audited as bypassing
    approval. Off: contact lists leave only through the approval workflow. ``[campaigns] direct_export``,
    ``MEMBERINSIGHT_CAMPAIGNS_DIRECT_EXPORT``."""

    # Consent, suppression and contact rules (governance.eligibility)
    contact_consent_unrecorded: str = "exclude"
    """A member with no consent recorded for a channel: ``exclude`` (not sendable; the safe default) or
    ``include`` (for a shop whose consent lives in its email tool; every audience summary then says so).
    An explicit ``false`` is never sent to. ``[contact] consent_unrecorded`` in the TOML file."""
    contact_low_review_days: int = 30
    """Leave out members who wrote a 1-2 star review in the last this many days (0: off)."""
    contact_return_days: int = 30
    """Leave out members with a return in the last this many days (0: off)."""
    contact_frequency_cap: int = 3
    """At most this many contacts (any channel, from the contact log) in ``frequency_days`` (0: off)."""
    contact_frequency_days: int = 7

    # Privacy (governance: pseudonymised exports, differentially private reports)
    privacy_epsilon_budget: float = 10.0
    """Total epsilon the workspace may spend on differentially private releases (``[privacy] epsilon_budget``)."""
    privacy_k: int = 5
    """Default k of the k-anonymity check on pseudonymised exports (age band, city, country)."""
    privacy_spend_bound: float = 2000.0
    """Public clamp for one member's spend in private sums (a bound set in advance, never read from the data)."""
    privacy_orders_bound: int = 25
    """Public clamp for one member's order count in private sums (set in advance, never read from the data)."""

    # Engine for the batch layer (scaleout package): ``[engine] kind``, ``spark_master``, ``spark_conf``
    engine_kind: str = "duckdb"
    """``duckdb`` (one machine, the default) or ``spark`` (a lake of Parquet tables; needs the [spark] extra)."""
    engine_spark_master: str = "local[2]"
    """Spark master URL (``local[N]``, ``spark://host:7077``, ``yarn``, ``k8s://...``)."""
    engine_spark_conf: dict[str, str] = field(default_factory=dict, hash=False)
    """Spark settings passed through as they are (``[engine.spark_conf] "spark.executor.memory" = "8g"``;
    in the environment, ``MEMBERINSIGHT_ENGINE_SPARK_CONF`` as a JSON object)."""

    # UI server
    server_host: str = "127.0.0.1"
    server_port: int = 7860
    upload_max_mb: int = 50

    # Audit
    actor: str = ""
    """Who the command line records in the audit log (as ``NAME (cli)``); empty means the OS user name."""

    @property
    def workspace_dir(self) -> Path:
        return Path(self.workspace).expanduser() if self.workspace else self.home / "workspace"

    @property
    def cache_path(self) -> Path:
        return Path(self.cache_dir).expanduser() if self.cache_dir else self.home / "cache"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(name: str, value: Any, target: Any) -> Any:
    kind = str(target)
    try:
        if "Path" in kind:
            return Path(str(value)).expanduser() if value not in (None, "") else None
        if kind in ("int", "<class 'int'>"):
            return int(value)
        if kind in ("float", "<class 'float'>"):
            return float(value)
        if kind.startswith("dict"):  # pass-through tables (engine_spark_conf): a TOML table or a JSON object
            table = json.loads(value) if isinstance(value, str) else value
            if not isinstance(table, dict):
                raise ValueError("not a table")
            return {str(k): str(v) for k, v in table.items()}
        if kind in ("bool", "<class 'bool'>"):
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting '{name}': cannot read {value!r} as {kind}") from exc


_TABLE_SETTINGS = frozenset({"engine_spark_conf"})
"""Settings whose TOML value is a whole table (kept as a dict, not flattened into field names)."""


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}".replace("-", "_")
        if isinstance(value, dict) and name not in _TABLE_SETTINGS:
            flat.update(_flatten(value, name + "_"))
        else:
            flat[name] = value
    return flat


def config_file_path() -> Path | None:
    """The TOML file that will be read, or ``None`` when there is none."""
    explicit = os.environ.get(ENV_PREFIX + "CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"MEMBERINSIGHT_CONFIG points to {path}, which is not a file")
        return path
    for candidate in (Path.cwd() / "memberinsight.toml", _default_home() / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(**overrides: Any) -> Settings:
    """Resolve settings from defaults, the TOML file, the environment, then ``overrides``."""
    known = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}
    path = config_file_path()
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
        for name, value in _flatten(raw).items():
            if name not in known:
                raise ConfigError(f"{path}: unknown setting '{name}' (known: {', '.join(sorted(known))})")
            values[name] = _coerce(name, value, known[name])
    for name, kind in known.items():
        env_value = os.environ.get(ENV_PREFIX + name.upper())
        if env_value is not None:
            values[name] = _coerce(name, env_value, kind)
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in known:
            raise ConfigError(f"unknown setting '{name}'")
        values[name] = _coerce(name, value, known[name])
    return Settings(**values)
