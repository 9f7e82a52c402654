"""Read report files of any common format and normalise their text.

Every normalisation step is a small named function so that it can be tested and
reasoned about alone; :func:`normalise` chains them. Normalisation never adds or
removes line breaks, so a line number in the normalised text is the line number
in the decoded source.
"""

import io
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import InputError

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
_MD_LINK_RE = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>\n]*)?/?>")
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


@dataclass
class Document:
    """One report, decoded and normalised.

    Attributes
    ----------
    id : str
        Report id, the file name without its suffix (``stdin`` for standard input).
    source : str
        Where it was read from.
    text : str
        Normalised text, ``\\n`` line ends; unit offsets refer to it.
    region, year : str or None, int or None
        Metadata parsed from the file name or, failing that, the text.
    encoding : str
        The encoding the bytes were decoded with.
    """

    id: str
    source: str
    text: str
    region: str = None
    year: int = None
    encoding: str = "utf-8"


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
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(source, "binary file, not a text report")
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = _detect_encoding(data)
        if encoding is None:
            raise InputError(source, "cannot decode: not UTF-8, GB18030/GBK or Big5 text")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(source, f"cannot decode as {encoding} at byte {exc.start}") from None
    controls = len(_CONTROL_RE.findall(text, 0, 65536))
    if controls > 0.05 * min(len(text), 65536):
        raise InputError(source, "binary file, not a text report")
    return text, encoding


# Control characters (Unicode category Cc) other than whitespace: a text report has almost none.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _detect_encoding(data):
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # charset_normalizer scores candidate decodings by how plausible the text is;
    # restricting it to the Chinese encodings keeps it from guessing e.g. cp1252.
    from charset_normalizer import from_bytes
    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    return best.encoding if best is not None else None


# ----------------------------------------------------------- normalisation

def normalise_newlines(text):
    """CRLF and lone CR become LF; form feeds and Unicode line separators too."""
    return re.sub(r"\r\n?|[\f\v\u2028\u2029\x85]", "\n", text)


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
    if converted == text:
        return text
    han = len(re.findall(f"[{_HAN}]", text)) or 1
    changed = sum(1 for a, b in zip(text, converted) if a != b)
    return converted if changed >= min_share * han else text


def fold_width(text):
    """Full-width digits, Latin letters and the ideographic space become ASCII.

    Chinese punctuation (，。（）：) is kept: it carries the sentence structure.
    """
    return text.translate(_WIDTH_TABLE)


_WIDTH_TABLE = {0x3000: " ", 0xA0: " "}
_WIDTH_TABLE.update({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)})
_WIDTH_TABLE.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_WIDTH_TABLE.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})


def strip_markup(text):
    """Remove inline markdown and HTML markup (``**``, ``<sub>``, links).

    Line-leading structure (``#`` headings, ``-`` bullets) is kept for the splitter.
    """
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _HTML_TAG_RE.sub("", text)
    return _EMPHASIS_RE.sub("", text)


def normalise(text):
    """Apply every normalisation step, in order, to decoded report text."""
    for step in (normalise_newlines, remove_pinyin, to_simplified, fold_width, strip_markup):
        text = step(text)
    return text


# ------------------------------------------------------ format extraction

def html_to_text(data):
    """Visible text of an HTML page; headings become ``#`` lines, list items ``-`` bullets."""
    from bs4 import BeautifulSoup
    if isinstance(data, bytes):
        data, _ = decode_bytes(data, "<html>")
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


def pdf_to_text(data):
    """Text of a PDF (pypdf); visual line breaks inside a paragraph are re-joined."""
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(data))
    raw = "\n".join((page.extract_text() or "") for page in reader.pages)
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
            return html_to_text(data), "html"
        if suffix == ".docx":
            return docx_to_text(data), "docx"
        if suffix == ".pdf":
            text = pdf_to_text(data)
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

def iter_input_paths(inputs, suffixes=REPORT_SUFFIXES):
    """Expand files and directories (recursively, in sorted order) into paths; ``-`` is kept.

    A directory's README/LICENSE-style files are not reports and are skipped.
    """
    for item in inputs:
        item = str(item)
        if item == "-":
            yield item
            continue
        path = Path(item)
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
                     and p.stem.lower() not in NOT_REPORTS]
            yield from sorted(found, key=lambda p: p.as_posix())
        else:
            yield path


def read_report(path, stdin=None):
    """Read and normalise one report file (``-`` reads standard input).

    Raises
    ------
    InputError
        If the file is missing, empty, binary, undecodable or of a broken format.
    """
    if str(path) == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        source, report_id, suffix = "<stdin>", "stdin", ".txt"
    else:
        path = Path(path)
        source, report_id, suffix = str(path), path.stem, path.suffix.lower()
        if not path.exists():
            raise InputError(source, "no such file or directory")
        if path.is_dir():
            raise InputError(source, "is a directory")
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
    region, year = parse_metadata(report_id, text)
    return Document(report_id, source, text, region, year, encoding)


def read_reports(inputs, on_error=None):
    """Yield a :class:`Document` per readable report among ``inputs``.

    Parameters
    ----------
    inputs : iterable of str or Path
        Files, directories (walked recursively for report suffixes) or ``-``.
    on_error : callable, optional
        Called with each :class:`InputError`; the bad file is skipped and the
        rest of the batch goes on. Without it the first error is raised.
    """
    seen = {}
    for path in iter_input_paths(inputs):
        try:
            doc = read_report(path)
            if doc.id in seen:
                raise InputError(doc.source, f"report id {doc.id!r} is already used by {seen[doc.id]}")
            seen[doc.id] = doc.source
        except InputError as err:
            if on_error is None:
                raise
            on_error(err)
            continue
        yield doc
