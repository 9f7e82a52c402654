#!/usr/bin/env python3
"""Screenshots of the report pages for the README, made from the seed reports (never the corpus,
whose text must stay out of the repository) with the shipped model and headless Chromium.

    .venv/bin/python scripts/screenshots.py               # docs/images/report_{index,page}.png
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


if __name__ == "__main__":
    main()
