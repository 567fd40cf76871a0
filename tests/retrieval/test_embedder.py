"""The embedder (real packaged all-MiniLM-L6-v2) and the embedding cache."""

from __future__ import annotations

import numpy as np
import pytest

from memberinsight.config import Settings
from memberinsight.errors import ConfigError
from memberinsight.retrieval.cache import EmbeddingCache, embed_with_cache, text_hash
from memberinsight.retrieval.embedder import get_embedder
from memberinsight.retrieval.modelinfo import packaged_model_dir

TEXTS = [
    "Waterproof hiking boots with a grippy sole for long treks.",
    "Stainless steel chef's knife.",
    "A plush teddy bear for toddlers, machine washable and very soft, made from organic cotton.",
    "Dog food",
    "",
]


def test_default_backend_is_int8_onnx_with_normalised_float32(embedder):
    v = embedder.encode(TEXTS)
    # "-int8r": int8 vectors of texts run alone; the batch-dependent "-int8" vectors are never reused
    assert embedder.backend == "onnx-int8" and embedder.model_id.endswith("-int8r")
    assert v.dtype == np.float32 and v.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert embedder.model_id.startswith("all-MiniLM-L6-v2@")


def test_length_sorted_batches_keep_input_order(retrieval_settings, embedder):
    fp32 = get_embedder(retrieval_settings, "onnx")
    one_by_one = np.stack([fp32.encode_one(t) for t in TEXTS])
    np.testing.assert_allclose(fp32.encode(TEXTS, batch_size=2), one_by_one, atol=1e-5)
    int8 = embedder.encode(TEXTS, batch_size=2)
    np.testing.assert_allclose(int8, np.stack([embedder.encode_one(t) for t in TEXTS]), atol=1e-5)
    assert np.array_equal(np.argmax(int8 @ one_by_one.T, axis=1), np.arange(len(TEXTS)))


@pytest.mark.slow
def test_onnx_vectors_match_plain_sentence_transformers(retrieval_settings, embedder):
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(str(packaged_model_dir()), device="cpu")
    want = plain.encode(TEXTS, normalize_embeddings=True)
    fp32 = get_embedder(retrieval_settings, "onnx")
    assert fp32.model_id == embedder.model_id.removesuffix("-int8r")
    assert float(np.min(np.sum(want * fp32.encode(TEXTS), axis=1))) > 0.9999  # fp32 export: same vectors
    assert float(np.min(np.sum(want * embedder.encode(TEXTS), axis=1))) > 0.97  # int8: close


def varied_texts(n: int = 50, seed: int = 3) -> list[str]:
    """``n`` texts from one word to ~150 words (plus an empty one), products, reviews and questions mixed."""
    rng = np.random.default_rng(seed)
    words = " ".join(TEXTS).split() + ("segments by revenue great value arrived broken would buy again 5 stars "
                                       "Café crème 12,99 € kids love it").split()
    texts = ["", "segments by revenue", "Dog food"]
    while len(texts) < n:
        texts.append(" ".join(rng.choice(words, int(rng.choice([1, 3, 8, 20, 60, 150])))))
    return texts


def random_batches(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """A random partition of ``range(n)`` into batches of 2-16."""
    perm, out, start = rng.permutation(n), [], 0
    while start < n:
        size = int(rng.integers(2, 17))
        out.append(perm[start:start + size])
        start += size
    return out


LONG_MATE = " ".join(["A long, detailed review of the waterproof hiking boots that kept my feet dry."] * 12)


def assert_batch_invariant(emb, texts: list[str], trials: int = 3, seed: int = 0) -> None:
    """Each text alone vs inside random batches of mixed lengths (with a long batch mate): same vector."""
    alone = np.stack([emb.encode([t])[0] for t in texts])
    rng = np.random.default_rng(seed)
    for _trial in range(trials):
        got = np.zeros_like(alone)
        for idx in random_batches(rng, len(texts)):
            got[idx] = emb.encode([texts[i] for i in idx] + [LONG_MATE])[:len(idx)]
        assert float(np.min(np.sum(got * alone, axis=1))) >= 0.99999
        assert float(np.max(np.abs(got - alone))) <= 1e-5
    np.testing.assert_allclose(emb.encode(texts, batch_size=7), alone, atol=1e-5)  # one call, chunked


@pytest.mark.parametrize("backend", ["onnx-int8", "onnx", pytest.param("torch", marks=pytest.mark.slow),
                                     pytest.param("torch-int8", marks=pytest.mark.slow)])
def test_a_texts_vector_does_not_depend_on_its_batch_mates(retrieval_settings, backend):
    emb = get_embedder(retrieval_settings, backend)
    assert_batch_invariant(emb, varied_texts(), trials=1 if backend.startswith("torch") else 3)
    alone, with_long = emb.encode(["segments by revenue"])[0], emb.encode(["segments by revenue", LONG_MATE])[0]
    assert float(alone @ with_long) >= 0.99999  # was 0.989-0.991 with padded int8 batches


def test_padded_int8_batches_would_depend_on_batch_mates(embedder):
    # why the int8 backend runs texts alone: dynamic activation scales span the whole padded batch
    onnx = embedder._onnx
    alone = onnx.encode_batch(["segments by revenue"])[0]
    with_long = onnx.encode_batch(["segments by revenue", LONG_MATE])[0]
    assert float(alone @ with_long) < 0.999
    np.testing.assert_allclose(onnx.encode(["segments by revenue", LONG_MATE])[0], alone, atol=1e-6)


def test_identical_texts_get_identical_vectors_wherever_they_are_embedded(tmp_path, embedder):
    text = "Great boots, kept my feet dry. Would buy again."
    first = embed_with_cache([text], embedder, EmbeddingCache(tmp_path / "a.sqlite")).vectors[0]
    fresh = embed_with_cache(varied_texts(20) + [text], embedder, EmbeddingCache(tmp_path / "b.sqlite")).vectors[-1]
    assert float(first @ fresh) >= 0.99999  # a near-duplicate check sees 1.0, fresh build = incremental build


def test_meaning_is_captured(embedder):
    q, boots, knife = embedder.encode(["walking shoes for mountains", TEXTS[0], TEXTS[1]])
    assert q @ boots > q @ knife + 0.2


def test_loaded_once_per_process(retrieval_settings, embedder):
    assert get_embedder(retrieval_settings) is embedder


def test_model_directory_is_configurable(tmp_path, retrieval_settings, embedder):
    link = tmp_path / "my-minilm"
    link.symlink_to(packaged_model_dir(), target_is_directory=True)
    other = get_embedder(retrieval_settings.replace(embedding_model_path=str(link)))
    assert other is not embedder and other.model_id.startswith("my-minilm@")
    assert other.model_id.split("@")[1] == embedder.model_id.split("@")[1]  # same weights, same fingerprint
    np.testing.assert_allclose(other.encode(TEXTS[:2]), embedder.encode(TEXTS[:2]), atol=1e-5)


def test_bad_model_settings_raise_config_errors(tmp_path, retrieval_settings):
    with pytest.raises(ConfigError, match="not a directory"):
        get_embedder(retrieval_settings.replace(embedding_model_path=str(tmp_path / "missing")))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="config.json"):
        get_embedder(retrieval_settings.replace(embedding_model_path=str(tmp_path / "empty")))
    with pytest.raises(ConfigError, match="embedding_backend"):
        get_embedder(Settings(cache_dir=retrieval_settings.cache_path, embedding_backend="gpu"))


class CountingEmbedder:
    """Wraps the real embedder and counts the texts it embeds."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []
        self.model_id, self.dimension = inner.model_id, inner.dimension

    def encode(self, texts, **kwargs):
        self.calls.append(list(texts))
        return self.inner.encode(texts, **kwargs)


def test_cache_embeds_only_new_or_changed_texts(tmp_path, embedder):
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    counting = CountingEmbedder(embedder)
    first = embed_with_cache(TEXTS[:3] + [TEXTS[0]], counting, cache)
    assert (first.embedded, first.cached) == (3, 0)  # the repeated text is embedded once
    assert cache.count(embedder.model_id) == 3
    second = embed_with_cache([TEXTS[1], "A brand new text.", TEXTS[0]], counting, cache)
    assert (second.embedded, second.cached) == (1, 2)
    assert counting.calls[-1] == ["A brand new text."]
    np.testing.assert_allclose(second.vectors[2], first.vectors[0], atol=1e-7)
    assert set(cache.get_many(embedder.model_id, [text_hash(TEXTS[1])])) == {text_hash(TEXTS[1])}
    assert cache.get_many("another-model", [text_hash(TEXTS[1])]) == {}  # keyed by model id too


def test_vectors_cached_under_the_batch_dependent_int8_id_are_not_reused(tmp_path, embedder):
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    old_id = f"{embedder.spec.name}@{embedder.spec.fingerprint}-int8"  # before vectors were batch-invariant
    assert embedder.model_id != old_id
    stale = np.ones((1, embedder.dimension), dtype=np.float32) / np.sqrt(embedder.dimension)
    cache.put_many(old_id, [text_hash(TEXTS[0])], stale)
    result = embed_with_cache([TEXTS[0]], embedder, cache)
    assert (result.embedded, result.cached) == (1, 0)
    np.testing.assert_allclose(result.vectors[0], embedder.encode_one(TEXTS[0]), atol=1e-6)


def model_copy(target):
    """A copy of the packaged model folder (weights symlinked: the fingerprint reads through the link)."""
    import shutil

    source = packaged_model_dir()
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("model.safetensors", "pytorch_model.bin"))
    (target / "model.safetensors").symlink_to(source / "model.safetensors")
    return target


def test_a_model_folder_without_normalize_still_gives_unit_vectors(tmp_path, retrieval_settings, embedder):
    import json

    folder = model_copy(tmp_path / "minilm-no-norm")
    modules = [m for m in json.loads((folder / "modules.json").read_text()) if not m["type"].endswith("Normalize")]
    (folder / "modules.json").write_text(json.dumps(modules))
    for backend in ("onnx", "onnx-int8"):
        plain = get_embedder(retrieval_settings.replace(embedding_model_path=str(folder)), backend)
        assert not plain.spec.normalize and plain.spec.plain
        v = plain.encode(TEXTS)
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)  # unnormalised MiniLM: ~8
        reference = get_embedder(retrieval_settings, backend).encode(TEXTS)
        np.testing.assert_allclose(v, reference, atol=1e-5)  # same transformer, same unit vectors
    # the ONNX export depends on the weights only: the copy re-uses the packaged model's cached export
    assert plain.spec.weights_fingerprint == embedder.spec.weights_fingerprint
    assert plain.spec.fingerprint != embedder.spec.fingerprint


@pytest.mark.slow
def test_torch_backend_without_normalize_matches_onnx(tmp_path, retrieval_settings):
    import json

    folder = model_copy(tmp_path / "minilm-no-norm")
    modules = [m for m in json.loads((folder / "modules.json").read_text()) if not m["type"].endswith("Normalize")]
    (folder / "modules.json").write_text(json.dumps(modules))
    cfg = retrieval_settings.replace(embedding_model_path=str(folder))
    torch_vectors = get_embedder(cfg, "torch").encode(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(torch_vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(torch_vectors, get_embedder(cfg, "onnx").encode(TEXTS), atol=1e-4)


def test_fingerprint_covers_every_file_that_changes_the_vectors(tmp_path, retrieval_settings, embedder):
    import json

    from memberinsight.retrieval.modelinfo import read_model_spec

    folder = model_copy(tmp_path / "minilm")
    base = read_model_spec(folder)
    assert base.fingerprint == embedder.spec.fingerprint  # an identical copy embeds identically
    seen = {base.fingerprint}

    def edit(name: str, change) -> str:
        path = folder / name
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
        spec = read_model_spec(folder)  # re-read: the folder changed in place
        assert spec.fingerprint not in seen, name
        assert spec.weights_fingerprint == base.weights_fingerprint  # same ONNX export
        seen.add(spec.fingerprint)
        return spec

    assert edit("sentence_bert_config.json", lambda d: d.update(max_seq_length=128)).max_seq_length == 128
    assert edit("1_Pooling/config.json", lambda d: d.update(pooling_mode_mean_tokens=False,
                                                            pooling_mode_cls_token=True)).pooling == "cls"
    assert not edit("modules.json", lambda d: d.pop()).normalize
    edit("tokenizer_config.json", lambda d: d.update(model_max_length=128))
    edit("tokenizer.json", lambda d: d.update(truncation={"max_length": 64, "strategy": "LongestFirst",
                                                          "stride": 0, "direction": "Right"}))
    edit("special_tokens_map.json", lambda d: d.update(mask_token="[MASK2]"))
    (folder / "vocab.txt").write_text((folder / "vocab.txt").read_text() + "newword\n")
    assert read_model_spec(folder).fingerprint not in seen
    # the embedder (and so the model id keying the cache and the indexes) follows the folder
    first = get_embedder(retrieval_settings.replace(embedding_model_path=str(folder)), "onnx")
    assert first.model_id.split("@")[1] == read_model_spec(folder).fingerprint
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 64, "do_lower_case": False}))
    second = get_embedder(retrieval_settings.replace(embedding_model_path=str(folder)), "onnx")
    assert second is not first and second.model_id != first.model_id and second.spec.max_seq_length == 64
