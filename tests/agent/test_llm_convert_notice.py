"""The first use of the packaged LLM says, in one line before it starts, that it converts the model once
and how long that takes; later uses say nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from memberinsight.agent.llm import convert


def _fake_convert(source: Path, out: Path) -> None:  # the real one takes 20-40 s (de-quantising the GGUF)
    (out / "model.safetensors").write_bytes(b"weights")


def test_notice_before_the_one_time_conversion_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    source.write_bytes(b"g" * 2_000_000)
    monkeypatch.setattr(convert, "_convert", _fake_convert)
    first = convert.ensure_converted(source, tmp_path / "cache")
    err = capsys.readouterr().err
    assert first.converted and err.count("\n") == 1
    assert "SmolLM2-135M-Instruct.Q4_1.gguf (2 MB)" in err and "converting it once" in err
    assert "about 20-40 s" in err and str(tmp_path / "cache" / "llm") in err
    again = convert.ensure_converted(source, tmp_path / "cache")
    assert not again.converted and capsys.readouterr().err == ""


def test_notice_goes_where_the_caller_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "model.gguf"
    source.write_bytes(b"g")
    monkeypatch.setattr(convert, "_convert", _fake_convert)
    heard: list[str] = []
    convert.ensure_converted(source, tmp_path / "cache", notify=heard.append)
    assert len(heard) == 1 and heard[0].startswith("Preparing the local language model model.gguf")
    assert capsys.readouterr().err == ""
    convert.ensure_converted(tmp_path / "model.gguf", tmp_path / "cache2", notify=None)
    assert capsys.readouterr().err == ""
