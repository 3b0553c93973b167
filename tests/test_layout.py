"""The layout keeps its promises: no import cycles between the project's modules, and no module but
competitions.tallies counts medals or decides whose medal it is (README, "Layout")."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["competitions", "students", "config"]


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules imported, at module level or inside a function (an import put inside a
    function to dodge a cycle is still a cycle)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found.update(name for name in names if name in modules)
    return found


def test_no_import_cycles():
    modules = project_modules()
    graph = {name: imports_of(path, modules) - {name} for name, path in modules.items()}
    cycles, state = [], {}

    def visit(name, trail):
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append(" → ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


# What counting looks like in code: tier-filtered counts, the home flag in a filter (a lookup
# given a value; reading the flag to show it is not counting), medal sums.
COUNTING = re.compile(r"Count\([^)]*tier|organization__is_home\s*=|award__tier__in=MEDAL_TIERS\)\s*\)")


def test_only_tallies_counts_medals():
    offenders = []
    for name, path in project_modules().items():
        if name == "competitions.tallies":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if COUNTING.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []
