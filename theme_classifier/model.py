"""The theme classifier: a scikit-learn estimator over TF-IDF and word2vec features."""

import inspect
import itertools
import warnings

import numpy as np

from . import LABELS, OTHER
from .embeddings import TokenStream, train_word2vec
from .features import TfidfTransform, combine, make_char_tfidf, make_tfidf, unigram_idf, word_weights
from .tokenize import default_tokenizer

#: Most themes a unit is given (codebook: usually 1, at most 3).
MAX_THEMES = 3
DEFAULT_THRESHOLD = 0.3
THRESHOLD_GRID = tuple(round(t, 2) for t in np.arange(0.05, 0.65, 0.05))


def themes_from_scores(scores, threshold):
    """The set of themes of one unit from its label → probability mapping.

    The primary label is the most probable one; themes are the primary plus
    every other theme at or above ``threshold`` (at most :data:`MAX_THEMES`), in the
    order of ``scores``. A unit whose primary is ``other`` has no themes.
    """
    primary = max(scores, key=scores.get)
    if primary == OTHER:
        return primary, []
    themes = [t for t in scores if t != OTHER]
    ranked = sorted((t for t in themes if t != primary and scores[t] >= threshold), key=lambda t: -scores[t])
    chosen = {primary, *ranked[:MAX_THEMES - 1]}
    return primary, [t for t in themes if t in chosen]


def set_f1(gold_sets, predicted_sets):
    """Mean per-unit F1 between gold and predicted theme sets (two empty sets agree fully)."""
    total = 0.0
    for gold, pred in zip(gold_sets, predicted_sets):
        gold, pred = set(gold), set(pred)
        if not gold and not pred:
            total += 1.0
        elif gold and pred:
            overlap = len(gold & pred)
            total += 2 * overlap / (len(gold) + len(pred))
    return total / max(len(gold_sets), 1)


def group_splitter(groups, n_splits=5):
    """Leave-one-report-out for up to 10 reports, else grouped k-fold."""
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut
    n_groups = len(set(groups))
    if n_groups <= 10:
        return LeaveOneGroupOut()
    return GroupKFold(n_splits=min(n_splits, n_groups))


def softmax_proba(features, coef, intercept):
    """Class probabilities of a fitted (multinomial or binary) logistic regression."""
    scores = np.asarray(features @ coef.T) + intercept
    if coef.shape[0] == 1:  # binary: scikit-learn keeps one row, for the second class
        positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1.0 - positive, positive])
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)


class ThemeClassifier:
    """Classify paragraph units into the five policy themes and ``other``.

    Features are TF-IDF over jieba word n-grams and an IDF-weighted mean of
    word2vec vectors; the classifier is a multinomial logistic regression, so
    every unit gets a probability per label.

    It follows scikit-learn's estimator conventions (``get_params``/``set_params``,
    ``fit`` returns self, fitted attributes end in ``_``) without inheriting from
    it: scikit-learn is needed to fit, not to predict, which keeps start-up fast.

    Parameters
    ----------
    ngram_range : tuple of int
        Word n-gram range of the TF-IDF features.
    min_df : int
        Minimum number of units a term must occur in.
    char_ngram_range : tuple of int or None
        Character n-gram range of a second TF-IDF block; ``None`` for none.
    use_tfidf, use_w2v : bool
        Which feature blocks to use.
    w2v_weight : float
        Scale of the word2vec block relative to the (unit-norm) TF-IDF block.
    w2v_params : dict, optional
        word2vec settings (see :data:`theme_classifier.embeddings.DEFAULT_W2V`).
    C : float
        Inverse regularisation strength of the logistic regression.
    class_weight : {"balanced", "sqrt", None}
        Reweight labels inversely to their frequency ("balanced"), to the square root of it
        ("sqrt": rare labels such as ``other`` count more, but less than balanced), or not.
    threshold : float, optional
        Probability at which a secondary theme joins ``themes``; ``None``
        chooses it by cross-validation during :meth:`fit`.
    seed : int
        Seed of every random step (word2vec, solver), for reproducible models.
    tokenizer : Tokenizer, optional
        Default: the shipped jieba tokenizer.
    labels : tuple of str, optional
        Every label the codebook has, in the order of ``scores`` (``other``, the no-theme
        label, last if present); ``None`` is the default codebook's five themes and ``other``.

    Attributes
    ----------
    classes_ : ndarray of str
        Labels seen in training, in the column order of :meth:`predict_proba`.
    labels_ : tuple of str
        Every label of the codebook, in the order of ``scores`` in :meth:`analyse`.
    tfidf_ : TfidfTransform or None
    char_tfidf_ : TfidfTransform or None
    wv_ : WordVectors or gensim KeyedVectors or None
    coef_, intercept_ : ndarray
        Logistic-regression weights (rows in :attr:`classes_` order).
    threshold_ : float
    """

    _estimator_type = "classifier"

    def __init__(self, ngram_range=(1, 2), min_df=1, char_ngram_range=None, use_tfidf=True,
                 use_w2v=True, w2v_weight=1.0, w2v_params=None, C=10.0, class_weight="balanced",
                 threshold=None, seed=0, tokenizer=None, labels=None):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.char_ngram_range = char_ngram_range
        self.use_tfidf = use_tfidf
        self.use_w2v = use_w2v
        self.w2v_weight = w2v_weight
        self.w2v_params = w2v_params
        self.C = C
        self.class_weight = class_weight
        self.threshold = threshold
        self.seed = seed
        self.tokenizer = tokenizer
        self.labels = labels

    # ------------------------------------------------- estimator protocol
    def get_params(self, deep=True):
        """Parameters of this estimator (scikit-learn convention)."""
        return {name: getattr(self, name) for name in inspect.signature(type(self).__init__).parameters
                if name != "self"}

    def set_params(self, **params):
        """Set parameters (scikit-learn convention); returns self."""
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for ThemeClassifier")
            setattr(self, name, value)
        return self

    def __repr__(self):
        changed = {k: v for k, v in self.get_params().items()
                   if v != inspect.signature(type(self).__init__).parameters[k].default}
        return f"ThemeClassifier({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def score(self, X, y):
        """Accuracy of the primary label (scikit-learn convention)."""
        return float(np.mean(self.predict(X) == np.asarray(y, dtype=object)))

    # ------------------------------------------------------------ helpers
    def _tokenize(self, texts):
        tokenizer = self.tokenizer if self.tokenizer is not None else default_tokenizer()
        return [tokenizer(text) for text in texts]

    def _features(self, tokens, texts):
        if getattr(self, "_word_weights", None) is None and self.wv_ is not None and self.tfidf_ is not None:
            # IDF weight of every word vector, computed once rather than per batch.
            self._word_weights = word_weights(self.wv_, unigram_idf(self.tfidf_))
        return combine(tokens, texts, self.tfidf_, self.char_tfidf_, self.wv_, self.w2v_weight,
                       getattr(self, "_word_weights", None))

    def _new_classifier(self):
        from sklearn.linear_model import LogisticRegression
        # Class balancing is folded into the sample weights (see _unit_weights).
        return LogisticRegression(C=self.C, max_iter=5000, random_state=self.seed)

    def _unit_weights(self, y, sample_weight):
        """Per-unit weights: ``sample_weight`` times the class weight.

        "balanced" divides by each label's *weighted* mass, not its count, so that
        many low-weight units (silver labels) do not shrink their label's weight
        below what they actually contribute (scikit-learn's "balanced" counts units);
        "sqrt" takes the square root of that factor.
        """
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if self.class_weight in ("balanced", "sqrt"):
            power = 1.0 if self.class_weight == "balanced" else 0.5
            labels = sorted(set(y))
            mass = {label: weights[y == label].sum() for label in labels}
            factor = {label: (weights.sum() / (len(labels) * mass[label])) ** power if mass[label] else 0.0
                      for label in labels}
            weights = weights * np.array([factor[label] for label in y])
        elif self.class_weight is not None:
            raise ValueError("class_weight must be 'balanced', 'sqrt' or None")
        return weights

    def tfidf_params(self):
        return {"ngram_range": list(self.ngram_range), "min_df": self.min_df}

    # ---------------------------------------------------------------- fit
    def fit(self, X, y, themes=None, groups=None, vectors=None, sentences=None, sample_weight=None):
        """Fit on unit texts ``X`` and primary labels ``y``.

        Parameters
        ----------
        X : list of str
            Unit texts.
        y : list of str
            Primary labels (themes or ``other``).
        themes : list of (list of str or None), optional
            Gold theme sets, used to choose :attr:`threshold_` by cross-validation;
            ``None`` for units whose theme set is unknown (e.g. silver labels).
        groups : list of str, optional
            Report of each unit, so that cross-validation holds out whole reports.
        vectors : KeyedVectors, optional
            Pre-trained word vectors; otherwise word2vec is trained here.
        sentences : iterable of list of str, optional
            Extra unlabelled token lists (re-iterable) for training word2vec.
        sample_weight : list of float, optional
            Weight of each unit (e.g. lower for silver labels).

        Returns
        -------
        self
        """
        self._word_weights = self._top_terms_coef = None  # caches of a previous fit
        tokens = self._tokenize(X)
        y = np.asarray(y, dtype=object)
        self.labels_ = tuple(self.labels) if self.labels is not None else LABELS
        unknown = sorted(set(y) - set(self.labels_))
        if unknown:
            raise ValueError(f"unknown labels: {', '.join(map(str, unknown))}")
        self.tfidf_ = (TfidfTransform.from_sklearn(make_tfidf(**self.tfidf_params()).fit(tokens))
                       if self.use_tfidf else None)
        self.char_tfidf_ = (TfidfTransform.from_sklearn(make_char_tfidf(self.char_ngram_range).fit(X), "char")
                            if self.char_ngram_range else None)
        self.wv_ = None
        if self.use_w2v:
            if vectors is not None:
                self.wv_ = vectors
            else:
                stream = TokenStream(lambda: itertools.chain(tokens, sentences or ()))
                self.wv_ = train_word2vec(stream, seed=self.seed, **(self.w2v_params or {}))
        features = self._features(tokens, X)
        weights = self._unit_weights(y, sample_weight)
        classifier = self._new_classifier().fit(features, y, sample_weight=weights)
        self.classes_ = classifier.classes_
        self.coef_, self.intercept_ = classifier.coef_, classifier.intercept_
        if self.threshold is not None:
            self.threshold_ = float(self.threshold)
        elif themes is not None:
            self.threshold_ = self._choose_threshold(features, y, themes, groups, weights)
        else:
            self.threshold_ = DEFAULT_THRESHOLD
        return self

    def _choose_threshold(self, features, y, themes, groups, weights=None):
        """The secondary-theme threshold with the best cross-validated set-F1 (on units with known sets)."""
        from sklearn.model_selection import StratifiedKFold
        if groups is not None and len(set(groups)) > 1:
            splits = group_splitter(list(groups)).split(features, y, groups)
        else:
            # As many folds as the rarest label allows (2 to 5), so every fold has every label.
            folds = min(5, max(2, min(np.unique(y, return_counts=True)[1])))
            with warnings.catch_warnings():  # a label rarer than the folds is expected on tiny data
                warnings.simplefilter("ignore", UserWarning)
                splits = list(StratifiedKFold(folds, shuffle=True, random_state=self.seed).split(features, y))
        proba = np.zeros((len(y), len(self.classes_)))
        usable = 0
        for train, test in splits:
            if len(set(y[train])) < 2:  # a fold with one label teaches nothing about thresholds
                continue
            usable += 1
            clf = self._new_classifier().fit(features[train], y[train], sample_weight=weights[train])
            columns = [list(self.classes_).index(c) for c in clf.classes_]
            proba[np.ix_(test, columns)] = clf.predict_proba(features[test])
        known = [i for i, t in enumerate(themes) if t is not None]
        if not usable or not known:
            return DEFAULT_THRESHOLD
        best = max(THRESHOLD_GRID, key=lambda t: (set_f1([themes[i] for i in known], [
            themes_from_scores(dict(zip(self.classes_, proba[i])), t)[1] for i in known]), -t))
        return float(best)

    # ------------------------------------------------------------ predict
    def predict_proba(self, X):
        """Probability of each label (columns in :attr:`classes_` order) for unit texts ``X``."""
        return softmax_proba(self._features(self._tokenize(X), X), self.coef_, self.intercept_)

    def predict(self, X):
        """Primary label of each unit text."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def analyse(self, X, top_terms=5):
        """Everything a researcher needs per unit: primary, scores, themes and top terms.

        Parameters
        ----------
        X : list of str
            Unit texts.
        top_terms : int
            How many terms that pushed each unit towards its primary label to list.

        Returns
        -------
        list of dict
            ``primary``, ``scores`` (label → probability, in :attr:`labels_` order),
            ``themes`` and ``top_terms``.
        """
        if not len(X):
            return []
        features = self._features(self._tokenize(X), X)
        proba = softmax_proba(features, self.coef_, self.intercept_)
        classes = list(self.classes_)
        results = []
        for row, p in enumerate(proba):
            scores = {label: 0.0 for label in self.labels_}
            scores.update({c: float(v) for c, v in zip(classes, p)})
            primary, themes = themes_from_scores(scores, self.threshold_)
            results.append({"primary": primary,
                            "scores": {k: round(v, 4) for k, v in scores.items()},
                            "themes": themes,
                            "top_terms": self._top_terms(features, row, classes.index(primary), top_terms)})
        return results

    def _top_terms(self, features, row, class_index, k):
        """Terms whose TF-IDF weight pushed this unit towards class ``class_index`` the most."""
        if k <= 0 or self.tfidf_ is None:
            return []
        if getattr(self, "_top_terms_coef", None) is None:
            coef = self.coef_[:, :len(self.tfidf_.vocabulary)]
            if coef.shape[0] == 1:  # binary problems store one row
                coef = np.vstack([-coef, coef])
            self._top_terms_coef = coef - coef.mean(axis=0)
        # The word TF-IDF block comes first, so its columns are the row's smallest indices.
        start, end = features.indptr[row], features.indptr[row + 1]
        cols, values = features.indices[start:end], features.data[start:end]
        keep = cols < len(self.tfidf_.vocabulary)
        cols, values = cols[keep], values[keep]
        contribution = values * self._top_terms_coef[class_index, cols]
        order = np.argsort(-contribution, kind="stable")[:k]
        return [self.tfidf_.vocabulary[cols[i]] for i in order if contribution[i] > 0]
