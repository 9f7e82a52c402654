"""The package as a researcher installs it: a built wheel carries the default model."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SEEDS


@pytest.mark.slow
def test_a_wheel_installed_elsewhere_predicts_with_its_own_default_model(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = list(wheels.glob("theme_classifier-*.whl"))
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-2000:]
    assert (target / "theme_classifier" / "models" / "default" / "meta.json").is_file()
    # Run from elsewhere, with the installed copy first on the path (dependencies come from this venv).
    env = {k: v for k, v in os.environ.items() if k != "THEMES_MODEL"}
    env["PYTHONPATH"] = str(target)
    work = tmp_path / "work"
    work.mkdir()
    out = work / "p.jsonl"
    code = "import sys, theme_classifier.cli as c; print(c.__file__); sys.argv[0] = 'themes'; c.main()"
    result = subprocess.run([sys.executable, "-c", code, "predict", str(SEEDS / "002_088e3680e28b441a.txt"),
                             "-o", str(out), "-q"], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(str(target))  # the wheel's copy ran, not the checkout
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows and all(r["primary"] for r in rows)
