"""The layout docs/architecture.md describes, kept true: stage order, thin CLI, small estimator,
docstrings, and a test file per module."""

import ast

import pytest

from conftest import ROOT

PACKAGE = ROOT / "theme_classifier"
#: Every module, in stage order: a module may import only modules before it (and the package).
STAGES = ["errors", "atomic", "records", "label_set", "reading", "regions", "units", "tokenize", "embeddings", "features",
          "model", "quantify", "store", "labels", "agreement", "pages", "reporting", "prediction", "evaluation",
          "training", "silver", "suggest", "api", "cli"]
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))


def _tree(module):
    return ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))


def _imported(module):
    """Modules of the package that ``module`` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names if alias.name in STAGES)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("theme_classifier."):
            found.add(node.module.split(".")[1])
    return found - {"models"}


def test_every_module_has_a_stage():
    assert sorted(STAGES) == MODULES


@pytest.mark.parametrize("module", STAGES)
def test_no_module_imports_one_of_a_later_stage(module):
    later = {m for m in _imported(module) if STAGES.index(m) >= STAGES.index(module)}
    assert not later, f"{module} imports {sorted(later)}, which come after it in the stage order"


@pytest.mark.parametrize("module", MODULES)
def test_module_and_public_api_have_docstrings(module):
    tree = _tree(module)
    assert ast.get_docstring(tree), f"{module}.py has no module docstring"
    missing = [node.name for node in tree.body
               if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
               and not ast.get_docstring(node) and not any(isinstance(d, ast.Attribute) or
                                                          isinstance(d, ast.Call) for d in node.decorator_list)]
    assert not missing, f"{module}: no docstring on {missing}"


@pytest.mark.parametrize("module", MODULES)
def test_every_module_has_its_test_file(module):
    assert (ROOT / "tests" / f"test_{module}.py").is_file()


def test_the_estimator_stays_small():
    [cls] = [n for n in _tree("model").body if isinstance(n, ast.ClassDef) and n.name == "ThemeClassifier"]
    assert cls.end_lineno - cls.lineno + 1 < 120


def _commands():
    for node in _tree("cli").body:
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ("command", "group")
                for d in node.decorator_list):
            yield node


def test_cli_commands_are_thin():
    """A command parses options, calls one library function and formats its result."""
    commands = list(_commands())
    assert len(commands) >= 12
    for node in commands:
        body = node.body[1:] if ast.get_docstring(node) else node.body
        length = body[-1].end_lineno - body[0].lineno + 1 if body else 0
        assert length <= 15, f"themes {node.name}: {length} lines"
        assert "Example:" in (ast.get_docstring(node) or ""), f"themes {node.name} --help has no example"
