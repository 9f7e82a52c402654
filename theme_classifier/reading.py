"""Read report files of any common format and normalise their text.

Every normalisation step is a small named function so that it can be tested and
reasoned about alone; :func:`normalise` chains them. Normalisation never adds or
removes line breaks, so a line number in the normalised text is the line number
in the decoded source; and every step works within a line, so a text can be
normalised a block of whole lines at a time.

Plain-text reports (``.txt``, ``.md``, ``.markdown``) are streamed: the file is
checked whole first (so it is refused before any of its units goes out), then
its normalised lines are read lazily, a chunk at a time, each time they are
iterated. Memory then follows the longest paragraph, not the file.
"""

import codecs
import io
import os
import re
import sys
from functools import lru_cache, partial
from pathlib import Path

from .errors import InputError, InputNotice, readable

#: File suffixes picked up when a directory is walked.
REPORT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")
#: Documentation files a collection of reports often holds; skipped when a directory is walked
#: (named explicitly, they are read like any report).
NOT_REPORTS = {"readme", "license", "licence", "changelog", "contributing"}

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A pinyin syllable with at least one tone mark, e.g. xiàn, zhǔn, lǜ.
_SYLLABLE = (rf"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
             rf"[aeiouüv{_TONED}]{{1,4}}(?:ng|n|r)?")
# A toned syllable in brackets is never real report text. Web converters put it
# after a character; where they garbled the character, a "?" took the bracket's place.
_PINYIN_RE = re.compile(
    rf"[(（?？\ufffd](?=[a-zü{_TONED}]*[{_TONED}])({_SYLLABLE})[)）]")
_HAN_RE = re.compile(f"[{_HAN}]")
_MD_LINK_RE = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:[^\S\n][^<>\n]*)?/?>")
_EMPHASIS_RE = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
_YEAR_NAME_RE = re.compile(r"((?:19|20)\d\d)")
_REGION_NAME_RE = re.compile(
    rf"(国务院|[{_HAN}]{{1,12}}?(?:特别行政区|自治区|自治州|省|市|县|区|旗|盟))")
_YEAR_TEXT_RES = (
    re.compile(r"((?:19|20)\d\d)\s*年\s*《?\s*政府工作报告"),
    re.compile(r"((?:19|20)\d\d)\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"),
)
_REGION_TEXT_RE = re.compile(
    rf"在([{_HAN}]{{2,12}}?(?:自治区|自治州|省|市|县|区|旗))第[{_HAN}\d]{{1,8}}届人民代表大会")


#: Plain-text suffixes: these reports are streamed, not read whole.
TEXT_SUFFIXES = (".txt", ".md", ".markdown")
#: Bytes read at a time from a streamed report.
CHUNK_BYTES = 1 << 20
#: Leading bytes a non-UTF-8 file's encoding is guessed from (a smaller file: all of it).
DETECT_BYTES = 4 << 20
#: Leading characters that decide whether a streamed report is traditional Chinese.
SIMPLIFY_SAMPLE_CHARS = 1_000_000
#: Leading characters checked for control characters (a binary file).
_CONTROL_SAMPLE = 65536
#: Characters normalised at a time in a streamed report: whole lines, so that reading the
#: opening of a report (its metadata) costs little.
BLOCK_CHARS = 2048


class Document:
    """One report, decoded and normalised.

    Attributes
    ----------
    id : str
        Report id, the file name without its suffix (``stdin`` for standard input).
    source : str
        Where it was read from.
    text : str
        Normalised text, ``\\n`` line ends; unit offsets refer to it. A streamed
        report reads it whole on first use; :meth:`lines` does not.
    region, year : str or None, int or None
        Metadata parsed from the file name or, failing that, the text.
    encoding : str
        The encoding the bytes were decoded with.

    A streamed report is made with ``text=None`` and ``lines``, a callable that
    returns a fresh iterator over its normalised lines.
    """

    def __init__(self, id, source, text=None, region=None, year=None, encoding="utf-8", lines=None):
        self.id, self.source, self.region, self.year, self.encoding = id, source, region, year, encoding
        self._text, self._lines = text, lines

    @property
    def text(self):
        if self._text is None:
            self._text = "\n".join(self._lines())
        return self._text

    def lines(self):
        """The normalised lines, ``text.split("\\n")``, one at a time.

        A streamed report re-reads its file on each call.
        """
        return iter(self._text.split("\n")) if self._text is not None else self._lines()

    def __repr__(self):
        return (f"Document(id={self.id!r}, source={self.source!r}, region={self.region!r}, "
                f"year={self.year!r}, encoding={self.encoding!r})")


# ---------------------------------------------------------------- decoding

def decode_bytes(data, source="<bytes>"):
    """Decode report bytes, detecting UTF-8 (with or without BOM), GB18030/GBK or Big5.

    Returns
    -------
    (str, str)
        The text and the name of the encoding used.

    Raises
    ------
    InputError
        For an empty, binary or undecodable file.
    """
    if not data.strip():
        raise InputError(source, "empty file")
    encoding = _bom_encoding(data)
    if b"\x00" in data and encoding != "utf-16":
        raise InputError(source, "binary file, not a text report")
    if encoding is None:
        encoding = _detect_encoding(data)
        if encoding is None:
            raise InputError(source, _UNKNOWN_ENCODING)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(source, f"cannot decode as {encoding} at byte {exc.start}") from None
    if _mostly_controls(text, len(text)):
        raise InputError(source, "binary file, not a text report")
    return text, encoding


_UNKNOWN_ENCODING = "cannot decode: not UTF-8, GB18030/GBK or Big5 text"
# Control characters (Unicode category Cc) other than whitespace: a text report has almost none.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _mostly_controls(head, length):
    """Whether the opening of a text of ``length`` characters (``head``) is binary."""
    controls = len(_CONTROL_RE.findall(head, 0, _CONTROL_SAMPLE))
    return controls > 0.05 * min(length, _CONTROL_SAMPLE)


def _bom_encoding(data):
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return None


def _detect_encoding(data):
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return _guess_chinese_encoding(data)


def _guess_chinese_encoding(data):
    # charset_normalizer scores candidate decodings by how plausible the text is;
    # restricting it to the Chinese encodings keeps it from guessing e.g. cp1252.
    from charset_normalizer import from_bytes
    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    return best.encoding if best is not None else None


# ------------------------------------------------------- streamed decoding

class _Undecodable(InputError):
    """Bytes that do not decode with the encoding tried."""


def _chunks(path, source):
    """The bytes of a file, :data:`CHUNK_BYTES` at a time."""
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk
    except OSError as exc:
        raise InputError(source, f"cannot read ({exc.strerror or exc})") from None


def _decoded(path, source, encoding):
    """The text of a file, decoded a chunk at a time; a bad byte is named by its offset."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0

    def decode(data, final=False):
        try:
            return decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            # exc.object is the decoder's pending bytes followed by data.
            at = offset + len(data) - len(exc.object) + exc.start
            raise _Undecodable(source, f"cannot decode as {encoding} at byte {at}") from None

    for chunk in _chunks(path, source):
        text = decode(chunk)
        offset += len(chunk)
        yield text
    yield decode(b"", final=True)


def _decoded_opening(path, source, encoding):
    """Decode a whole file (raising if any of it does not decode); return its first
    :data:`SIMPLIFY_SAMPLE_CHARS` characters and its length in characters."""
    head, length = [], 0
    for text in _decoded(path, source, encoding):
        if length < SIMPLIFY_SAMPLE_CHARS:
            head.append(text[:SIMPLIFY_SAMPLE_CHARS - length])
        length += len(text)
    return "".join(head), length


def _scan(path, source):
    """Check a whole plain-text file as :func:`decode_bytes` does, without holding it.

    Returns
    -------
    (str, bool)
        The encoding, and whether the text is traditional Chinese (decided on its
        first :data:`SIMPLIFY_SAMPLE_CHARS` characters).

    Raises
    ------
    InputError
        For an empty, binary or undecodable file: it is refused whole, before any of it is used.
    """
    sample, size, blank, nul = bytearray(), 0, True, False
    for chunk in _chunks(path, source):
        blank = blank and not chunk.strip()
        nul = nul or b"\x00" in chunk
        if size < DETECT_BYTES:
            sample += chunk[:DETECT_BYTES - size]
        size += len(chunk)
    if blank:
        raise InputError(source, "empty file")
    encoding = _bom_encoding(sample)
    if nul and encoding != "utf-16":
        raise InputError(source, "binary file, not a text report")
    try:
        head, length = _decoded_opening(path, source, encoding or "utf-8")
        encoding = encoding or "utf-8"
    except _Undecodable:
        if encoding:  # a BOM said what the encoding is
            raise
        if size > DETECT_BYTES:
            # A sample cut inside a character would not decode; no GB18030/Big5
            # character has a byte 0x0A (\n) inside it.
            sample = sample[:sample.rfind(b"\n") + 1] or sample
        encoding = _guess_chinese_encoding(bytes(sample))
        if encoding is None:
            raise InputError(source, _UNKNOWN_ENCODING) from None
        head, length = _decoded_opening(path, source, encoding)
    if _mostly_controls(head, length):
        raise InputError(source, "binary file, not a text report")
    head = remove_pinyin(normalise_newlines(head))
    return encoding, _is_traditional(head, _t2s().convert(head))


def _line_blocks(pieces):
    """Regroup pieces of text into blocks of whole lines of about :data:`BLOCK_CHARS` or more;
    every block but the last ends with a line break."""
    rest = ""
    for text in pieces:
        # rest has no line break past BLOCK_CHARS but a final "\r": search the new text only,
        # or a paragraph of many pieces would be searched again and again.
        searched = max(len(rest) - 1, 0)
        rest += text
        start = 0
        while match := _LINE_BREAK_RE.search(rest, max(start + BLOCK_CHARS, searched)):
            if match.end() == len(rest) and match.group() == "\r":
                break  # the "\n" of a CRLF may start the next piece
            yield rest[start:match.end()]
            start = match.end()
        rest = rest[start:]
    if rest:
        yield rest


def _normalised_lines(path, source, encoding, simplify):
    """Yield the normalised lines of a plain-text file, read a chunk at a time.

    Blocks of whole lines are normalised as :func:`normalise` would the whole text (its
    steps work within a line); ``simplify`` says whether :func:`to_simplified` converts.
    """
    steps = _steps(_t2s().convert if simplify else None)
    last = ""
    for block in _line_blocks(_decoded(path, source, encoding)):
        for step in steps:
            block = step(block)
        *lines, last = block.split("\n")
        yield from lines
    yield last  # after a final line break, the empty last line


# ----------------------------------------------------------- normalisation

def normalise_newlines(text):
    """CRLF and lone CR become LF; form feeds and Unicode line separators too."""
    # str.replace first: a pattern that starts with an alternation scans twice as slowly.
    return _NEWLINE_RE.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n"))


_NEWLINE_RE = re.compile(r"[\f\v\u2028\u2029\x85]")
# Every line break normalise_newlines knows, "\n" too.
_LINE_BREAK_RE = re.compile(r"\r\n?|[\n\f\v\u2028\u2029\x85]")


def remove_pinyin(text):
    """Drop pinyin inserted after characters by web converters: ``現(xiàn)在`` → ``現在``.

    Only a bracketed single syllable with a tone mark is removed (also where a
    garbled character left ``?yōu)``), so ``(一)``, ``(2024年)`` or ``(GDP)`` are kept.
    """
    return _PINYIN_RE.sub("", text)


@lru_cache(maxsize=1)
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


def to_simplified(text, min_share=0.003):
    """Convert traditional Chinese to simplified (OpenCC ``t2s``).

    Conversion is applied only when at least ``min_share`` of the Han characters
    change: ``t2s`` also rewrites a few characters that are valid simplified
    (``覆盖`` → ``复盖``), so a simplified report is left untouched.
    """
    converted = _t2s().convert(text)
    return converted if _is_traditional(text, converted, min_share) else text


def _is_traditional(text, converted, min_share=0.003):
    """Whether ``t2s`` changed at least ``min_share`` of the Han characters of ``text``."""
    if converted == text:
        return False
    han = (len(text) - len(_HAN_RE.sub("", text))) or 1  # not findall: a list of every character
    changed = sum(1 for a, b in zip(text, converted) if a != b)
    return changed >= min_share * han


def fold_width(text):
    """Full-width digits, Latin letters and the ideographic space become ASCII.

    Chinese punctuation (，。（）：) is kept: it carries the sentence structure.
    """
    # Translating only the runs of such characters: str.translate with a dict looks up every
    # character of the text, which makes it the slowest normalisation step.
    return _WIDE_RE.sub(lambda match: match.group().translate(_WIDTH_TABLE), text)


_WIDTH_TABLE = {0x3000: " ", 0xA0: " "}
_WIDTH_TABLE.update({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)})
_WIDTH_TABLE.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_WIDTH_TABLE.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
_WIDE_RE = re.compile("[\u3000\xa0\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")


def strip_markup(text):
    """Remove inline markdown and HTML markup (``**``, ``<sub>``, links).

    Line-leading structure (``#`` headings, ``-`` bullets) is kept for the splitter.
    """
    # Each pattern runs only where its markup can be: most reports have none, and the
    # emphasis pattern's look-arounds make it the slowest step of reading.
    if "](" in text:
        text = _MD_LINK_RE.sub(r"\1", text)
    if "<" in text:
        text = _HTML_TAG_RE.sub("", text)
    if "*" in text or "__" in text:
        text = _EMPHASIS_RE.sub("", text)
    return text


def _steps(simplify):
    """The normalisation steps, in order; ``simplify`` is the traditional-to-simplified step
    (None to leave the text as it is)."""
    return [step for step in (normalise_newlines, remove_pinyin, simplify, fold_width, strip_markup) if step]


def normalise(text):
    """Apply every normalisation step, in order, to decoded report text."""
    for step in _steps(to_simplified):
        text = step(text)
    return text


# ------------------------------------------------------ format extraction

def html_to_text(data, source="<html>"):
    """Visible text of an HTML page; headings become ``#`` lines, list items ``-`` bullets."""
    from bs4 import BeautifulSoup
    if isinstance(data, bytes):
        data, _ = decode_bytes(data, source)
    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "head", "svg"]):
        tag.decompose()
    for level in range(1, 7):
        for tag in soup.find_all(f"h{level}"):
            tag.insert(0, "\n" + "#" * level + " ")
            tag.append("\n")
    for tag in soup.find_all("li"):
        tag.insert(0, "\n- ")
        tag.append("\n")
    for tag in soup.find_all(["p", "div", "br", "tr", "section", "article", "td"]):
        tag.append("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().split("\n"))
    return "\n".join(line for line in lines if line)


#: Most bytes a .docx may unpack to: its XML is ~10× its text, and no report comes near this.
MAX_DOCX_UNPACKED = 200 * 1024 * 1024
#: Largest HTML page read (parsing takes ~10× its size in memory).
MAX_HTML_BYTES = 50 * 1024 * 1024
#: Most text extracted from a PDF, in characters (a report has well under a million).
MAX_PDF_CHARS = 20_000_000


def _check_unpacked_size(data, source):
    """Refuse a zip (.docx) that unpacks to more than :data:`MAX_DOCX_UNPACKED`: a zip bomb."""
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > MAX_DOCX_UNPACKED:
        raise InputError(source, f"unpacks to {total / 2**20:.0f} MB, more than the "
                                 f"{MAX_DOCX_UNPACKED // 2**20} MB a report can be (a zip bomb?)")


def docx_to_text(data):
    """Paragraph text of a ``.docx``; heading styles become ``#`` lines."""
    import docx
    document = docx.Document(io.BytesIO(data))
    lines = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name or "") if para.style is not None else ""
        match = re.match(r"Heading (\d)", style)
        if match:
            text = "#" * int(match.group(1)) + " " + text
        elif style.startswith("List"):
            text = "- " + text
        lines.append(text)
    return "\n".join(lines)


def pdf_to_text(data, source="<pdf>"):
    """Text of a PDF (pypdf); visual line breaks inside a paragraph are re-joined."""
    import logging
    import warnings
    from pypdf import PdfReader
    # pypdf logs and warns about every quirk of a file; the reader's errors are ours to report.
    logging.getLogger("pypdf").addHandler(logging.NullHandler())
    logging.getLogger("pypdf").propagate = False
    pages, size = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for page in PdfReader(io.BytesIO(data)).pages:
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > MAX_PDF_CHARS:
                raise InputError(source, f"more than {MAX_PDF_CHARS} characters of text; not a report")
    raw = "\n".join(pages)
    paragraphs, current = [], ""
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        # Chinese lines join directly; Latin words keep a space between them.
        joiner = " " if current[-1:].isascii() and current[-1:].isalnum() and line[0].isascii() else ""
        current += joiner + line
        # A PDF breaks lines by width; a paragraph ends with closing punctuation.
        if re.search(r"[。！？：；!?:;]$", current) or len(line) < 20:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n".join(paragraphs)


def _extract(data, suffix, source):
    try:
        if suffix in (".html", ".htm"):
            if len(data) > MAX_HTML_BYTES:
                raise InputError(source, f"{len(data) / 2**20:.0f} MB of HTML, more than the "
                                         f"{MAX_HTML_BYTES // 2**20} MB a report page can be")
            return html_to_text(data, source), "html"
        if suffix == ".docx":
            _check_unpacked_size(data, source)
            return docx_to_text(data), "docx"
        if suffix == ".pdf":
            text = pdf_to_text(data, source)
            if not text.strip():
                raise InputError(source, "PDF has no extractable text (scanned image?)")
            return text, "pdf"
    except InputError:
        raise
    except Exception as exc:  # third-party parsers raise many types on corrupt files
        kind = suffix.lstrip(".").upper()
        raise InputError(source, f"not a readable {kind} file ({type(exc).__name__})") from None
    return decode_bytes(data, source)


# --------------------------------------------------------------- metadata

def parse_metadata(report_id, text=""):
    """Region and year of a report from its id (file name) or, failing that, its opening text.

    >>> parse_metadata("江苏省2020")
    ('江苏省', 2020)
    """
    region = year = None
    match = _YEAR_NAME_RE.search(report_id)
    if match:
        year = int(match.group(1))
        named = _REGION_NAME_RE.search(report_id[:match.start()])
        if named:
            region = named.group(1)
    head = text[:1500]
    if year is None:
        for pattern in _YEAR_TEXT_RES:
            match = pattern.search(head)
            if match:
                year = int(match.group(1))
                break
    if region is None:
        match = _REGION_TEXT_RE.search(head)
        if match:
            region = match.group(1)
    return region, year


#: The four municipalities are provinces; their districts and counties are not.
_PROVINCIAL_CITIES = {"北京市", "天津市", "上海市", "重庆市"}
LEVELS = ("national", "provincial", "prefecture", "county")


def report_level(region):
    """Administrative level of a report's government from its region name (None if unknown).

    >>> report_level("国务院"), report_level("江苏省"), report_level("南通市"), report_level("句容县")
    ('national', 'provincial', 'prefecture', 'county')

    A county-level city (县级市) cannot be told from a prefecture by its name and is
    given ``prefecture``.
    """
    if not region:
        return None
    if region == "国务院":
        return "national"
    if region in _PROVINCIAL_CITIES or region.endswith(("省", "自治区", "特别行政区")):
        return "provincial"
    if region.endswith(("市", "州", "盟", "地区")):
        return "prefecture"
    if region.endswith(("县", "区", "旗")):
        return "county"
    return None


# ------------------------------------------------------------------ inputs

def input_paths(inputs, on_error=None, output=None, track=None):
    """The paths of ``inputs`` (:func:`iter_input_paths`, expanded once), for a command that
    reads them and writes ``output``.

    Refuses an ``output`` that is also an input before anything is read, and wraps the
    list in ``track`` (e.g. a progress bar) when given.
    """
    from .atomic import refuse_input_as_output
    paths = list(iter_input_paths(inputs, on_error=on_error))
    refuse_input_as_output(output, paths)
    return track(paths) if track else paths


def iter_input_paths(inputs, suffixes=REPORT_SUFFIXES, on_error=None):
    """Expand files and directories (walked recursively, in sorted order) into paths; ``-`` is kept.

    A file named explicitly is always yielded (units files too); in a directory only files with
    ``suffixes`` are, and README/LICENSE-style files are skipped. What a walk cannot use is
    reported to ``on_error``: an unreadable directory or a dangling link (an
    :class:`InputError`: a report may be lost), a symbolic-link loop or a directory reached
    twice (an :class:`InputNotice`). Without ``on_error`` errors raise and notices are dropped.
    """
    def report(err):
        if on_error is not None:
            on_error(err)
        elif err.lost:
            raise err

    for item in inputs:
        if str(item) == "-":
            yield "-"
            continue
        path = Path(item)
        if path.is_dir():
            yield from _walk(path, suffixes, report)
        else:
            yield path


def _walk(root, suffixes, report):
    found, visited = [], {}

    def visit(directory):
        try:
            info = directory.stat()
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            report(InputError(directory, f"cannot read directory ({exc.strerror or exc}); its reports are skipped"))
            return
        key = (info.st_dev, info.st_ino)
        if key in visited:
            report(InputNotice(directory, f"symbolic link to a directory already read ({visited[key]}); "
                                          "not read twice"))
            return
        visited[key] = str(directory)
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                visit(path)
                continue
            if path.suffix.lower() not in suffixes or path.stem.lower() in NOT_REPORTS:
                continue
            if entry.is_symlink() and not path.exists():
                report(InputError(path, "broken symbolic link (its target is missing)"))
            elif entry.is_file():
                found.append(path)

    visit(root)
    return sorted(found, key=lambda p: p.as_posix())


def report_id(path):
    """The id of the report read from ``path``: its file name without the suffix, readable
    even when the name's bytes are not UTF-8 (``stdin`` for standard input)."""
    return "stdin" if str(path) == "-" else readable(Path(path).stem)


def read_report(path, stdin=None):
    """Read and normalise one report file (``-`` reads standard input).

    Raises
    ------
    InputError
        If the file is missing, empty, binary, undecodable or of a broken format.
    """
    rid = report_id(path)
    if str(path) == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        source, suffix = "<stdin>", ".txt"
    else:
        path = Path(path)
        source, suffix = readable(str(path)), path.suffix.lower()
        if not path.exists():
            raise InputError(source, "no such file or directory")
        if path.is_dir():
            raise InputError(source, "is a directory")
        if suffix in TEXT_SUFFIXES and path.is_file():  # a pipe could not be read twice
            return _streamed_report(path, source, rid)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(source, f"cannot read ({exc.strerror or exc})") from None
    if not data.strip():
        raise InputError(source, "empty file")
    text, encoding = _extract(data, suffix, source)
    text = normalise(text)
    if not text.strip():
        raise InputError(source, "no text")
    region, year = parse_metadata(rid, text)
    return Document(rid, source, text, region, year, encoding)


def _streamed_report(path, source, rid):
    """A plain-text report whose lines are read from its file when iterated (see :func:`_scan`)."""
    encoding, simplify = _scan(path, source)
    lines = partial(_normalised_lines, path, source, encoding, simplify)
    opening, size, blank = [], 0, True
    for line in lines():  # parse_metadata reads the first 1,500 characters
        blank = blank and not line.strip()
        if size <= 1500:
            opening.append(line)
            size += len(line) + 1
        elif not blank:
            break
    if blank:
        raise InputError(source, "no text")
    region, year = parse_metadata(rid, "\n".join(opening))
    return Document(rid, source, None, region, year, encoding, lines=lines)


def report_ids():
    """A checker of report-id clashes: ``claim(path)`` raises :class:`InputError` when another
    path already gave the same id (same file name in two folders). Ids are claimed in input
    order before reading, so the outcome does not depend on how many workers read."""
    seen = {}

    def claim(path):
        rid = report_id(path)
        if rid in seen:
            raise InputError(path, f"report id {rid!r} is already used by {readable(seen[rid])} "
                                   "(rename one of the files)")
        seen.setdefault(rid, str(path))
        return rid
    return claim


def read_reports(inputs, on_error=None, claim=None):
    """Yield a :class:`Document` per readable report among ``inputs``.

    Parameters
    ----------
    inputs : iterable of str or Path
        Files, directories (walked recursively for report suffixes) or ``-``.
    on_error : callable, optional
        Called with each :class:`InputError`; the bad file is skipped and the
        rest of the batch goes on. Without it the first error is raised.
    claim : callable, optional
        A :func:`report_ids` checker shared with other calls, so that report-id clashes are
        found across them.
    """
    claim = claim or report_ids()
    for path in iter_input_paths(inputs, on_error=on_error):
        try:
            claim(path)
            doc = read_report(path)
        except InputError as err:
            if on_error is None:
                raise
            on_error(err)
            continue
        yield doc
