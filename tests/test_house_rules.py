"""The machinery keeps the shape a newcomer can read: small files, short functions, imports that
show how the parts connect (no sys.path edits, no test importing a test), comments on their own line.
"""

import ast
import io
import tokenize

import pytest

from engine.paths import REPO, SNIPPETS, rel

# Topic tests (tests/test_<library>.py) are content: their authors keep them.
TOPIC_TESTS = {f"test_{p.name}.py" for p in SNIPPETS.iterdir() if p.is_dir()}
MACHINERY = sorted(
    path
    for folder in ("engine", "hooks", "scripts", "tests")
    for path in (REPO / folder).rglob("*.py")
    if path.name not in TOPIC_TESTS
)
MAX_FILE_LINES = {"engine": 250, "hooks": 250}
MAX_FUNCTION_LINES = 40


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


@pytest.mark.parametrize("path", MACHINERY, ids=rel)
def test_files_and_functions_stay_short(path):
    text = path.read_text(encoding="utf-8")
    limit = MAX_FILE_LINES.get(rel(path).split("/")[0])
    lines = len(text.splitlines())
    assert limit is None or lines <= limit, f"{rel(path)} has {lines} lines (at most {limit})"
    long = [
        f"{rel(path)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in _functions(ast.parse(text))
        if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


@pytest.mark.parametrize("path", MACHINERY, ids=rel)
def test_imports_show_the_ties(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("insert", "append"):
            target = node.value
            assert not (
                isinstance(target, ast.Attribute)
                and target.attr == "path"
                and getattr(target.value, "id", "") == "sys"
            ), f"{rel(path)}:{node.lineno}: import the engine instead of editing sys.path"
        if isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in getattr(node, "names", [])]
            assert not any(name.startswith(("test_", "conftest")) for name in names), (
                f"{rel(path)}:{node.lineno}: a test imports a test; move shared code to engine/"
            )


@pytest.mark.parametrize("path", [p for p in MACHINERY if not p.match("tests/**")], ids=rel)
def test_comments_stand_on_their_own_line(path):
    """A comment at the end of a line is split over three by the formatter when the code grows."""
    text = path.read_text(encoding="utf-8")
    trailing = [
        f"{rel(path)}:{token.start[0]}: {token.string}"
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type == tokenize.COMMENT
        and text.splitlines()[token.start[0] - 1][: token.start[1]].strip()
        and not token.string.startswith(("# noqa", "# type:"))
    ]
    assert not trailing, "put these comments on their own line above the code:\n" + "\n".join(
        trailing
    )


def test_every_engine_module_has_its_unit_tests():
    modules = {p.stem for p in (REPO / "engine").glob("*.py") if p.stem != "__init__"}
    tested = {p.stem.removeprefix("test_") for p in (REPO / "tests" / "engine").glob("test_*.py")}
    assert modules <= tested, (
        f"engine modules without tests/engine/test_<module>.py: {modules - tested}"
    )


def test_every_engine_module_is_in_the_package_map():
    """engine/__init__.py lists each module with its concern: the layout a newcomer reads first."""
    described = (REPO / "engine" / "__init__.py").read_text(encoding="utf-8")
    for module in (REPO / "engine").glob("*.py"):
        if module.stem != "__init__":
            assert f"- {module.stem}:" in described, (
                f"engine/__init__.py does not list {module.stem}"
            )


def test_every_module_says_why_it_exists():
    """A module docstring, a few lines of why (conftest.py and the netguard say it in comments)."""
    missing = [
        rel(path)
        for path in MACHINERY
        if path.name != "conftest.py" and path.stat().st_size
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not missing, f"modules without a docstring: {missing}"
