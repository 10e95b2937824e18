"""The package's layers: every import points down, no module imports another in a circle, and
only ``esrgraph.cli`` imports click (docs/architecture.md draws the layers).

Imports are read from the parsed source, so imports inside functions and under
``TYPE_CHECKING`` count as much as those at the top of a module.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "esrgraph"

#: Bottom to top. A module may import its own layer's modules and any layer below it, never above.
#: Packages on one row are independent of each other.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("io",),
    ("parsers", "sparql"),
    ("mapping",),
    ("validation",),
    ("pipeline",),
    ("quality", "publish"),
    ("outputs",),
    ("server",),
    ("cli",),
]

#: Click belongs to the command line alone.
CLI_ONLY = {"click"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, this: str, modules: frozenset[str] = frozenset()) -> set[str]:
    """Every module ``path`` (module ``this``) imports, as absolute names, wherever the import stands.

    ``from package import name`` counts as importing ``package.name`` when that is one of ``modules``,
    else as importing ``package``.
    """
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                full = f"{module}.{alias.name}"
                found.add(full if full in modules else module)
    return found


def package_graph() -> dict[str, set[str]]:
    """esrgraph module -> the esrgraph modules it imports (names that are modules only)."""
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = frozenset(paths)
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        graph[name] = {m for m in imports_of(path, name, modules) if m in modules and m != name}
    return graph


def layer_of(module: str) -> int | None:
    """The row of ``module`` in LAYERS; None for the package's own ``__init__`` (the API, on top)."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    for rank, row in enumerate(LAYERS):
        if parts[1] in row:
            return rank
    raise AssertionError(f"{module} is in no layer: add its package to LAYERS and to docs/architecture.md")


def test_every_module_has_a_layer() -> None:
    for module in package_graph():
        layer_of(module)


def test_imports_point_down() -> None:
    upward = []
    for module, imported in sorted(package_graph().items()):
        mine = layer_of(module)
        for other in sorted(imported):
            theirs = layer_of(other)
            if theirs is None:
                upward.append(f"{module} imports the package API {other}")
            elif mine is not None and theirs > mine:
                upward.append(f"{module} (layer {LAYERS[mine]}) imports {other} (layer {LAYERS[theirs]})")
            elif mine is not None and theirs == mine and module.split(".")[1] != other.split(".")[1]:
                upward.append(f"{module} imports {other}: packages on one row stay independent")
    assert not upward, "imports that run up or across a layer:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    graph = package_graph()
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail("modules that import each other in a circle: " + " -> ".join(exc.args[1]))


def test_click_only_in_the_cli() -> None:
    offenders = sorted(
        module_name(path)
        for path in PACKAGE.rglob("*.py")
        if module_name(path).split(".")[:2] != ["esrgraph", "cli"]
        and any(m.split(".")[0] in CLI_ONLY for m in imports_of(path, module_name(path)))
    )
    assert not offenders, f"click imported outside esrgraph.cli: {offenders}"


def test_the_checks_see_function_level_imports(tmp_path: Path) -> None:
    """The walk must find an import hidden in a function, or a cycle could hide there."""
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from esrgraph.cli import main\n    import click\n", encoding="utf-8")
    assert imports_of(source, "esrgraph.core.mod") == {"esrgraph.cli", "click"}
