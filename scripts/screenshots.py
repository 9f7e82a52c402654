#!/usr/bin/env python3
"""Screenshots of the report pages for the README, made with the shipped model and headless Chromium:
the index and a report's page of the seed reports, and with --corpus the index of the whole
corpus (a table of report names and shares: no paragraph of the corpus is shown) and its
ecology-by-year plot. With --corpus it also measures the report folder (index size, pages, font)
and writes the figures to docs/benchmarks.md.

    .venv/bin/python scripts/screenshots.py               # docs/images/report_{index,page}.png
    .venv/bin/python scripts/screenshots.py --corpus ../shared/corpus/reports
    .venv/bin/python scripts/screenshots.py --out /tmp/x  # somewhere else

Chromium is Debian's (apt-get install chromium). No Chinese system font is needed: the pages
carry their own font subset, which is what the screenshots show.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The seed report whose page is shown.
REPORT = "004_368e49043dcb499b"
# Without the networking flags Chromium reaches for the network, which hangs on a closed one.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--virtual-time-budget=10000"]


def screenshot(chromium, page, png, profile, size="1280,1100"):
    """Save a screenshot of HTML file ``page`` as ``png``."""
    subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size}", f"--screenshot={png}",
                    page.as_uri()], check=True, capture_output=True, timeout=180)


def main():
    """Predict the seeds with --report, then screenshot the index and one report's page."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="folder for the two PNGs")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--corpus", type=Path, help="also the whole corpus: its index, plot and folder sizes")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from theme_classifier.pages import INDEX, PAGES_DIR, page_name
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "seeds"
        subprocess.run([sys.executable, "-m", "theme_classifier", "predict", str(ROOT / "seeds"), "--report",
                        str(report), "-q"], check=True, cwd=ROOT)
        args.out.mkdir(parents=True, exist_ok=True)
        screenshot(args.chromium, report / INDEX, args.out / "report_index.png", Path(tmp) / "profile")
        screenshot(args.chromium, report / PAGES_DIR / page_name(REPORT), args.out / "report_page.png",
                   Path(tmp) / "profile")
    print(f"{args.out / 'report_index.png'}\n{args.out / 'report_page.png'}")
    if args.corpus:
        corpus_shots(args)


def corpus_shots(args):
    """``themes predict CORPUS --jobs 2 --report``: screenshot the index, keep the ecology plot,
    and publish the sizes of the folder."""
    from theme_classifier.pages import FONT_FILE, INDEX, PAGES_DIR
    sys.path.insert(0, str(ROOT / "scripts"))
    from benchlib import machine_line, publish, table
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "corpus"
        subprocess.run([sys.executable, "-m", "theme_classifier", "predict", str(args.corpus), "--jobs", "2",
                        "--report", str(report), "-q"], check=True, cwd=ROOT)
        screenshot(args.chromium, report / INDEX, args.out / "corpus_index.png", Path(tmp) / "profile")
        shutil.copy(report / "by_year_ecology.png", args.out / "corpus_by_year_ecology.png")
        pages = list((report / PAGES_DIR).glob("*.html"))
        sizes = [("index page (`report.html`)", (report / INDEX).stat().st_size),
                 (f"report pages (`{PAGES_DIR}/`, {len(pages)} files)", sum(p.stat().st_size for p in pages)),
                 (f"font subset (`{FONT_FILE}`)", (report / FONT_FILE).stat().st_size)]
    text = table(f"Run {machine_line()}; `themes predict {args.corpus.name} --jobs 2 --report` on the corpus.",
                 ["file", "size:"], [[name, f"{size / 2 ** 20:.2f} MB"] for name, size in sizes])
    publish(text, ROOT / "docs" / "benchmarks.md", "report-pages", write=args.out == ROOT / "docs" / "images")


if __name__ == "__main__":
    main()
