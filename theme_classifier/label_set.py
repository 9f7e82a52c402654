"""The labels a model learns: data, not code.

The default is the project's codebook: five policy themes and ``other``. A researcher with
another codebook (innovation, the Comparative Agendas Project's major topics…) names and
describes their themes in a ``--themes`` file::

    {"themes": {"economy": "growth, enterprises, investment",
                "society": "jobs, schools, hospitals, pensions",
                "state": "how government works, public order"},
     "other": "ceremonial text with no theme"}

JSON or TOML. ``other`` is optional: leave it out for a codebook where every unit has a theme.
"""

import re
from dataclasses import dataclass, field

from . import OTHER, THEMES
from .errors import InputError
from .records import read_settings

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class LabelSet:
    """An ordered set of themes, plus the no-theme label ``other`` when the codebook has one.

    Attributes
    ----------
    themes : tuple of str
        Theme names, in the order tables and score columns use.
    has_other : bool
        Whether ``other`` (no policy theme) is a label.
    descriptions : dict
        Name → one-line description (from the ``--themes`` file).
    """

    themes: tuple = THEMES
    has_other: bool = True
    descriptions: dict = field(default_factory=dict, compare=False)

    @property
    def labels(self):
        """Every primary label: the themes, then ``other`` if the codebook has it."""
        return self.themes + ((OTHER,) if self.has_other else ())

    @property
    def is_default(self):
        return self.themes == THEMES and self.has_other

    @classmethod
    def from_labels(cls, labels):
        """The label set of a list of primary labels (e.g. a model's ``labels`` in meta.json)."""
        labels = tuple(labels)
        return cls(tuple(label for label in labels if label != OTHER), OTHER in labels)

    @classmethod
    def load(cls, path):
        """Read a ``--themes`` file (JSON or TOML); raises :class:`InputError` naming the problem."""
        data = read_settings(path, "themes file")
        themes = data.get("themes") if isinstance(data, dict) else None
        if not isinstance(themes, dict) or len(themes) < 2:
            raise InputError(path, 'expected {"themes": {"name": "description", ...}} with at least two themes')
        for name, description in themes.items():
            if not _NAME.match(name) or name == OTHER:
                raise InputError(path, f"theme name {name!r}: use lower-case letters, digits and _ "
                                       f"(and not {OTHER!r}, which is the no-theme label)")
            if not isinstance(description, str):
                raise InputError(path, f"theme {name!r}: the description must be text")
        other = data.get(OTHER)
        if other is not None and not isinstance(other, str):
            raise InputError(path, f"{OTHER!r}: the description must be text")
        descriptions = dict(themes, **({OTHER: other} if other is not None else {}))
        return cls(tuple(themes), other is not None, descriptions)

    def to_json(self):
        """What a model's meta.json records."""
        return {"themes": list(self.themes), "other": self.has_other, "descriptions": dict(self.descriptions)}


DEFAULT = LabelSet()
