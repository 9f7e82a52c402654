"""Malformed model and word-vector directories: each gives ``error: <file>: <problem>`` and exit code 1.

Every row corrupts a copy of a valid directory and then, like an attacker would, rewrites the
checksums in meta.json so that they still match: the loader must find what is wrong from the
content itself. Rows run the real CLI in-process (click's CliRunner) in a thread with a timeout,
so a hang (a FIFO, /dev/zero) fails the row instead of the session.
"""

import hashlib
import io
import json
import os
import pickle
import shutil
import threading
import zipfile

import numpy as np
import pytest

from theme_classifier import LABELS
from click.testing import CliRunner

from conftest import ROOT
from theme_classifier.cli import main
from theme_classifier.embeddings import TokenStream, WordVectors, save_vectors, train_word2vec
from theme_classifier.labels import load_labels
from theme_classifier.model import ThemeClassifier
from theme_classifier.prediction import analyse
from theme_classifier.errors import ModelError
from theme_classifier.store import DEFAULT_MODEL as SHIPPED, FORMAT_VERSION, default_model_path, load_model, save_model
from theme_classifier.tokenize import default_tokenizer

SEED_LABELS = ROOT / "labels" / "seeds.jsonl"
DEFAULT_MODEL = ROOT / "models" / "default"
MODEL_FILES = ("arrays.npz", "vocabulary.json", "char_vocabulary.json", "vectors.npy", "vector_words.json",
               "vectors.bin", "userdict.txt", "stopwords.txt")
VECTOR_SIZE = 16
TIMEOUT = 10  # seconds; a valid load takes well under one
REPORT = ("一、过去一年工作回顾\n\n"
          "全年地区生产总值增长6%，新增城镇就业2万人，培育专精特新企业125家。\n\n"
          "深入打好污染防治攻坚战，PM2.5浓度下降，长江水质保持II类，全面推行河长制。\n\n"
          "深化放管服改革，推进法治政府建设。\n")


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="session")
def records():
    return load_labels([SEED_LABELS])


@pytest.fixture(scope="session")
def small_vectors(records):
    tokenizer = default_tokenizer()
    tokens = [tokenizer(r["text"]) for r in records]
    return train_word2vec(TokenStream(lambda: tokens), seed=0, vector_size=VECTOR_SIZE, epochs=2, min_count=1)


@pytest.fixture(scope="session")
def small_model(records, small_vectors):
    """A small model with all three feature blocks (word and character TF-IDF, word vectors)."""
    return ThemeClassifier(ngram_range=(1, 2), char_ngram_range=(1, 2), vectors=small_vectors).fit(
        [r["text"] for r in records], [r["primary"] for r in records])


@pytest.fixture(scope="session")
def bases(tmp_path_factory, small_model, small_vectors):
    """Valid directories the rows copy: the small model, its word vectors, and models/default."""
    root = tmp_path_factory.mktemp("bases")
    # Like `themes train`, meta.json records the vectors' provenance (with their size).
    save_model(small_model, root / "small", {"embeddings": {"kind": "word2vec", "vector_size": VECTOR_SIZE}})
    save_vectors(small_vectors, root / "emb", {"kind": "word2vec"})
    return {"small": root / "small", "emb": root / "emb", "default": DEFAULT_MODEL}


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "江苏省2020.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


# ------------------------------------------------------------------- helpers

def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_meta(d):
    return json.loads((d / "meta.json").read_text(encoding="utf-8"))


def write_meta(d, meta):
    (d / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def rehash(d):
    """Make the corruption checksum-consistent: meta.json's checksums (model) or sha256 (vectors)
    are rewritten for every listed regular file. Never opens links, FIFOs or directories."""
    meta_file = d / "meta.json"
    if meta_file.is_symlink() or not meta_file.is_file():
        return  # the row replaced meta.json itself (reading a FIFO or /dev/zero would hang)
    try:
        meta = read_meta(d)
    except (ValueError, RecursionError):
        return  # the row broke meta.json itself
    if not isinstance(meta, dict):
        return
    if "sha256" in meta:  # a word-vector directory
        target = d / "vectors.bin"
        if not target.is_symlink() and target.is_file():
            meta["sha256"] = sha256(target)
    files = meta.get("files")
    if isinstance(files, dict):
        for name in files:
            target = d / name
            if name in MODEL_FILES and not target.is_symlink() and target.is_file():
                files[name] = sha256(target)
    write_meta(d, meta)


def edit_meta(change):
    def damage(d):
        meta = read_meta(d)
        change(meta)
        write_meta(d, meta)
    return damage


def set_param(name, value):
    return edit_meta(lambda meta: meta["params"].__setitem__(name, value))


def set_field(name, value):
    return edit_meta(lambda meta: meta.__setitem__(name, value))


def add_file_entry(name):
    return edit_meta(lambda meta: meta["files"].__setitem__(name, "0" * 64))


def unlist(name):
    return edit_meta(lambda meta: meta["files"].pop(name))


def remove(name):
    def damage(d):
        (d / name).unlink()
        unlist(name)(d)
    return damage


def edit_arrays(change):
    def damage(d):
        with np.load(d / "arrays.npz") as data:
            arrays = dict(data)
        change(arrays)
        with open(d / "arrays.npz", "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return damage


def set_array(name, value):
    """``value``: a function of the arrays, or None to delete the array."""
    def change(arrays):
        if value is None:
            del arrays[name]
        else:
            arrays[name] = value(arrays)
    return edit_arrays(change)


def with_nan(array, value=np.nan):
    array = array.copy()
    array.flat[0] = value
    return array


def npy_as_npz(d):
    with np.load(d / "arrays.npz") as data:
        coef = data["coef"]
    with open(d / "arrays.npz", "wb") as fh:
        np.save(fh, coef)  # a plain .npy under the .npz name


def huge_coef_header(d):
    """coef's .npy header claims 6 x 10^10 float64 (480 GB); only the header is real."""
    with np.load(d / "arrays.npz") as data:
        arrays = dict(data)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (arrays["coef"].shape[0], 10 ** 10)})
    with zipfile.ZipFile(d / "arrays.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            if name == "coef":
                archive.writestr("coef.npy", header.getvalue() + b"\0" * 64)
            else:
                member = io.BytesIO()
                np.lib.format.write_array(member, array)
                archive.writestr(f"{name}.npy", member.getvalue())


def edit_json(name, change):
    def damage(d):
        value = json.loads((d / name).read_text(encoding="utf-8"))
        (d / name).write_text(json.dumps(change(value), ensure_ascii=False), encoding="utf-8")
    return damage


def write_bytes(name, data):
    def damage(d):
        (d / name).write_bytes(data(d / name) if callable(data) else data)
    return damage


def vectors_header(header):
    """Replace the first line of vectors.bin by ``header(words, dimensions)``."""
    def data(path):
        content = path.read_bytes()
        words, dimensions = map(int, content[:content.index(b"\n")].split())
        return header(words, dimensions).encode() + content[content.index(b"\n"):]
    return write_bytes("vectors.bin", data)


def truncate(path):
    content = path.read_bytes()
    return content[:len(content) // 2]


def npy_header(shape=None, descr=None):
    """Rewrite the header of vectors.npy (shape and dtype it claims), keeping its data."""
    def damage(d):
        data = (d / "vectors.npy").read_bytes()
        fh = io.BytesIO(data)
        np.lib.format.read_magic(fh)
        old_shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        out = io.BytesIO()
        np.lib.format.write_array_header_1_0(out, {"shape": shape(old_shape) if shape else old_shape,
                                                   "fortran_order": fortran, "descr": descr or dtype.str})
        (d / "vectors.npy").write_bytes(out.getvalue() + data[fh.tell():])
    return damage


def set_vectors(change):
    """Replace vectors.npy by ``change(vectors)`` (saved without pickling unless it holds objects)."""
    def damage(d):
        vectors = np.load(d / "vectors.npy", allow_pickle=False)
        new = change(vectors)
        with open(d / "vectors.npy", "wb") as fh:
            np.lib.format.write_array(fh, new, allow_pickle=new.dtype.hasobject)
    return damage


def fewer_dimensions(d):
    """Self-consistent vectors whose vectors have one dimension less than coef expects."""
    set_vectors(lambda v: np.ascontiguousarray(v[:, :-1]))(d)


def _fortran(d):
    """vectors.npy whose header claims Fortran order."""
    data = (d / "vectors.npy").read_bytes()
    (d / "vectors.npy").write_bytes(data.replace(b"'fortran_order': False", b"'fortran_order': True ", 1))


def nan_vectors(d):
    set_vectors(with_nan)(d)


def as_format_1(d):
    """The model as the first format stored it: word vectors in word2vec binary (vectors.bin)."""
    words = json.loads((d / "vector_words.json").read_text(encoding="utf-8"))
    WordVectors(words, np.load(d / "vectors.npy", allow_pickle=False)).save_word2vec_format(d / "vectors.bin")
    for name in ("vectors.npy", "vector_words.json"):
        remove(name)(d)
    meta = read_meta(d)
    meta["format_version"] = 1
    meta["files"]["vectors.bin"] = sha256(d / "vectors.bin")
    write_meta(d, meta)


def fifo(name):
    def damage(d):
        (d / name).unlink()
        os.mkfifo(d / name)
    return damage


def symlink(name, target):
    def damage(d):
        to = target(d) if callable(target) else target
        (d / name).unlink()
        (d / name).symlink_to(to)
    return damage


def outside_copy(name):
    """A copy of the file outside the directory (same bytes: its checksum still matches)."""
    def target(d):
        copy = d.parent / f"outside-{name}"
        shutil.copy(d / name, copy)
        return copy
    return target


def directory(name):
    def damage(d):
        (d / name).unlink()
        (d / name).mkdir()
    return damage


def add_file(name, data=b"anything"):
    return write_bytes(name, data)


def deep_json(d):
    (d / "meta.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


def then(*damages):
    def damage(d):
        for step in damages:
            step(d)
    return damage


# ---------------------------------------------------------------------- rows

def row(id, damage, bad, match=None, base="small", consistent=True):
    """A case: ``damage(d)`` corrupts a copy of ``base``; the error must name ``d / bad`` (and match).
    ``consistent``: rewrite meta.json's checksums afterwards (False for rows about checksums)."""
    return pytest.param(damage, bad, match, base, consistent, id=id)


MODEL_ROWS = [
    # 1. arrays.npz that is not an archive of arrays
    row("npy-saved-as-npz", npy_as_npz, "arrays.npz", "not an .npz archive"),
    row("npz-garbage", write_bytes("arrays.npz", b"PK\x03\x04 not really a zip"), "arrays.npz", "corrupt arrays"),
    row("npz-pickled-object-array", set_array("coef", lambda a: np.array([object()], dtype=object)),
        "arrays.npz", "refusing to load"),
    row("npz-unexpected-member", set_array("evil", lambda a: np.zeros(3)), "arrays.npz", "unexpected member"),
    row("npz-huge-shape-in-header", huge_coef_header, "arrays.npz", "coef has 10000000000 columns"),
    # 2. arrays of the wrong shape, type or values
    row("coef-missing", set_array("coef", None), "arrays.npz", "missing array 'coef'"),
    row("coef-one-column-short", set_array("coef", lambda a: a["coef"][:, :-1]), "arrays.npz", "columns"),
    row("coef-one-column-extra", set_array("coef", lambda a: np.hstack([a["coef"], a["coef"][:, :1]])),
        "arrays.npz", "columns"),
    row("coef-row-missing", set_array("coef", lambda a: a["coef"][:-1]), "arrays.npz", "rows"),
    row("coef-1d", set_array("coef", lambda a: a["coef"].ravel()), "arrays.npz", "matrix"),
    row("coef-integers", set_array("coef", lambda a: a["coef"].astype(np.int64)), "arrays.npz", "floating-point"),
    row("coef-nan", set_array("coef", lambda a: with_nan(a["coef"])), "arrays.npz", "NaN or infinite"),
    row("intercept-missing", set_array("intercept", None), "arrays.npz", "missing array 'intercept'"),
    row("intercept-wrong-shape", set_array("intercept", lambda a: a["intercept"][:-1]), "arrays.npz", "intercept"),
    row("intercept-2d", set_array("intercept", lambda a: a["intercept"][None, :]), "arrays.npz", "intercept"),
    row("intercept-strings", set_array("intercept", lambda a: a["intercept"].astype(str)), "arrays.npz",
        "floating-point"),
    row("idf-one-short", set_array("idf", lambda a: a["idf"][:-1]), "arrays.npz", "idf has"),
    row("idf-missing", set_array("idf", None), "arrays.npz", "missing array 'idf'"),
    row("idf-infinite", set_array("idf", lambda a: with_nan(a["idf"], np.inf)), "arrays.npz", "NaN or infinite"),
    row("char-idf-one-short", set_array("char_idf", lambda a: a["char_idf"][:-1]), "arrays.npz", "char_idf has"),
    # 3. vocabularies
    row("vocabulary-one-short", edit_json("vocabulary.json", lambda v: v[:-1]), "vocabulary.json", "terms"),
    row("vocabulary-one-extra", edit_json("vocabulary.json", lambda v: v + ["额外"]), "vocabulary.json", "terms"),
    row("vocabulary-not-strings", edit_json("vocabulary.json", lambda v: [1] + v[1:]), "vocabulary.json",
        "list of strings"),
    row("vocabulary-an-object", edit_json("vocabulary.json", lambda v: {t: i for i, t in enumerate(v)}),
        "vocabulary.json", "list of strings"),
    row("vocabulary-duplicates", edit_json("vocabulary.json", lambda v: [v[1]] + v[1:]), "vocabulary.json",
        "duplicate"),
    row("vocabulary-not-json", write_bytes("vocabulary.json", b"[\"a\", "), "vocabulary.json", "corrupt JSON"),
    row("char-vocabulary-one-short", edit_json("char_vocabulary.json", lambda v: v[:-1]), "char_vocabulary.json",
        "terms"),
    # 4. vectors.npy and vector_words.json
    row("vectors-header-claims-1e11-words", npy_header(lambda shape: (10 ** 11, shape[1])), "vectors.npy",
        "vector_words.json has", base="default"),
    row("vectors-truncated", write_bytes("vectors.npy", truncate), "vectors.npy", "corrupt vectors",
        base="default"),
    row("vectors-header-size-disagrees", npy_header(lambda shape: (shape[0], shape[1] - 1)), "vectors.npy",
        "corrupt vectors"),
    row("vectors-header-fortran-order", _fortran, "vectors.npy", "C order"),
    row("vectors-not-npy", write_bytes("vectors.npy", b"many words"), "vectors.npy", "not a .npy array"),
    row("vectors-pickled-objects", set_vectors(lambda v: np.array([[object()]], dtype=object)), "vectors.npy",
        "refusing to load"),
    row("vectors-integers", set_vectors(lambda v: v.astype(np.int32)), "vectors.npy", "floating-point"),
    row("vectors-one-dimensional", set_vectors(lambda v: v[:, 0].copy()), "vectors.npy", "matrix"),
    row("vectors-fewer-dimensions-than-coef", fewer_dimensions, "vectors.npy", "dimensions"),
    row("vectors-nan", nan_vectors, "vectors.npy", "NaN or infinite"),
    row("vectors-empty", write_bytes("vectors.npy", b""), "vectors.npy", "not a .npy array"),
    row("vector-words-one-short", edit_json("vector_words.json", lambda v: v[:-1]), "vectors.npy", "words"),
    row("vector-words-duplicates", edit_json("vector_words.json", lambda v: [v[1]] + v[1:]), "vector_words.json",
        "duplicate"),
    row("vector-words-not-strings", edit_json("vector_words.json", lambda v: [1] + v[1:]), "vector_words.json",
        "list of strings"),
    row("format-1-vectors-bin-truncated", then(as_format_1, write_bytes("vectors.bin", truncate)), "vectors.bin",
        "corrupt word vectors"),
    # 5. meta.json files
    row("files-a-list", edit_meta(lambda m: m.__setitem__("files", sorted(m["files"]))), "meta.json",
        "files must be an object"),
    row("files-empty-name", add_file_entry(""), "meta.json", "bad file name"),
    row("files-dotdot", add_file_entry(".."), "meta.json", "bad file name"),
    row("files-dot", add_file_entry("."), "meta.json", "bad file name"),
    row("files-slash", add_file_entry("../arrays.npz"), "meta.json", "bad file name"),
    row("files-backslash", add_file_entry("sub\\arrays.npz"), "meta.json", "bad file name"),
    row("files-absolute", add_file_entry("/etc/passwd"), "meta.json", "bad file name"),
    row("files-lists-meta-json", add_file_entry("meta.json"), "meta.json", "itself"),
    row("files-unknown-name", add_file_entry("model.bin"), "meta.json", "not a file of a theme_classifier model"),
    row("files-checksum-not-hex", edit_meta(lambda m: m["files"].__setitem__("arrays.npz", 12345)), "meta.json",
        "sha256", consistent=False),
    # 6. tokenizer files
    row("stopwords-missing", remove("stopwords.txt"), "stopwords.txt", "missing"),
    row("userdict-missing", remove("userdict.txt"), "userdict.txt", "missing"),
    row("userdict-not-utf8", write_bytes("userdict.txt", "专精特新 100 n\n".encode("gbk")), "userdict.txt",
        "not UTF-8"),
    row("stopwords-not-utf8", write_bytes("stopwords.txt", b"\xff\xfe\x00"), "stopwords.txt", "not UTF-8"),
    row("userdict-bad-frequency", write_bytes("userdict.txt", "专精特新 ² n\n".encode()), "userdict.txt",
        "frequency"),
    row("vocabulary-missing", remove("vocabulary.json"), "vocabulary.json", "missing"),
    row("vectors-missing", remove("vectors.npy"), "vectors.npy", "missing"),
    row("format-1-vectors-missing", then(as_format_1, remove("vectors.bin")), "vectors.bin", "missing"),
    row("arrays-missing", remove("arrays.npz"), "arrays.npz", "missing"),
    row("listed-file-absent", lambda d: (d / "stopwords.txt").unlink(), "stopwords.txt", "missing"),
    # 7. meta.json fields
    row("format-version-string", set_field("format_version", "1"), "meta.json", "format_version"),
    row("format-version-bool", set_field("format_version", True), "meta.json", "format_version"),
    row("format-version-float", set_field("format_version", 1.0), "meta.json", "format_version"),
    row("format-version-zero", set_field("format_version", 0), "meta.json", "format version 0"),
    row("labels-a-string", set_field("labels", "industry"), "meta.json", "labels"),
    row("labels-duplicates", edit_meta(lambda m: m["labels"].__setitem__(1, m["labels"][0])), "meta.json",
        "labels"),
    row("labels-not-strings", edit_meta(lambda m: m.__setitem__("labels", list(range(len(m["labels"]))))),
        "meta.json", "labels"),
    row("labels-unknown", edit_meta(lambda m: m["labels"].__setitem__(0, "weather")), "meta.json", "unknown label"),
    row("labels-one-too-few", edit_meta(lambda m: m["labels"].pop()), "arrays.npz", "rows"),
    row("threshold-above-one", set_field("threshold", 1.5), "meta.json", "threshold"),
    row("threshold-a-string", set_field("threshold", "0.3"), "meta.json", "threshold"),
    row("threshold-bool", set_field("threshold", True), "meta.json", "threshold"),
    row("threshold-null", set_field("threshold", None), "meta.json", "threshold"),
    row("temperature-zero", set_field("temperature", 0), "meta.json", "temperature"),
    row("temperature-a-string", set_field("temperature", "0.6"), "meta.json", "temperature"),
    row("params-a-list", set_field("params", [["ngram_range", [1, 2]]]), "meta.json", "params must be an object"),
    row("params-unknown-key", set_param("evil", 1), "meta.json", "unknown parameter"),
    row("params-ngram-range-one-int", set_param("ngram_range", [1]), "meta.json", "ngram_range"),
    row("params-ngram-range-strings", set_param("ngram_range", ["1", "2"]), "meta.json", "ngram_range"),
    row("params-ngram-range-reversed", set_param("ngram_range", [2, 1]), "meta.json", "ngram_range"),
    row("params-ngram-range-huge", set_param("ngram_range", [1, 10 ** 9]), "meta.json", "ngram_range"),
    row("params-char-ngram-range-floats", set_param("char_ngram_range", [1.0, 2.0]), "meta.json",
        "char_ngram_range"),
    row("params-use-w2v-string", set_param("use_w2v", "yes"), "meta.json", "use_w2v"),
    row("params-w2v-weight-string", set_param("w2v_weight", "2"), "meta.json", "w2v_weight"),
    row("params-w2v-weight-huge-int", set_param("w2v_weight", 10 ** 400), "meta.json", "w2v_weight"),
    row("params-c-negative", set_param("C", -1), "meta.json", "C = -1: must be a number > 0"),
    row("params-class-weight-dict", set_param("class_weight", {"industry": 2}), "meta.json", "class_weight"),
    row("params-w2v-params-unknown", set_param("w2v_params", {"workers": 8}), "meta.json", "w2v_params"),
    row("params-no-features", then(set_param("use_tfidf", False), set_param("char_ngram_range", None),
                                   set_param("use_w2v", False)), "meta.json", "no features"),
    row("params-use-w2v-off-but-vectors-listed", set_param("use_w2v", False), "vector_words.json",
        "does not use it"),
    row("params-use-tfidf-off-but-idf-present",
        then(set_param("use_tfidf", False), remove("vocabulary.json")), "arrays.npz", "does not use"),
    row("tokenizer-hmm-string", edit_meta(lambda m: m["tokenizer"].__setitem__("hmm", "no")), "meta.json",
        "tokenizer"),
    row("tokenizer-backend-unknown", edit_meta(lambda m: m["tokenizer"].__setitem__("backend", "pkuseg")),
        "meta.json", "backend must be one of jieba, rjieba"),
    row("meta-deeply-nested", deep_json, "meta.json", "corrupt JSON"),
    row("meta-not-utf8", write_bytes("meta.json", b"\xff{}"), "meta.json", "corrupt JSON"),
    row("meta-missing-field", edit_meta(lambda m: m.pop("files")), "meta.json", "missing field"),
    # 8. integrity: every file listed with its checksum
    row("unlisted-modified-arrays", then(set_array("coef", lambda a: a["coef"] * 2), unlist("arrays.npz")),
        "arrays.npz", "not listed"),
    row("unlisted-extra-file", add_file("notes.txt"), "notes.txt", "not listed"),
    row("unlisted-directory", lambda d: (d / "extra").mkdir(), "extra", "not listed"),
    row("unlisted-hidden-file", add_file(".hidden"), ".hidden", "not listed"),
    row("pickle-file", add_file("model.pkl", b"\x80\x04K\x01."), "model.pkl", "pickle"),
    row("modified-without-new-checksum", lambda d: (d / "vocabulary.json").write_text("[]"), "vocabulary.json",
        "checksum", consistent=False),
    # 9. links, FIFOs, devices and directories are refused without being opened
    row("vectors-fifo", fifo("vectors.npy"), "vectors.npy", "FIFO"),
    row("vectors-symlink-to-dev-zero", symlink("vectors.npy", "/dev/zero"), "vectors.npy", "symbolic link"),
    row("vectors-symlink-to-identical-copy", symlink("vectors.npy", outside_copy("vectors.npy")), "vectors.npy",
        "symbolic link"),
    row("vectors-a-directory", directory("vectors.npy"), "vectors.npy", "directory"),
    row("arrays-fifo", fifo("arrays.npz"), "arrays.npz", "FIFO"),
    row("userdict-symlink-to-dev-zero", symlink("userdict.txt", "/dev/zero"), "userdict.txt", "symbolic link"),
    row("userdict-symlink-to-dev-null", symlink("userdict.txt", "/dev/null"), "userdict.txt", "symbolic link"),
    row("meta-fifo", fifo("meta.json"), "meta.json", "FIFO"),
    row("meta-symlink-to-dev-zero", symlink("meta.json", "/dev/zero"), "meta.json", "symbolic link"),
]

EMBEDDING_ROWS = [
    row("emb-vectors-fifo", fifo("vectors.bin"), "vectors.bin", "FIFO", base="emb"),
    row("emb-vectors-symlink-to-dev-zero", symlink("vectors.bin", "/dev/zero"), "vectors.bin", "symbolic link",
        base="emb"),
    row("emb-vectors-a-directory", directory("vectors.bin"), "vectors.bin", "directory", base="emb"),
    row("emb-header-claims-1e11-words", vectors_header(lambda words, size: f"100000000000 {size}"), "vectors.bin",
        "truncated",
        base="emb"),
    row("emb-truncated", write_bytes("vectors.bin", truncate), "vectors.bin", "corrupt word vectors", base="emb"),
    row("emb-header-size-disagrees", vectors_header(lambda words, size: f"{words} {size + 1}"), "vectors.bin",
        "corrupt word vectors", base="emb"),
    row("emb-vector-size-not-in-meta", set_field("vector_size", VECTOR_SIZE + 1), "vectors.bin", "meta.json says",
        base="emb"),
    row("emb-modified-without-new-checksum", edit_meta(lambda m: m.__setitem__("sha256", "0" * 64)), "vectors.bin",
        "checksum", base="emb", consistent=False),
    row("emb-meta-not-json", write_bytes("meta.json", b"{not json"), "meta.json", "corrupt JSON", base="emb"),
    row("emb-meta-a-list", write_bytes("meta.json", b"[1, 2]"), "meta.json", "JSON object", base="emb"),
    row("emb-meta-sha256-a-number", set_field("sha256", 5), "meta.json", "sha256", base="emb",
        consistent=False),
    row("emb-meta-fifo", fifo("meta.json"), "meta.json", "FIFO", base="emb"),
    row("emb-vectors-missing", lambda d: (d / "vectors.bin").unlink(), "vectors.bin", "missing", base="emb"),
]


def run_cli(args):
    """Invoke the CLI in-process in a thread; fail (instead of hanging the session) after TIMEOUT."""
    outcome = {}

    def target():
        outcome["result"] = CliRunner().invoke(main, [str(a) for a in args])

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    if thread.is_alive():
        pytest.fail(f"themes {' '.join(map(str, args[:1]))} still running after {TIMEOUT} s (it hangs)")
    return outcome["result"]


def assert_one_line_error(result, bad_path, match, out):
    stderr = result.stderr
    assert result.exit_code == 1, (result.exit_code, stderr, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # not an uncaught exception
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert f"error: {bad_path}: " in lines[0], (str(bad_path), stderr)
    if match:
        assert match in lines[0], stderr
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("damage,bad,match,base,consistent", MODEL_ROWS + EMBEDDING_ROWS)
def test_malformed_directory_gives_a_one_line_error(tmp_path, bases, report, damage, bad, match, base, consistent):
    target = tmp_path / ("emb" if base == "emb" else "model")
    shutil.copytree(bases[base], target, symlinks=True)
    damage(target)
    if consistent:
        rehash(target)  # the attacker updates the checksums too
    out = tmp_path / "out.jsonl"
    if base == "emb":
        args = ["train", "--labels", SEED_LABELS, "--embeddings", target, "--no-cv", "-q", "-o", tmp_path / "m"]
        out = tmp_path / "m"
    else:
        args = ["predict", "-m", target, report, "-o", out]
    assert_one_line_error(run_cli(args), target / bad, match, out)


# ------------------------------------------------------------- valid models

def _predictions(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _analysis(record):
    return {key: record[key] for key in ("primary", "confidence", "scores", "themes", "top_terms")}


def reference_load(path):
    """The loader before the hardening, kept as the yardstick: np.load, json and gensim's own
    word2vec reader, no checks. Valid models must give exactly its predictions."""
    from gensim.models import KeyedVectors
    from theme_classifier.features import TfidfTransform
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    with np.load(path / "arrays.npz", allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    from theme_classifier.features import FeaturePipeline
    params = {k: v for k, v in meta["params"].items() if k != "w2v_params"}
    params["ngram_range"] = tuple(params["ngram_range"])
    if params.get("char_ngram_range"):
        params["char_ngram_range"] = tuple(params["char_ngram_range"])
    tfidf = char_tfidf = None
    if "idf" in arrays:
        vocabulary = json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))
        tfidf = TfidfTransform(vocabulary, arrays["idf"], params["ngram_range"])
    if "char_idf" in arrays:
        vocabulary = json.loads((path / "char_vocabulary.json").read_text(encoding="utf-8"))
        char_tfidf = TfidfTransform(vocabulary, arrays["char_idf"], params["char_ngram_range"], "char")
    vectors = None
    if (path / "vectors.npy").exists():
        array = np.load(path / "vectors.npy", allow_pickle=False)
        vectors = KeyedVectors(array.shape[1])
        vectors.add_vectors(json.loads((path / "vector_words.json").read_text(encoding="utf-8")), array)
    model = ThemeClassifier(**params, vectors=vectors)
    model.features_ = FeaturePipeline(None, params["ngram_range"], params["min_df"], params["char_ngram_range"],
                                      params["use_tfidf"], vectors, params["w2v_weight"]).set_fitted(tfidf, char_tfidf)
    model.classes_ = np.array(meta["labels"], dtype=object)
    model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
    model.threshold_ = float(meta["threshold"])
    model.temperature_ = float(meta.get("temperature", 1.0))
    model.labels_ = tuple(params.get("labels") or LABELS)
    return model


@pytest.mark.parametrize("base", ["small", "default"])
def test_valid_model_loads_and_predicts_as_before(tmp_path, bases, report, records, small_model, base):
    target = tmp_path / "model"
    shutil.copytree(bases[base], target)
    out = tmp_path / "out.jsonl"
    result = run_cli(["predict", "-m", target, report, "-o", out, "-q"])
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert result.stderr == ""
    predicted = _predictions(out)
    assert len(predicted) >= 3
    reference = small_model if base == "small" else reference_load(target)
    texts = [r["text"] for r in records[:80]] + [p["text"] for p in predicted]
    loaded, meta = load_model(target)
    assert np.array_equal(loaded.predict_proba(texts), reference.predict_proba(texts))
    assert [_analysis(p) for p in predicted] == analyse(reference, [p["text"] for p in predicted])
    assert loaded.threshold_ == reference.threshold_ and list(loaded.classes_) == list(reference.classes_)


def test_valid_embeddings_still_load(bases, small_vectors):
    from theme_classifier.embeddings import load_vectors
    wv, meta = load_vectors(bases["emb"])
    assert wv.index_to_key == list(small_vectors.index_to_key)
    assert np.array_equal(wv.vectors, small_vectors.vectors)
    assert meta["vector_size"] == VECTOR_SIZE


def test_without_a_path_the_default_model_loads_and_themes_model_overrides_it(tmp_path, bases, monkeypatch):
    """One place says where the default model is, for ``themes`` and ``theme_classifier.load_model``."""
    monkeypatch.delenv("THEMES_MODEL", raising=False)
    assert SHIPPED == DEFAULT_MODEL and default_model_path() == SHIPPED  # the checkout's models/default
    assert load_model()[1]["files"] == load_model(SHIPPED)[1]["files"]
    monkeypatch.setenv("THEMES_MODEL", str(bases["small"]))
    assert default_model_path() == bases["small"]
    assert load_model()[1]["files"] == load_model(bases["small"])[1]["files"] != load_model(SHIPPED)[1]["files"]


def test_model_directory_may_be_reached_through_a_link(tmp_path, bases):
    """Links are refused inside a model directory, not to it."""
    (tmp_path / "link").symlink_to(bases["small"], target_is_directory=True)
    model, _ = load_model(tmp_path / "link")
    assert model.features_.vectors is not None


def test_every_model_parameter_is_type_checked():
    """A new ThemeClassifier parameter must get a check in model.PARAM_CHECKS (config and store use it)."""
    from theme_classifier.model import PARAM_CHECKS
    assert set(ThemeClassifier().get_params()) - {"tokenizer", "vectors"} == set(PARAM_CHECKS)


# ------------------------------------------------------ save, load, refuse (API)

def test_save_and_load_give_identical_predictions(tmp_path, small_model):
    """A round trip with word and character n-grams and word vectors."""
    save_model(small_model, tmp_path / "m", {"training": {"units": 285}})
    loaded, meta = load_model(tmp_path / "m")
    texts = ["全年地区生产总值增长6%。", "新增城镇就业2万人。", "深化放管服改革。"]
    assert small_model.char_ngram_range and small_model.ngram_range == (1, 2)
    assert np.array_equal(loaded.predict_proba(texts), small_model.predict_proba(texts))
    assert analyse(loaded, texts, top_terms=3) == analyse(small_model, texts, top_terms=3)
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["versions"]["scikit-learn"] and meta["versions"]["gensim"] and meta["versions"]["jieba"]
    assert meta["labels"] == list(small_model.classes_)
    assert not any(p.suffix in {".pkl", ".pickle", ".joblib"} for p in (tmp_path / "m").iterdir())


def test_a_model_of_the_first_format_still_loads_and_predicts_the_same(tmp_path, small_model):
    save_model(small_model, tmp_path / "new")
    shutil.copytree(tmp_path / "new", tmp_path / "old")
    as_format_1(tmp_path / "old")
    assert not (tmp_path / "old" / "vectors.npy").exists()
    texts = ["全年地区生产总值增长6%。", "深入打好污染防治攻坚战。"]
    new, old = load_model(tmp_path / "new")[0], load_model(tmp_path / "old")[0]
    assert np.array_equal(old.predict_proba(texts), new.predict_proba(texts))


class _Payload:
    def __reduce__(self):
        import os
        return os.system, ("touch PWNED",)


def test_loading_refuses_a_planted_pickle_payload(tmp_path, small_model, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model_dir = tmp_path / "m"
    save_model(small_model, model_dir)
    # 1. an object array with a pickle payload in place of the arrays
    np.save(tmp_path / "evil.npy", np.array([_Payload()], dtype=object), allow_pickle=True)
    with np.load(model_dir / "arrays.npz") as data:
        arrays = dict(data)
    arrays["coef"] = np.array([_Payload()], dtype=object)
    np.savez(model_dir / "arrays.npz", **arrays)
    meta = json.loads((model_dir / "meta.json").read_text())
    from theme_classifier.embeddings import file_sha256
    meta["files"]["arrays.npz"] = file_sha256(model_dir / "arrays.npz")  # even with a matching checksum
    (model_dir / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="refusing to load"):
        load_model(model_dir)
    # 2. a pickle file dropped into the directory
    save_model(small_model, model_dir)
    (model_dir / "model.pkl").write_bytes(pickle.dumps(_Payload()))
    with pytest.raises(ModelError, match="pickle"):
        load_model(model_dir)
    assert not (tmp_path / "PWNED").exists()


def test_tampered_file_is_refused(tmp_path, small_model):
    save_model(small_model, tmp_path / "m")
    with open(tmp_path / "m" / "vocabulary.json", "a", encoding="utf-8") as fh:
        fh.write(" ")
    with pytest.raises(ModelError, match="checksum"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize("damage,message", [
    (lambda d: (d / "meta.json").write_text("{not json"), "corrupt JSON"),
    (lambda d: (d / "meta.json").write_text(
        (d / "meta.json").read_text().replace(f'"format_version": {FORMAT_VERSION}', '"format_version": 99')),
     "format version 99 is newer"),
    (lambda d: (d / "arrays.npz").write_bytes((d / "arrays.npz").read_bytes()[:100]), "checksum"),
    (lambda d: (d / "meta.json").unlink(), "no meta.json"),
])
def test_broken_models_give_clear_errors(tmp_path, small_model, damage, message):
    save_model(small_model, tmp_path / "m")
    damage(tmp_path / "m")
    with pytest.raises(ModelError, match=message):
        load_model(tmp_path / "m")


def test_missing_model_directory(tmp_path):
    with pytest.raises(ModelError, match="no such model directory"):
        load_model(tmp_path / "nothere")


def test_saving_is_atomic_and_replaces(tmp_path, small_model):
    save_model(small_model, tmp_path / "m")
    save_model(small_model, tmp_path / "m")
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary directories left behind


