"""The folder layout is the architecture: no stage imports one that DEVELOPERS.md does not allow.

The table of stages in DEVELOPERS.md is the rule. Every import in the package,
at module level or inside a function, is checked against it statically; then
each stage's modules are imported in a fresh interpreter, which must load no
module of a stage the table does not allow (a dynamic import included).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT

PACKAGE = ROOT / "labelcheck"
FACADE = {"__init__", "__main__", "guard"}  # the top-level modules: the public API and the command
STAGE_ROW = re.compile(r"^\| `(\w+)/` \| [^|]+ \| ([^|]+) \|$")


def stages() -> dict[str, set[str]]:
    """Each stage and the stages it may import, from DEVELOPERS.md's table."""
    text = (ROOT / "DEVELOPERS.md").read_text("utf-8")
    table = text.split("<!-- stages:", 1)[1].split("<!-- /stages -->", 1)[0]
    allowed: dict[str, set[str]] = {}
    for line in table.splitlines():
        match = STAGE_ROW.match(line.strip())
        if match:
            stage, imports = match.groups()
            allowed[stage] = {"*"} if imports.strip() == "every stage" else set(re.findall(r"`(\w+)`", imports))
    assert allowed, "DEVELOPERS.md has no table of stages"
    return allowed


STAGES = stages()


def stage_of(module: str) -> str | None:
    """The stage of a dotted module name inside labelcheck; None for the facade and outside modules."""
    parts = module.split(".")
    if parts[0] != "labelcheck" or len(parts) < 2 or parts[1] in FACADE:
        return None
    return parts[1]


def module_name(path, root=ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path, root=ROOT) -> set[str]:
    """The absolute names of every module ``path`` imports, anywhere in it."""
    name = module_name(path, root)
    package = (name if path.name == "__init__.py" else name.rsplit(".", 1)[0]).split(".")
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # from . import module
    return found


def allowed(importer: str, imported: str) -> bool:
    rule = STAGES[importer]
    return imported == importer or "*" in rule or imported in rule


def upward_imports(path, root=ROOT) -> list[str]:
    """The modules ``path`` imports from stages its own stage may not import."""
    importer = stage_of(module_name(path, root))
    if importer is None:
        return []  # the facade may import every stage
    return sorted(
        module for module in imported_modules(path, root)
        if (stage := stage_of(module)) is not None and not allowed(importer, stage)
    )


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_sub_package_is_a_stage_in_the_table():
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert packages == set(STAGES), "add the new sub-package to DEVELOPERS.md's table of stages"
    top_level = {path.stem for path in PACKAGE.glob("*.py")}
    assert top_level == FACADE, "a new top-level module belongs in a stage's folder"


def test_the_table_allows_only_lower_stages():
    """The rule itself has no cycle: each stage imports only stages listed above it."""
    order = list(STAGES)
    for stage, imports in STAGES.items():
        if "*" not in imports:
            assert all(order.index(other) < order.index(stage) for other in imports), stage


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_each_stage_says_what_it_owns_and_may_import(stage):
    doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text("utf-8"))) or ""
    said = re.search(r"^May import: (.*)$", doc, re.M)
    assert said, f"labelcheck/{stage}/__init__.py: its docstring says what the stage owns and 'May import: ...'"
    rule = STAGES[stage]
    if "*" in rule:
        assert said.group(1).startswith("every stage")
    elif not rule:
        assert said.group(1).startswith("nothing")
    else:
        assert set(re.findall(r"``(\w+)``", said.group(1))) == rule


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_import_runs_upward(path):
    wrong = upward_imports(path)
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}: not allowed by DEVELOPERS.md's table of stages"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_importing_a_stage_loads_only_what_it_may_import(stage):
    modules = [module_name(path) for path in MODULES if stage_of(module_name(path)) == stage]
    modules = [m for m in modules if m != "labelcheck.training.retinanet"]  # needs torch, imported when called
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('labelcheck.'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded = json.loads(result.stdout)
    wrong = sorted(m for m in loaded if (other := stage_of(m)) is not None and not allowed(stage, other))
    assert not wrong, f"importing {stage} loads {wrong}"


@pytest.mark.parametrize(
    "source",
    ["def f():\n    from ..scanning.engine import scan\n", "import labelcheck.cli.commands\n",
     "from .. import fixing\n", "from ..readers import plain\n"],
)
def test_an_upward_import_is_caught(tmp_path, source):
    """The check can fail: a core module importing a higher stage, lazily or not, is reported."""
    probe = tmp_path / "labelcheck" / "core" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(source, "utf-8")
    assert upward_imports(probe, root=tmp_path)


def test_the_readme_names_the_same_stages_in_the_same_order():
    text = (ROOT / "README.md").read_text("utf-8")
    paragraph = text.split("<!-- stages-line:", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"`(\w+)/`", paragraph) == list(STAGES)
