"""Silver labels from the structure of reports: a unit takes the theme its section heading names.

Authors already sort most paragraphs under headings such as ``（五）持续改善生态环境质量``
or ``三、全面加强政府自身建设``. A transparent rule table (``data/heading_rules.json``,
or one of your own) maps heading words to themes. For each unit the deepest heading
on its path that names any theme decides: exactly one theme gives a silver label,
several themes make the unit abstain.
"""

import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

from . import THEMES
from .errors import InputError
from .reading import input_paths
from .records import write_records
from .units import report_units

_ENUMERATOR_RE = re.compile(r"^\s*(?:第[一二三四五六七八九十\d]+[章节部分篇]|[（(]?[一二三四五六七八九十百\d]+[)）、.．]?)\s*")


class HeadingRules:
    """Heading → theme rules.

    Parameters
    ----------
    rules : dict
        ``{"themes": {theme: [word, ...]}, "neutralise": {phrase: replacement, ...}}``.
    source : str
        Where the rules came from (recorded with every silver label).
    """

    def __init__(self, rules, source="heading_rules.json"):
        unknown = sorted(set(rules.get("themes", {})) - set(THEMES))
        if unknown:
            raise InputError(source, f"unknown theme(s) in rules: {', '.join(unknown)}")
        self.source = source
        self.version = rules.get("version")
        neutralise = rules.get("neutralise", {})
        if isinstance(neutralise, list):
            neutralise = dict.fromkeys(neutralise, "")
        self.neutralise = sorted(neutralise.items(), key=lambda item: len(item[0]), reverse=True)
        self.words = {theme: list(rules["themes"].get(theme, [])) for theme in THEMES}

    @classmethod
    def load(cls, path=None):
        """The shipped rules, or a JSON file of your own in the same shape."""
        if path is None:
            text = (resources.files("theme_classifier") / "data" / "heading_rules.json").read_text(encoding="utf-8")
            return cls(json.loads(text))
        try:
            return cls(json.loads(Path(path).read_text(encoding="utf-8")), str(path))
        except FileNotFoundError:
            raise InputError(path, "no such file") from None
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
            raise InputError(path, f"not a rules file ({exc})") from None

    def match(self, heading):
        """Themes named by one heading, each with the word that named it: ``{theme: word}``."""
        text = _ENUMERATOR_RE.sub("", heading)
        for phrase, replacement in self.neutralise:
            text = text.replace(phrase, f" {replacement} ")
        found = {}
        for theme, words in self.words.items():
            for word in words:
                if word in text:
                    found[theme] = word
                    break
        return found

    def label(self, heading_path):
        """Silver label of a unit from its heading path (``"a > b > c"``).

        Returns
        -------
        (theme or None, dict)
            The theme (None to abstain) and its provenance: the heading that
            decided and the word(s) that matched.
        """
        levels = [h for h in heading_path.split(" > ") if h.strip()] if heading_path else []
        for heading in reversed(levels):
            found = self.match(heading)
            if len(found) == 1:
                (theme, word), = found.items()
                return theme, {"rule_heading": heading, "rule": f"{theme}:{word}"}
            if len(found) > 1:
                return None, {"rule_heading": heading,
                              "rule": "ambiguous:" + ",".join(f"{t}:{w}" for t, w in found.items())}
        return None, {"rule_heading": "", "rule": "no theme named"}


#: Schema of silver-unit records (``themes bootstrap``).
SILVER_FIELDS = ("id", "report", "heading", "text", "primary", "themes", "rule", "rule_heading", "label_source")


def silver_units(inputs, rules=None, exclude_reports=(), on_error=None):
    """Silver-label every unit of the reports whose heading names exactly one theme.

    Parameters
    ----------
    inputs : list of str or Path
        Report files or directories.
    rules : HeadingRules, optional
        Default: the shipped rules.
    exclude_reports : iterable of str
        Report ids to skip (e.g. those of an evaluation set).

    Returns
    -------
    (iterator of dict, Counter)
        The silver units ``{id, report, heading, text, primary, themes, rule,
        rule_heading, label_source}``, streamed; and counts that fill up as the
        iterator is consumed (units, labelled, per theme, abstained, reports).
    """
    rules = rules or HeadingRules.load()
    counts = Counter()

    def generate():
        for _, unit in report_units(inputs, on_error, exclude_reports=exclude_reports, counts=counts):
            counts["units"] += 1
            theme, provenance = rules.label(unit.heading)
            if theme is None:
                counts["ambiguous" if provenance["rule"].startswith("ambiguous") else "no_theme"] += 1
                continue
            counts["labelled"] += 1
            counts[theme] += 1
            yield {"id": unit.id, "report": unit.report, "heading": unit.heading, "text": unit.text,
                   "primary": theme, "themes": [theme], **provenance, "label_source": "silver"}

    return generate(), counts


def bootstrap(inputs, output=None, rules=None, exclude_reports=(), on_error=None, track=None):
    """Silver-label the units of reports and write them (``themes bootstrap``).

    Parameters
    ----------
    inputs, rules, exclude_reports, on_error
        As for :func:`silver_units`.
    output : str or Path, optional
        ``.jsonl`` or ``.csv`` file, written atomically; ``None``: JSONL on stdout.
    track : callable, optional
        Wraps the list of input paths, e.g. in a progress bar.

    Returns
    -------
    Counter
        ``written`` and the counts of :func:`silver_units`.
    """
    paths = input_paths(inputs, on_error, output, track)
    units, counts = silver_units(paths, rules, exclude_reports, on_error)
    counts["written"] = write_records(units, output, fields=SILVER_FIELDS)
    return counts
