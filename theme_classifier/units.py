"""Split a normalised report into paragraph units (codebook, section "Unit").

A unit is a paragraph or bullet item; a paragraph longer than ``max_chars`` is
cut at sentence ends into consecutive units. Heading lines are not units: they
form the heading path each unit carries. Every unit's ``text`` is exactly
``document.text[start:end]``, so a researcher can always find it again.

:func:`iter_units` reads a document line by line, so a streamed report is split
without its whole text in memory.
"""

import math
import re
from dataclasses import dataclass, fields

DEFAULT_MAX_CHARS = 400
#: Longest line that may be a heading (longer ones are paragraphs).
HEADING_MAX_CHARS = 60
#: Longest unnumbered line without closing punctuation taken as a title.
TITLE_MAX_CHARS = 40

_CN_NUM = "一二三四五六七八九十百零〇"
_BULLET_RE = re.compile(r"[-*+•·●○▪◆◇■□►▶➢✓]\s*")
_MD_HEADING_RE = re.compile(r"(#{1,6})\s*")
# Enumerated heading markers and the heading rank each one gives.
_ENUM_RANKS = (
    (1, re.compile(rf"[{_CN_NUM}]+\s*[、.．]")),
    (2, re.compile(rf"[(（]\s*[{_CN_NUM}]+\s*[)）]")),
    (1, re.compile(rf"第[{_CN_NUM}\d]+[章节部分篇]")),
    (3, re.compile(r"\d{1,2}\s*[、.．](?!\d)")),
    (4, re.compile(r"[(（]\s*\d{1,2}\s*[)）]")),
    (5, re.compile(r"[①-⑳]")),
)
_FOOTNOTE_RANK = 5  # ①: footnotes in most reports, never sub-headings
# A short bullet ending with a colon introduces sub-bullets: the deepest heading.
_BULLET_TITLE_RANK, _BULLET_TITLE_MAX_CHARS = 6, 20
_SENTENCE_END = "。！？；!?;"
_CLOSERS = "”’\"'」』）)】"
_SENTENCE_RE = re.compile(rf"[^{_SENTENCE_END}]*(?:[{_SENTENCE_END}]+[{_CLOSERS}]*|$)")
_CLAUSE_RE = re.compile(rf"[^，,、：:]*(?:[，,、：:]+[{_CLOSERS}]*|$)")
_TITLE_END_RE = re.compile(rf"[{_SENTENCE_END}：:]")


@dataclass
class Unit:
    """One paragraph unit of a report.

    Attributes
    ----------
    id : str
        ``<report>#<unit>``, stable across runs for the same file.
    report : str
        Report id.
    unit : int
        1-based position of the unit in its report.
    heading : str
        Heading path above the unit, levels joined by ``" > "``.
    text : str
        The unit's text, equal to the normalised report text at ``start:end``.
    line : int
        1-based line of the source file the unit starts on.
    start, end : int
        Character offsets in the normalised report text.
    """

    id: str
    report: str
    unit: int
    heading: str
    text: str
    line: int
    start: int
    end: int

    def to_dict(self):
        # Not dataclasses.asdict: it deep-copies every field, several times slower for plain values.
        return {name: getattr(self, name) for name in _UNIT_FIELDS}


_UNIT_FIELDS = tuple(f.name for f in fields(Unit))
#: Schema of unit records (``themes split``).
UNIT_FIELDS = _UNIT_FIELDS


def _enum_rank(text):
    for rank, pattern in _ENUM_RANKS:
        if pattern.match(text):
            return rank
    return None


def _first_sentence(text):
    match = _TITLE_END_RE.search(text)
    title = text[:match.start()] if match else text
    if len(title) > HEADING_MAX_CHARS:
        title = title[:HEADING_MAX_CHARS] + "…"
    return title.strip()


def _is_title_only(text):
    """A numbered line that is only a title: short, with no sentence inside it."""
    body = text.rstrip(_SENTENCE_END + "：:" + _CLOSERS)
    return len(text) <= HEADING_MAX_CHARS and not re.search(rf"[{_SENTENCE_END}]", body)


def classify_line(text):
    """Classify a stripped line.

    Returns
    -------
    (kind, rank, title, body_offset)
        ``kind`` is ``"heading"``, ``"unit"`` or ``"inline"`` (a unit whose
        start is a numbered sub-heading); ``rank`` is the heading level (None
        for an unnumbered title); ``title`` is the heading text; ``body_offset`` is
        where the unit text starts within the line (after a bullet marker).
    """
    match = _MD_HEADING_RE.match(text)
    if match and text.startswith("#"):
        level = len(match.group(1))
        return "heading", level, text[match.end():].strip(), 0
    offset = 0
    match = _BULLET_RE.match(text)
    bullet = bool(match) and not text.startswith("--") and not text.startswith("——")
    if bullet:
        offset = match.end()
    body = text[offset:]
    rank = _enum_rank(body)
    if rank:
        ends_sentence = body[-1] in _SENTENCE_END + _CLOSERS
        if _is_title_only(body) and not (rank >= 3 and ends_sentence):
            return "heading", rank, body.rstrip("：:").strip(), offset
        if rank >= 3 and (ends_sentence and _is_title_only(body) or rank == _FOOTNOTE_RANK):
            return "unit", None, None, offset  # a numbered list item or a footnote
        return "inline", rank, _first_sentence(body), offset
    if bullet and len(body) <= _BULLET_TITLE_MAX_CHARS and body[-1] in "：:":
        return "heading", _BULLET_TITLE_RANK, body[:-1].strip(), offset  # "- 突出科技支撑:"
    if not bullet and len(body) <= TITLE_MAX_CHARS and not _TITLE_END_RE.search(body):
        return "heading", None, body.strip(), offset
    return "unit", None, None, offset


class _HeadingStack:
    """The heading path above the current line.

    Each heading has a rank (1 = top): markdown ``#`` levels; 一、 and 第一部分
    rank 1, （一） 2, 1. 3, (1) 4, ① 5. An unnumbered title ranks 1, or one below
    the heading it directly follows (a subtitle). A heading replaces every
    entry of its rank or deeper.
    """

    def __init__(self):
        self.entries = []  # (rank, title)

    def push(self, rank, title, follows_heading=False):
        if rank is None:  # unnumbered title
            rank = self.entries[-1][0] + 1 if follows_heading and self.entries else 1
        while self.entries and self.entries[-1][0] >= rank:
            self.entries.pop()
        if title:
            self.entries.append((rank, title))

    def path(self):
        return " > ".join(title for _, title in self.entries)


def _pieces(text, pattern):
    """Split text into consecutive pieces ending at a delimiter (nothing is lost)."""
    return [p for p in pattern.findall(text) if p]


def split_long(text, max_chars=DEFAULT_MAX_CHARS):
    """Cut a paragraph into consecutive chunks of at most about ``max_chars``.

    Cuts fall at sentence ends, aiming at equal chunks; a sentence longer than
    ``max_chars`` is cut at clause ends, and a clause at ``max_chars``.
    Returns the chunks; ``"".join(chunks) == text``.
    """
    if len(text) <= max_chars:
        return [text]
    pieces = []
    for sentence in _pieces(text, _SENTENCE_RE):
        if len(sentence) <= max_chars:
            pieces.append(sentence)
            continue
        for clause in _pieces(sentence, _CLAUSE_RE):
            pieces.extend(clause[i:i + max_chars] for i in range(0, len(clause), max_chars))
    target = len(text) / math.ceil(len(text) / max_chars)
    chunks, current = [], ""
    for piece in pieces:
        if current and (len(current) + len(piece) > max_chars or len(current) >= target):
            chunks.append(current)
            current = ""
        current += piece
    if current:
        chunks.append(current)
    return chunks


def split_units(document, max_chars=DEFAULT_MAX_CHARS):
    """Split a :class:`~theme_classifier.reading.Document` into :class:`Unit` objects.

    Parameters
    ----------
    document : Document
        A normalised report.
    max_chars : int
        Paragraphs longer than this are cut at sentence ends.

    Returns
    -------
    list of Unit
    """
    return list(iter_units(document, max_chars))


def iter_units(document, max_chars=DEFAULT_MAX_CHARS):
    """The units of a document one at a time, as its lines are read.

    Parameters
    ----------
    document : Document
        A normalised report; only its :meth:`~theme_classifier.reading.Document.lines`
        are read, so a streamed report is never whole in memory.
    max_chars : int
        Paragraphs longer than this are cut at sentence ends.

    Yields
    ------
    Unit
        The units :func:`split_units` lists, in the same order.
    """
    n = 0
    stack = _HeadingStack()
    offset = 0
    follows_heading = False
    for lineno, line in enumerate(document.lines(), start=1):
        line_start, offset = offset, offset + len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        kind, rank, title, body_offset = classify_line(stripped)
        if kind != "unit":
            stack.push(rank, title, follows_heading)
        follows_heading = kind == "heading"
        if follows_heading:
            continue
        start = line_start + (len(line) - len(line.lstrip())) + body_offset
        body = stripped[body_offset:]
        for chunk in split_long(body, max_chars):
            # A cut may leave spaces at a chunk's edges; trim them, keeping offsets exact.
            lead, text = len(chunk) - len(chunk.lstrip()), chunk.strip()
            if text:
                n += 1
                yield Unit(f"{document.id}#{n}", document.id, n, stack.path(), text,
                           lineno, start + lead, start + lead + len(text))
            start += len(chunk)


def report_units(inputs, on_error=None, max_chars=DEFAULT_MAX_CHARS, exclude_reports=(), counts=None,
                 claim=None):
    """Yield ``(document, unit)`` for every unit of every readable report among ``inputs``,
    in input order, splitting each report as it is read (the one read-then-split loop).

    Parameters
    ----------
    inputs : iterable of str or Path
        Report files, directories or ``-``.
    on_error : callable, optional
        Receives each :class:`~theme_classifier.errors.InputError` (an unreadable report,
        one with no text units, one that changed while streamed); without it the first is raised.
    max_chars : int
        Paragraphs longer than this are cut at sentence ends.
    exclude_reports : iterable of str
        Report ids to skip.
    counts : Counter, optional
        Receives ``reports`` and ``excluded_reports``.
    claim : callable, optional
        A :func:`~theme_classifier.reading.report_ids` checker shared with other calls, so
        that report-id clashes are found across them.
    """
    from .errors import InputError
    from .reading import read_reports

    def fail(err):
        if on_error is None:
            raise err
        on_error(err)

    exclude = set(exclude_reports)
    for doc in read_reports(inputs, on_error, claim):
        if doc.id in exclude:
            if counts is not None:
                counts["excluded_reports"] += 1
            continue
        if counts is not None:
            counts["reports"] += 1
        empty = True
        try:
            # A streamed report was checked whole by read_report; an error here means the
            # file changed (or became unreadable) since, after some of its units went out.
            for unit in iter_units(doc, max_chars or DEFAULT_MAX_CHARS):
                empty = False
                yield doc, unit
        except InputError as err:
            fail(err)
            continue
        if empty:
            fail(InputError(doc.source, "no text units (only headings?)"))


def split_reports(inputs, output=None, max_chars=DEFAULT_MAX_CHARS, on_error=None, track=None):
    """Split reports into units and write them (``themes split``).

    Parameters
    ----------
    inputs : list of str or Path
        Report files, directories or ``-``.
    output : str or Path, optional
        ``.jsonl`` or ``.csv`` file, written atomically; ``None``: JSONL on stdout.
    max_chars, on_error
        As for :func:`report_units`.
    track : callable, optional
        Wraps the list of input paths, e.g. in a progress bar.

    Returns
    -------
    int
        Units written.
    """
    from .reading import input_paths
    from .records import write_records
    paths = input_paths(inputs, on_error, output, track)
    units = (unit.to_dict() for _, unit in report_units(paths, on_error, max_chars))
    return write_records(units, output, fields=UNIT_FIELDS)
