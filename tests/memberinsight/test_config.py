from __future__ import annotations

from pathlib import Path

import pytest

from memberinsight.config import load_settings
from memberinsight.errors import ConfigError


def test_defaults_live_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEMBERINSIGHT_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.workspace_dir == tmp_path / "workspace"
    assert s.cache_path == tmp_path / "cache"
    assert s.server_host == "127.0.0.1"
    assert s.llm_backend == "gguf"


def test_toml_then_env_then_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "mi.toml"
    cfg.write_text('[llm]\nbackend = "openai"\nendpoint_url = "http://127.0.0.1:9/v1"\n'
                   '[server]\nport = 9000\n', encoding="utf-8")
    monkeypatch.setenv("MEMBERINSIGHT_CONFIG", str(cfg))
    s = load_settings()
    assert (s.llm_backend, s.llm_endpoint_url, s.server_port) == ("openai", "http://127.0.0.1:9/v1", 9000)
    monkeypatch.setenv("MEMBERINSIGHT_SERVER_PORT", "9100")
    assert load_settings().server_port == 9100
    assert load_settings(server_port=9200).server_port == 9200
    assert load_settings(workspace=tmp_path / "w").workspace_dir == tmp_path / "w"


def test_unknown_setting_and_bad_value_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "mi.toml"
    cfg.write_text("colour = 'blue'\n", encoding="utf-8")
    monkeypatch.setenv("MEMBERINSIGHT_CONFIG", str(cfg))
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings()
    monkeypatch.delenv("MEMBERINSIGHT_CONFIG")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEMBERINSIGHT_SERVER_PORT", "eighty")
    with pytest.raises(ConfigError, match="server_port"):
        load_settings()


def test_missing_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEMBERINSIGHT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="not a file"):
        load_settings()
