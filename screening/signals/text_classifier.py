"""A fake-review text classifier: several text views stacked by a logistic regression.

Views (each a linear model on its own features):

* ``word`` - TF-IDF word uni+bigrams, linear SVM;
* ``word_punct`` - TF-IDF word and punctuation 1-3 grams, linear SVM;
* ``char_wb`` - TF-IDF character 1-4 grams inside word boundaries, linear SVM;
* ``char`` - TF-IDF character 2-5 grams across words, linear SVM;
* ``nb_word`` - binary word and punctuation 1-2 grams scaled by their naive-Bayes log-count ratio,
  linear SVM (NB-SVM, Wang & Manning 2012);
* ``embedding`` - logistic regression on the sentence embedding (all-MiniLM-L6-v2), when given;
* ``style`` - logistic regression on light stylometry (length, word length, sentence length, first
  person, exclamation marks, capitals, digits, vocabulary richness, commas, currency).

Hyper-parameters are chosen inside the training data only: each view's regularisation ``C`` is
picked from a small grid (:data:`DEFAULT_GRIDS`) by the ROC-AUC of its out-of-fold scores over
grouped K-fold *inside the training rows* (:func:`screening.folds.stratified_group_folds`: a group
- a hotel, a near-duplicate ring - never trains and scores itself, and each class is spread over the
folds). The stacker is fitted on those same out-of-fold view scores (of the chosen ``C``) and turns
them into a calibrated probability. Test rows of an outer evaluation are never seen by any of this.

When the labels are so clustered that some rows cannot get an out-of-fold score (every fake in one
group: the inner fold holding it out trains on a single class), those rows are scored by the views
fitted on all rows instead, and ``oof_mask_`` says which rows are truly out-of-fold; C is then
chosen and the stacker fitted on the out-of-fold rows only when they hold both classes.

No text is ever executed or interpreted: reviews are only featurised.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler, normalize
from sklearn.svm import LinearSVC

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.screening.folds import stratified_group_folds, two_class

SPARSE_VIEWS = ("word", "word_punct", "char_wb", "char", "nb_word")
DENSE_VIEWS = ("embedding", "style")
ALL_VIEWS = SPARSE_VIEWS + DENSE_VIEWS
DEFAULT_GRIDS: dict[str, tuple[float, ...]] = {
    **{name: (0.3, 1.0, 3.0) for name in SPARSE_VIEWS},
    "embedding": (0.003, 0.01, 0.03),
    "style": (0.03, 0.1, 0.3),
}
"""Candidate ``C`` per view; the one with the best inner out-of-fold ROC-AUC is used."""
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


class NBCounts(BaseEstimator, TransformerMixin):
    """Binary n-gram counts scaled by the naive-Bayes log-count ratio of the training labels, L2-normalised."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), alpha: float = 1.0) -> None:
        self.ngram_range = ngram_range
        self.alpha = alpha

    def fit(self, texts: list[str], y: np.ndarray | None = None) -> NBCounts:
        """Learn the vocabulary and each n-gram's log ratio of (smoothed) frequency in class 1 vs class 0."""
        if y is None:
            raise DataValidationError("NBCounts needs the labels to fit", column="is_fake")
        y = np.asarray(y, dtype=int)
        self.vectorizer_ = CountVectorizer(ngram_range=self.ngram_range, binary=True, token_pattern=_TOKENS_PUNCT)
        counts = self.vectorizer_.fit_transform(texts)
        p = np.asarray(counts[y == 1].sum(axis=0)).ravel() + self.alpha
        q = np.asarray(counts[y == 0].sum(axis=0)).ravel() + self.alpha
        self.ratio_ = np.log((p / p.sum()) / (q / q.sum()))
        return self

    def transform(self, texts: list[str]):
        """Scaled, normalised counts (sparse)."""
        if not hasattr(self, "ratio_"):
            raise ModelNotReadyError("NBCounts.fit must run before transform")
        return normalize(self.vectorizer_.transform(texts).multiply(self.ratio_).tocsr())

    def fit_transform(self, texts: list[str], y: np.ndarray | None = None, **_: object):
        return self.fit(texts, y).transform(texts)


def _featurizer(name: str):
    """The unfitted feature step of a view (TF-IDF for the sparse views, standardisation for the dense)."""
    if name == "word":
        return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    if name == "word_punct":
        return TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, token_pattern=_TOKENS_PUNCT)
    if name == "char_wb":
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
    if name == "char":
        return TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True, max_features=200_000)
    if name == "nb_word":
        return NBCounts()
    if name in DENSE_VIEWS:
        return StandardScaler()
    raise DataValidationError(f"unknown text view {name!r}", column="views")


def _estimator(name: str, C: float):
    return LinearSVC(C=C) if name in SPARSE_VIEWS else LogisticRegression(C=C, max_iter=3000)


class TextClassifier:
    """Stacked text views -> probability that a review is fake (scikit-learn style).

    ``grids`` overrides :data:`DEFAULT_GRIDS` per view (a one-value tuple fixes ``C``).
    """

    def __init__(self, views: tuple[str, ...] = ALL_VIEWS, grids: dict[str, tuple[float, ...]] | None = None,
                 inner_folds: int = 4, meta_C: float = 1.0) -> None:
        self.views = views
        self.grids = grids
        self.inner_folds = inner_folds
        self.meta_C = meta_C

    # ----- helpers ----------------------------------------------------------
    def _active(self, embeddings: np.ndarray | None) -> list[str]:
        for name in self.views:
            _featurizer(name)  # unknown names fail here, before any fitting
        return [v for v in self.views if v != "embedding" or embeddings is not None]

    def _grid(self, name: str) -> tuple[float, ...]:
        grid = (self.grids or {}).get(name, DEFAULT_GRIDS[name])
        if not grid or any(c <= 0 for c in grid):
            raise DataValidationError(f"the C grid of view {name!r} must be positive numbers", column="grids")
        return tuple(grid)

    @staticmethod
    def _input(name: str, texts: list[str], embeddings: np.ndarray | None):
        if name in SPARSE_VIEWS:
            return texts
        return embeddings if name == "embedding" else style_features(texts)

    def _fit_view(self, name: str, texts: list[str], y: np.ndarray, embeddings: np.ndarray | None,
                  C: float) -> Pipeline:
        return make_pipeline(_featurizer(name), _estimator(name, C)).fit(self._input(name, texts, embeddings), y)

    def _inner_scores(self, name: str, texts: list[str], y: np.ndarray, embeddings: np.ndarray | None,
                      folds: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Out-of-fold scores of view ``name`` for every C of its grid, shape (n, len(grid))."""
        grid = self._grid(name)
        x = self._input(name, texts, embeddings)
        out = np.zeros((len(y), len(grid)))
        for tr, te in folds:
            feat = _featurizer(name)
            sub = [x[i] for i in tr] if name in SPARSE_VIEWS else x[tr]
            held = [x[i] for i in te] if name in SPARSE_VIEWS else x[te]
            xtr, xte = feat.fit_transform(sub, y[tr]), feat.transform(held)
            for j, C in enumerate(grid):
                out[te, j] = clone(_estimator(name, C)).fit(xtr, y[tr]).decision_function(xte)
        return out

    # ----- API ----------------------------------------------------------------
    def fit(self, texts: list[str], y: np.ndarray, embeddings: np.ndarray | None = None,
            groups: np.ndarray | None = None) -> TextClassifier:
        """Choose each view's C and fit the stacker on grouped inner folds, then refit every view on
        all rows. ``groups`` keep related texts in one inner fold."""
        texts = [str(t) for t in texts]
        y = np.asarray(y, dtype=int)
        if len(texts) != len(y) or (embeddings is not None and len(embeddings) != len(y)):
            raise DataValidationError("texts, labels and embeddings must have the same length")
        if len(np.unique(y)) < 2 or min(np.bincount(y)) < 2:
            raise DataValidationError("the text classifier needs at least two examples of each class",
                                      column="is_fake")
        views = self._active(embeddings)
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        n_folds = min(self.inner_folds, len(np.unique(groups)), int(min(np.bincount(y))))
        folds = [(tr, te) for tr, te in stratified_group_folds(y, groups, n_folds) if two_class(y[tr])]
        scored = np.zeros(len(y), dtype=bool)
        for _, te in folds:
            scored[te] = True
        usable = two_class(y[scored])
        oof = np.zeros((len(y), len(views)))
        self.C_: dict[str, float] = {}
        self.inner_auc_: dict[str, float] = {}
        for k, name in enumerate(views):
            grid = self._grid(name)
            if not usable:
                self.C_[name] = grid[len(grid) // 2]
                continue
            scores = self._inner_scores(name, texts, y, embeddings, folds)
            aucs = [roc_auc_score(y[scored], scores[scored, j]) for j in range(len(grid))]
            best = int(np.argmax(aucs))
            self.C_[name], self.inner_auc_[name] = grid[best], round(float(aucs[best]), 4)
            oof[:, k] = scores[:, best]
        self.views_ = views
        self.models_ = {name: self._fit_view(name, texts, y, embeddings, self.C_[name]) for name in views}
        if not scored.all():  # rows no inner fold could score: in-sample scores of the full views
            rest = np.flatnonzero(~scored)
            oof[rest] = self._scores([texts[i] for i in rest], None if embeddings is None else embeddings[rest])
        fit_rows = scored if usable else np.ones(len(y), dtype=bool)
        self.meta_ = LogisticRegression(C=self.meta_C).fit(oof[fit_rows], y[fit_rows])
        self.oof_mask_ = scored
        self.oof_score_ = self.meta_.decision_function(oof)
        return self

    def _check(self, embeddings: np.ndarray | None) -> None:
        if not hasattr(self, "meta_"):
            raise ModelNotReadyError("TextClassifier.fit must run before predicting")
        if "embedding" in self.views_ and embeddings is None:
            raise DataValidationError("this text classifier was fitted with embeddings; pass them",
                                      column="embeddings")

    def _scores(self, texts: list[str], embeddings: np.ndarray | None) -> np.ndarray:
        texts = [str(t) for t in texts]
        cols = [self.models_[name].decision_function(self._input(name, texts, embeddings)) for name in self.views_]
        return np.column_stack(cols) if cols else np.zeros((len(texts), 0))

    def view_scores(self, texts: list[str], embeddings: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Each view's own decision score (for per-view evaluation)."""
        self._check(embeddings)
        s = self._scores(texts, embeddings)
        return {name: s[:, i] for i, name in enumerate(self.views_)}

    def decision_function(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Stacked log-odds that each text is fake."""
        self._check(embeddings)
        return self.meta_.decision_function(self._scores(texts, embeddings))

    def predict_proba(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Probability of fake, shape ``(n,)``."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(texts, embeddings)))

    def predict(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """1 = fake, 0 = genuine."""
        return (self.decision_function(texts, embeddings) > 0).astype(int)
