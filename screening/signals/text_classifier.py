"""A fake-review text classifier: several text views stacked by a logistic regression.

Views (each a linear model on its own features):

* ``word`` - TF-IDF word uni+bigrams, linear SVM;
* ``word_punct`` - TF-IDF word and punctuation 1-3 grams, linear SVM;
* ``char_wb`` - TF-IDF character 1-4 grams inside word boundaries, linear SVM;
* ``char`` - TF-IDF character 2-5 grams across words, linear SVM;
* ``embedding`` - logistic regression on the sentence embedding (all-MiniLM-L6-v2), when given;
* ``style`` - logistic regression on light stylometry (length, word length, sentence length, first
  person, exclamation marks, capitals, digits, vocabulary richness, commas, currency).

The stacker is fitted on out-of-fold view scores (grouped K-fold inside the training data, so a
group - a hotel, a near-duplicate ring - never trains and scores itself) and turns them into a
calibrated probability. No text is ever executed or interpreted: reviews are only featurised.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from memberinsight.errors import DataValidationError, ModelNotReadyError

SPARSE_VIEWS = ("word", "word_punct", "char_wb", "char")
DENSE_VIEWS = ("embedding", "style")
ALL_VIEWS = SPARSE_VIEWS + DENSE_VIEWS
_TOKENS_PUNCT = r"(?u)\b\w+\b|[^\w\s]"
_WORD = re.compile(r"[A-Za-z']+")
_SENT = re.compile(r"[.!?]+")
_FIRST = frozenset({"i", "me", "my", "mine", "myself"})
_WE = frozenset({"we", "us", "our", "ours"})


def style_features(texts: list[str]) -> np.ndarray:
    """Light stylometric features, one row per text."""
    rows = []
    for t in texts:
        words = _WORD.findall(t)
        n = max(len(words), 1)
        lower = [w.lower() for w in words]
        sentences = [s for s in _SENT.split(t) if s.strip()]
        chars = max(len(t), 1)
        rows.append([
            np.log1p(len(t)), np.log1p(len(words)), float(np.mean([len(w) for w in words])) if words else 0.0,
            n / max(len(sentences), 1), sum(w in _FIRST for w in lower) / n, sum(w in _WE for w in lower) / n,
            t.count("!") / n, sum(c.isupper() for c in t) / chars, sum(c.isdigit() for c in t) / chars,
            len(set(lower)) / n, t.count(",") / n, (t.count("$") + t.count("£") + t.count("€")) / n,
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(texts), 12)


def _sparse_view(name: str, C: float) -> Pipeline:
    if name == "word":
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    elif name == "word_punct":
        vec = TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, token_pattern=_TOKENS_PUNCT)
    elif name == "char_wb":
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
    elif name == "char":
        vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True, max_features=200_000)
    else:
        raise DataValidationError(f"unknown text view {name!r}", column="views")
    return make_pipeline(vec, LinearSVC(C=C))


def _dense_view(name: str) -> Pipeline:
    C = 0.01 if name == "embedding" else 0.1
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=3000))


class TextClassifier:
    """Stacked text views -> probability that a review is fake (scikit-learn style)."""

    def __init__(self, views: tuple[str, ...] = ALL_VIEWS, C: float = 1.0, inner_folds: int = 4,
                 meta_C: float = 1.0) -> None:
        self.views = views
        self.C = C
        self.inner_folds = inner_folds
        self.meta_C = meta_C

    # ----- helpers ----------------------------------------------------------
    def _active(self, embeddings: np.ndarray | None) -> list[str]:
        return [v for v in self.views if v != "embedding" or embeddings is not None]

    def _dense_input(self, name: str, texts: list[str], embeddings: np.ndarray | None) -> np.ndarray:
        return embeddings if name == "embedding" else style_features(texts)

    def _fit_views(self, views: list[str], texts: list[str], y: np.ndarray, embeddings: np.ndarray | None
                   ) -> dict[str, Pipeline]:
        models = {}
        for name in views:
            if name in SPARSE_VIEWS:
                models[name] = _sparse_view(name, self.C).fit(texts, y)
            else:
                models[name] = _dense_view(name).fit(self._dense_input(name, texts, embeddings), y)
        return models

    def _scores(self, models: dict[str, Pipeline], views: list[str], texts: list[str],
                embeddings: np.ndarray | None) -> np.ndarray:
        cols = []
        for name in views:
            x = texts if name in SPARSE_VIEWS else self._dense_input(name, texts, embeddings)
            cols.append(models[name].decision_function(x))
        return np.column_stack(cols) if cols else np.zeros((len(texts), 0))

    # ----- API ----------------------------------------------------------------
    def fit(self, texts: list[str], y: np.ndarray, embeddings: np.ndarray | None = None,
            groups: np.ndarray | None = None) -> TextClassifier:
        """Fit every view and the stacker. ``groups`` keep related texts in one inner fold."""
        texts = [str(t) for t in texts]
        y = np.asarray(y, dtype=int)
        if len(texts) != len(y) or (embeddings is not None and len(embeddings) != len(y)):
            raise DataValidationError("texts, labels and embeddings must have the same length")
        if len(np.unique(y)) < 2 or min(np.bincount(y)) < 2:
            raise DataValidationError("the text classifier needs at least two examples of each class",
                                      column="is_fake")
        views = self._active(embeddings)
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        folds = min(self.inner_folds, len(np.unique(groups)), int(min(np.bincount(y))))
        oof = np.zeros((len(y), len(views)))
        if folds >= 2:
            for tr, te in GroupKFold(n_splits=folds).split(texts, y, groups):
                if len(np.unique(y[tr])) < 2:
                    continue
                sub = [texts[i] for i in tr]
                models = self._fit_views(views, sub, y[tr], None if embeddings is None else embeddings[tr])
                oof[te] = self._scores(models, views, [texts[i] for i in te], None if embeddings is None
                                       else embeddings[te])
        self.views_ = views
        self.meta_ = LogisticRegression(C=self.meta_C).fit(oof, y)
        self.models_ = self._fit_views(views, texts, y, embeddings)
        self.oof_score_ = self.meta_.decision_function(oof)
        return self

    def _check(self, embeddings: np.ndarray | None) -> None:
        if not hasattr(self, "meta_"):
            raise ModelNotReadyError("TextClassifier.fit must run before predicting")
        if "embedding" in self.views_ and embeddings is None:
            raise DataValidationError("this text classifier was fitted with embeddings; pass them",
                                      column="embeddings")

    def view_scores(self, texts: list[str], embeddings: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Each view's own decision score (for per-view evaluation)."""
        self._check(embeddings)
        s = self._scores(self.models_, self.views_, [str(t) for t in texts], embeddings)
        return {name: s[:, i] for i, name in enumerate(self.views_)}

    def decision_function(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Stacked log-odds that each text is fake."""
        self._check(embeddings)
        return self.meta_.decision_function(self._scores(self.models_, self.views_, [str(t) for t in texts],
                                                         embeddings))

    def predict_proba(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Probability of fake, shape ``(n,)``."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(texts, embeddings)))

    def predict(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """1 = fake, 0 = genuine."""
        return (self.decision_function(texts, embeddings) > 0).astype(int)
