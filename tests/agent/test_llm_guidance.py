"""Guided decoding on the packaged tokenizer and model: banned tokens cannot be produced."""

from __future__ import annotations

import re

import pytest
import torch

from memberinsight.agent.llm import DIGITS_AND_MONEY, Guidance, LocalBackend, get_backend
from memberinsight.agent.llm.constraints import compile_guidance, contains_banned, token_texts
from memberinsight.config import load_settings

NUMBERS_PROMPT = [{"role": "system", "content": "You answer with numbers."},
                  {"role": "user", "content": "Count from 1 to 20, then give three prices in pounds and a percentage."}]


@pytest.fixture(scope="module")
def backend(isolated_home) -> LocalBackend:
    b = get_backend(load_settings(llm_backend="gguf", cache_dir=str(isolated_home / "cache")))
    b.load()
    return b


@pytest.fixture(scope="module")
def texts(backend: LocalBackend) -> list[str]:
    return token_texts(backend.tokenizer.tokenizer)


def _pick(generated: list[int], logits: torch.Tensor, processor) -> int:
    return int(processor(generated, logits.clone()).argmax())


def test_banned_tokens_never_win_even_with_the_top_logit(backend: LocalBackend, texts: list[str]) -> None:
    tok = backend.tokenizer
    compiled = tok.guided(Guidance(forbid_chars=DIGITS_AND_MONEY, forbid_words=("I", "my")))
    banned = compiled.banned
    digit_ids = [i for i, t in enumerate(texts) if re.search(r"\d", t)]
    assert len(digit_ids) >= 10 and bool(banned[digit_ids].all())
    money_ids = [i for i, t in enumerate(texts) if set(t) & set("£$€%")]
    assert len(money_ids) >= 20 and bool(banned[money_ids].all())
    assert not any(bool(banned[i]) for i in tok.stop_ids)  # stopping is always possible
    generator = torch.Generator().manual_seed(0)
    processor = compiled.processor()
    for step in range(200):
        logits = torch.randn(len(texts), generator=generator)
        logits[digit_ids[step % len(digit_ids)]] = 100.0  # a digit is the model's favourite
        choice = _pick([], logits, processor)
        assert not re.search(r"\d", texts[choice]) and texts[choice].strip() not in ("I", "my")
    # Unbanned logits pass through unchanged; banned ones become -inf.
    logits = torch.randn(len(texts), generator=generator)
    out = compiled.processor()([], logits.clone())
    assert torch.equal(out[~banned], logits[~banned]) and bool(torch.isinf(out[banned]).all())
    with_ban = Guidance(forbid_chars=DIGITS_AND_MONEY)
    assert contains_banned("20% off", with_ban) and not contains_banned("twenty off", with_ban)


def test_placeholders_spell_only_listed_names(backend: LocalBackend, texts: list[str]) -> None:
    names = ("offer", "deadline", "product_1", "first_name")
    compiled = compile_guidance(texts, Guidance(forbid_chars=DIGITS_AND_MONEY, slots=names),
                                backend.tokenizer.stop_ids)
    brace = texts.index(" {")
    assert brace in compiled.open_ids and not bool(compiled.banned[brace])
    assert bool(compiled.banned[texts.index("}")])  # no stray closing brace
    generator = torch.Generator().manual_seed(1)
    seen: set[str] = set()
    for _ in range(40):
        processor = compiled.processor()
        generated = [brace]
        for _ in range(12):
            token = _pick(generated, torch.randn(len(texts), generator=generator), processor)
            generated.append(token)
            if "}" in texts[token]:
                break
        text = "".join(texts[t] for t in generated)
        m = re.fullmatch(r" \{([a-z_0-9]+)\}\W?", text)
        assert m and m.group(1) in names, text  # the digit in product_1 is allowed inside the braces
        seen.add(m.group(1))
    assert len(seen) >= 3


def test_line_budget_ends_the_reply(backend: LocalBackend, texts: list[str]) -> None:
    compiled = compile_guidance(texts, Guidance(max_lines=2), backend.tokenizer.stop_ids)
    newline = texts.index("\n")
    word = texts.index(" hello")
    processor = compiled.processor()
    logits = torch.randn(len(texts))
    assert int(processor([word], logits.clone()).argmax()) == int(logits.argmax())
    # Two newlines in a row are one break; a second break (after more text) leaves only stop tokens.
    assert processor([word, newline, newline, word], logits.clone()).isfinite().sum() == len(texts)
    final = processor([word, newline, newline, word, newline], logits.clone())
    assert set(torch.nonzero(final.isfinite()).flatten().tolist()) == set(backend.tokenizer.stop_ids)


@pytest.mark.slow
def test_real_model_cannot_write_digits_when_constrained(backend: LocalBackend) -> None:
    free = backend.generate(NUMBERS_PROMPT, max_new_tokens=40)
    assert re.search(r"\d", free), free  # unconstrained, the model does write numbers
    guided = Guidance(forbid_chars=DIGITS_AND_MONEY, ascii_only=True)
    for temperature, seed in ((0.0, None), (1.0, 3), (1.0, 4)):
        text = backend.generate(NUMBERS_PROMPT, max_new_tokens=40, temperature=temperature, seed=seed, guidance=guided)
        assert text.strip() and not re.search(r"[\d£$€%]", text), text


@pytest.mark.slow
def test_forced_start_and_stream_equal_generate(backend: LocalBackend) -> None:
    prompt = [{"role": "user", "content": "Write a one-line SMS for a garden shop called Acme Home."}]
    g = Guidance(prefix="Acme Home:", forbid_chars=DIGITS_AND_MONEY, max_lines=1)
    text = backend.generate(prompt, max_new_tokens=30, guidance=g)
    assert text and not text.startswith("Acme Home:") and "\n" not in text.rstrip("\n")
    assert "".join(backend.stream(prompt, max_new_tokens=30, guidance=g)) == text
    assert backend.generate(prompt, max_new_tokens=30) != text  # the forced start changes what follows


@pytest.mark.slow
def test_transformers_backend_gives_the_same_guided_text(backend: LocalBackend, isolated_home) -> None:
    from memberinsight.agent.llm import TransformersBackend

    plain = get_backend(load_settings(llm_backend="gguf", cache_dir=str(isolated_home / "cache"),
                                      llm_engine="transformers"))
    assert isinstance(plain, TransformersBackend) and plain.supports_guidance
    g = Guidance(prefix="Acme Home:", forbid_chars=DIGITS_AND_MONEY, slots=("offer", "first_name"), max_lines=1)
    prompt = [{"role": "user", "content": "Write an SMS for Acme Home with {offer} and {first_name}; "
                                          "the offer is 15% off."}]
    assert plain.generate(prompt, max_new_tokens=30, guidance=g) == backend.generate(prompt, max_new_tokens=30,
                                                                                     guidance=g)


def test_required_placeholder_must_be_written_before_the_end(backend: LocalBackend, texts: list[str]) -> None:
    stop = backend.tokenizer.stop_ids
    compiled = compile_guidance(texts, Guidance(slots=("offer", "first_name"), require=("offer",), max_lines=1,
                                                require_bias=2.0), stop)
    brace, word, newline = texts.index(" {"), texts.index(" hello"), texts.index("\n")
    offer = next(t for t, nxt in compiled.slot_steps[""].items() if nxt == "offer")
    close = next(t for t, nxt in compiled.slot_steps["offer"].items() if nxt == "}offer")
    first = next(t for t, nxt in compiled.slot_steps[""].items() if nxt == "first")
    processor = compiled.processor()
    logits = torch.zeros(len(texts))
    out = processor([word], logits.clone())
    assert all(out[i] == float("-inf") for i in stop) and out[newline] == float("-inf")  # cannot end yet
    assert out[brace] == 2.0 and out[word] == 0.0  # opening a placeholder is encouraged
    inside = processor([word, brace], logits.clone())
    assert inside[offer] == 2.0 and inside[first] == 0.0 and inside[word] == float("-inf")
    done = processor([word, brace, offer, close], logits.clone())
    assert processor.written == ["offer"] and all(done[i] == 0.0 for i in stop) and done[newline] == 0.0


def test_runs_copied_from_an_example_or_repeated_are_blocked(backend: LocalBackend, texts: list[str]) -> None:
    tok = backend.tokenizer.tokenizer
    example = "{first_name}, your {offer} ends {deadline}. Tap to shop."

    def encode(text: str) -> list[int]:
        return tok.encode(text, add_special_tokens=False).ids

    compiled = compile_guidance(texts, Guidance(avoid_copying=(example,), ngram=4), backend.tokenizer.stop_ids,
                                encode)
    ids = encode(example)
    processor = compiled.processor()
    logits = torch.zeros(len(texts))
    for i in range(3, len(ids)):  # every 4th token of a copied run is blocked
        out = compiled.processor()(ids[:i], logits.clone())
        assert out[ids[i]] == float("-inf") and out.isfinite().sum() == len(texts) - 1
    own = encode(" we shop the new range and we shop the")
    out = processor(own, logits.clone())
    assert out[encode(" new")[0]] == float("-inf")  # "shop the new" again would repeat the reply
    assert out[encode(" old")[0]] == 0.0
    with pytest.raises(ValueError, match="encode"):
        compile_guidance(texts, Guidance(avoid_copying=(example,), ngram=4), backend.tokenizer.stop_ids)
