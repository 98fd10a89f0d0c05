"""How the code is laid out: the dependency between the two apps points one way.

``articles`` (pieces, their authors and tags) cites ``references`` (the library, studies,
conditions); the library never imports the pieces. It reaches them only through the relation
the articles app declares (``Reference.articles``), so either app's modules import cleanly
with the other's in any state, and a change to a piece's code cannot break the library's.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def modules(app):
    return sorted(path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts)


def imported(path):
    """Every module ``path`` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", modules("references"), ids=lambda path: str(path.relative_to(ROOT)))
def test_the_library_imports_nothing_from_the_pieces(path):
    assert not {name for name in imported(path) if name == "articles" or name.startswith("articles.")}


def test_each_library_module_imports_on_its_own():
    """Each module of the library, imported alone in a fresh interpreter (nothing of articles loaded
    first by someone else) works, and leaves the articles app's modules unloaded."""
    names = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in modules("references")
    ]
    script = (
        "import django, importlib, sys\n"
        "django.setup()\n"
        "loaded_by_setup = {name for name in sys.modules if name.startswith('articles')}\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "extra = {name for name in sys.modules if name.startswith('articles')} - loaded_by_setup\n"
        "assert not extra, sorted(extra)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
