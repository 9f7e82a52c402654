"""The theme classifier: a scikit-learn estimator, logistic regression over :mod:`features`.

Besides the estimator, this module owns the rule that turns a unit's probabilities into its
primary label and theme set (:func:`themes_from_scores`), and the table of valid parameter
values that ``--config`` files and saved models are both checked against.
"""

import inspect
import math
from itertools import compress

import numpy as np

from . import LABELS, OTHER
from .errors import short_repr
from .features import FeaturePipeline, check_fitted

#: Most themes a unit is given (codebook: usually 1, at most 3).
MAX_THEMES = 3
#: Probability at which a secondary theme joins ``themes`` unless training chose another.
DEFAULT_THRESHOLD = 0.3
#: Longest n-gram a model may ask for (longer ones only cost time: no vocabulary has them).
MAX_NGRAM = 6


def themes_from_scores(scores, threshold):
    """The primary label and theme set of one unit from its label → probability mapping.

    The primary label is the most probable one; themes are the primary plus every other
    theme at or above ``threshold`` (at most :data:`MAX_THEMES`), in the order of
    ``scores``. A unit whose primary is ``other`` has no themes.
    """
    primary = max(scores, key=scores.get)
    if primary == OTHER:
        return primary, []
    themes = [t for t in scores if t != OTHER]
    ranked = sorted((t for t in themes if t != primary and scores[t] >= threshold), key=lambda t: -scores[t])
    chosen = {primary, *ranked[:MAX_THEMES - 1]}
    return primary, [t for t in themes if t in chosen]


def decisions(proba, labels, threshold):
    """``(primary, themes)`` of each row of ``proba`` (columns in ``labels`` order): the rule of
    :func:`themes_from_scores`, for a whole batch at once.

    Ties go as there: the first most probable label is primary, and of equally probable
    secondary themes the first in ``labels`` order is kept.
    """
    proba = np.asarray(proba, dtype=np.float64)
    labels = list(labels)
    if not len(proba):
        return []
    primary = proba.argmax(axis=1)
    themes = np.array([i for i, label in enumerate(labels) if label != OTHER])
    values = proba[:, themes]
    candidate = (values >= threshold) & (themes[None, :] != primary[:, None])
    # Candidates by probability, most first (a stable sort keeps label order among equals).
    order = np.argsort(-np.where(candidate, values, -np.inf), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(len(themes))[None, :].repeat(len(proba), axis=0), axis=1)
    chosen = (candidate & (rank < MAX_THEMES - 1)) | (themes[None, :] == primary[:, None])
    names = [labels[i] for i in themes]
    return [(labels[p], [] if labels[p] == OTHER else list(compress(names, row)))
            for p, row in zip(primary.tolist(), chosen.tolist())]


def softmax_proba(features, coef, intercept, temperature=1.0):
    """Class probabilities of a fitted (multinomial or binary) logistic regression, its scores
    divided by ``temperature`` (calibration: below 1 sharpens under-confident probabilities)."""
    scores = (np.asarray(features @ coef.T) + intercept) / temperature
    if coef.shape[0] == 1:  # binary: scikit-learn keeps one row, for the second class
        positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1.0 - positive, positive])
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)


def unit_weights(y, sample_weight=None, class_weight="balanced"):
    """Per-unit training weights: ``sample_weight`` times the weight of the unit's label.

    "balanced" divides by each label's *weighted* mass, not its count (scikit-learn's
    "balanced" counts units), so that many low-weight units do not shrink their label's
    weight below what they contribute; "sqrt" takes the square root of that factor.
    """
    y = np.asarray(y, dtype=object)
    weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if class_weight is None:
        return weights
    power = {"balanced": 1.0, "sqrt": 0.5}.get(class_weight)
    if power is None:
        raise ValueError(f"class_weight must be 'balanced', 'sqrt' or None, not {class_weight!r}")
    labels = sorted(set(y))
    mass = {label: weights[y == label].sum() for label in labels}
    factor = {label: (weights.sum() / (len(labels) * mass[label])) ** power if mass[label] else 0.0
              for label in labels}
    return weights * np.array([factor[label] for label in y])


def is_int(value):
    """An int, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    """A finite int or float, not a bool."""
    try:
        return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _is_ngram_range(value):
    return (isinstance(value, (list, tuple)) and len(value) == 2 and all(is_int(n) for n in value)
            and 1 <= value[0] <= value[1] <= MAX_NGRAM)


#: What each parameter must be: (check, what the error message says it must be).
PARAM_CHECKS = {
    "ngram_range": (_is_ngram_range, f"two integers [low, high] with 1 <= low <= high <= {MAX_NGRAM}"),
    "min_df": (lambda v: is_int(v) and v >= 1, "an integer >= 1"),
    "char_ngram_range": (lambda v: v is None or v == [] or _is_ngram_range(v),
                         f"absent or two integers [low, high] with 1 <= low <= high <= {MAX_NGRAM}"),
    "use_tfidf": (lambda v: isinstance(v, bool), "true or false"),
    "use_w2v": (lambda v: isinstance(v, bool), "true or false"),
    "w2v_weight": (lambda v: is_number(v) and v >= 0, "a number >= 0"),
    "C": (lambda v: is_number(v) and v > 0, "a number > 0"),
    "class_weight": (lambda v: v in ("balanced", "sqrt", None), '"balanced", "sqrt" or absent (none)'),
    "threshold": (lambda v: v is None or (is_number(v) and 0 <= v <= 1), "a number between 0 and 1"),
    "seed": (lambda v: v is None or is_int(v), "an integer"),
    "labels": (lambda v: v is None or (isinstance(v, (list, tuple)) and len(v) >= 2 and len(set(v)) == len(v)
                                       and all(isinstance(x, str) and x for x in v)),
               "a list of at least two unique label names"),
}


def param_problem(name, value):
    """Why ``value`` is not a valid value of parameter ``name`` (``"must be ..."``), or None."""
    check, must = PARAM_CHECKS.get(name, (lambda v: True, ""))
    return None if check(value) else f"must be {must}"


def params_problem(params, allowed, problem=param_problem):
    """The first thing wrong with a dict of parameters (an unknown name, or a value that
    ``problem(name, value)`` refuses) as a one-line message, or None.

    Both ``--config`` files and saved models' ``meta.json`` are checked with it.
    """
    unknown = sorted(map(str, set(params) - set(allowed)))
    if unknown:
        return (f"unknown parameter(s): {', '.join(map(short_repr, unknown))} "
                f"(allowed: {', '.join(sorted(allowed))})")
    for name, value in params.items():
        message = problem(name, value)
        if message:
            return f"{name} = {short_repr(value)}: {message}"
    return None


class ThemeClassifier:
    """Classify paragraph units into policy themes and ``other``, with a probability for each.

    Multinomial logistic regression over :class:`~theme_classifier.features.FeaturePipeline`
    features; the defaults are the shipped model's settings. A scikit-learn estimator that
    does not inherit from scikit-learn, which is needed to fit but not to predict.

    Parameters
    ----------
    ngram_range, min_df, char_ngram_range, use_tfidf, w2v_weight
        Feature settings (see :class:`~theme_classifier.features.FeaturePipeline`).
    use_w2v, vectors : bool, KeyedVectors or WordVectors
        Whether to use the word-vector block, and its pre-trained vectors (``fit`` trains none).
    C : float
        Inverse regularisation strength.
    class_weight : {"balanced", "sqrt", None}
        Label weights (see :func:`unit_weights`).
    threshold : float
        Probability at which a secondary theme joins ``themes`` (training chooses it from
        out-of-fold probabilities).
    seed : int
    tokenizer : Tokenizer, optional
        Default: the shipped jieba tokenizer.
    labels : tuple of str, optional
        The codebook's labels in ``scores`` order (``other`` last); default: the five themes, other.

    Attributes
    ----------
    classes_ : ndarray of str
        Labels seen in training, in the column order of :meth:`predict_proba`.
    labels_ : tuple of str
        Every label of the codebook.
    features_ : FeaturePipeline
    coef_, intercept_ : ndarray
        Logistic-regression weights (rows in :attr:`classes_` order).
    threshold_, temperature_ : float
        Secondary-theme threshold, and the calibration temperature (training sets it).
    """

    def __init__(self, ngram_range=(1, 1), min_df=1, char_ngram_range=(1, 2), use_tfidf=True, use_w2v=True,
                 vectors=None, w2v_weight=2.0, C=1.0, class_weight="balanced", threshold=DEFAULT_THRESHOLD,
                 seed=0, tokenizer=None, labels=None):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.char_ngram_range = char_ngram_range
        self.use_tfidf = use_tfidf
        self.use_w2v = use_w2v
        self.vectors = vectors
        self.w2v_weight = w2v_weight
        self.C = C
        self.class_weight = class_weight
        self.threshold = threshold
        self.seed = seed
        self.tokenizer = tokenizer
        self.labels = labels

    def get_params(self, deep=True):
        """Parameters of this estimator (scikit-learn convention)."""
        return {name: getattr(self, name) for name in inspect.signature(type(self)).parameters}

    def set_params(self, **params):
        """Set parameters (scikit-learn convention); returns self."""
        for name, value in params.items():
            if name not in self.get_params():
                raise ValueError(f"invalid parameter {name!r} for ThemeClassifier")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = inspect.signature(type(self)).parameters
        changed = {k: v for k, v in self.get_params().items() if v is not defaults[k].default and v != defaults[k].default}
        return f"ThemeClassifier({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags
        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(), input_tags=InputTags(two_d_array=False, string=True))

    def fit(self, X, y, sample_weight=None):
        """Fit on unit texts ``X`` and primary labels ``y`` (``sample_weight``: per unit); returns self."""
        from sklearn.linear_model import LogisticRegression
        if self.use_w2v and self.vectors is None:
            raise ValueError("use_w2v is on but no word vectors were given: pass vectors= (from "
                             "'themes embed' or embeddings.train_word2vec) or set use_w2v=False")
        y = np.asarray(y, dtype=object)
        self.labels_ = tuple(self.labels) if self.labels is not None else LABELS
        unknown = sorted(set(map(str, y)) - set(self.labels_))
        if unknown:
            raise ValueError(f"unknown labels: {', '.join(unknown)}")
        self.features_ = FeaturePipeline(self.tokenizer, self.ngram_range, self.min_df, self.char_ngram_range,
                                         self.use_tfidf, self.vectors if self.use_w2v else None, self.w2v_weight)
        features = self.features_.fit_transform(list(X))
        from threadpoolctl import threadpool_limits
        classifier = LogisticRegression(C=self.C, max_iter=5000, random_state=self.seed)
        with threadpool_limits(1, "blas"):  # BLAS threads only spin on problems this small
            classifier.fit(features, y, sample_weight=unit_weights(y, sample_weight, self.class_weight))
        self.classes_, self.coef_, self.intercept_ = classifier.classes_, classifier.coef_, classifier.intercept_
        self.threshold_, self.temperature_ = float(DEFAULT_THRESHOLD if self.threshold is None else self.threshold), 1.0
        return self

    def proba_of_features(self, features):
        """:meth:`predict_proba` of an already computed feature matrix (``features_.transform``)."""
        check_fitted(self, "coef_")
        return softmax_proba(features, self.coef_, self.intercept_, self.temperature_)

    def predict_proba(self, X):
        """Probability of each label (columns in :attr:`classes_` order) for unit texts ``X``."""
        check_fitted(self, "features_")
        return self.proba_of_features(self.features_.transform(list(X)))

    def predict(self, X):
        """Primary label of each unit text."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y):
        """Accuracy of the primary label (scikit-learn convention)."""
        return float(np.mean(self.predict(X) == np.asarray(y, dtype=object)))
