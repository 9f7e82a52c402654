"""theme_classifier: paragraph-level policy themes of Chinese government work reports.

The Python API (docs/api.md)::

    import theme_classifier as tc
    predictions = tc.predict_reports("seeds/")   # one row per paragraph (a DataFrame with pandas)
    table = tc.shares(predictions)                # each theme's share of each report

:func:`load_model`, :func:`predict_reports` and :func:`shares` live in
:mod:`theme_classifier.api` and are imported on first use, so ``import theme_classifier`` (and
the ``themes`` command's start) loads neither scikit-learn nor pandas.
"""

__version__ = "0.1.0"

#: The five policy themes, in the fixed order used by every model and table.
THEMES = ("industry", "ecology", "livelihood", "governance", "security")
#: Label for ceremonial text with no policy theme.
OTHER = "other"
#: Every primary label a unit can get.
LABELS = THEMES + (OTHER,)

_API = ("load_model", "predict_reports", "shares")
__all__ = ["THEMES", "OTHER", "LABELS", *_API]


def __getattr__(name):
    if name in _API:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_API))
