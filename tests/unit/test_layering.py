"""Layering: api/domain never load Textual or Rich, domain never loads httpx, imports point down.

Two independent checks, because either alone can be fooled: import-linter reads the import
graph statically (contracts in pyproject.toml), and a fresh interpreter imports every module
under koomap_tui.api and koomap_tui.domain and then looks at sys.modules (catches imports made
through importlib or by a dependency). Modules are discovered, so packages that do not exist
yet are simply not checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LINT_IMPORTS = BIN / "lint-imports"

# Contracts only this test adds (none today: every contract lives in pyproject.toml).
EXTRA_CONTRACTS: list[dict[str, Any]] = []


def _ini_value(value: Any) -> str:
    if isinstance(value, list):
        return "".join(f"\n    {item}" for item in value)
    return str(value)


def _config_from_pyproject(extra: list[dict[str, Any]]) -> str:
    """The [tool.importlinter] table of pyproject.toml as an INI config lint-imports accepts.

    Forbidding external packages (textual, rich, httpx) needs include_external_packages, and an
    ignore_imports line with no match (the simulator is imported lazily today) must not fail.
    """
    table = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    cfg = dict(table["tool"]["importlinter"])
    contracts = list(cfg.pop("contracts")) + extra
    cfg["include_external_packages"] = True
    lines = ["[importlinter]"]
    lines += [f"{key} = {_ini_value(value)}" for key, value in cfg.items()]
    for number, contract in enumerate(contracts):
        contract = dict(contract)
        if "ignore_imports" in contract:
            contract.setdefault("unmatched_ignore_imports_alerting", "none")
        lines.append(f"\n[importlinter:contract:{number}]")
        lines += [f"{key} = {_ini_value(value)}" for key, value in contract.items()]
    return "\n".join(lines) + "\n"


def _lint(args: list[str]) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.skip("lint-imports is not installed in this environment")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_import_linter_contracts_hold(tmp_path: Path) -> None:
    config = tmp_path / "importlinter.ini"
    config.write_text(_config_from_pyproject(EXTRA_CONTRACTS), encoding="utf-8")
    result = _lint([str(config)])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    table = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    count = len(table["tool"]["importlinter"]["contracts"]) + len(EXTRA_CONTRACTS)
    assert f"Contracts: {count} kept, 0 broken" in result.stdout


def test_pyproject_import_linter_config_runs_as_is() -> None:
    """`lint-imports` as CI runs it, with every contract of pyproject.toml."""
    result = _lint([])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    for name in (
        "services never import Textual or Rich",
        "the simulator is independent of the rest of koomap_tui",
        "widgets never import screens, the app or the view table",
        "render builds text from models: never screens, forms, the app or the view table",
        "screens never import the app or the view table",
    ):
        assert f"{name} KEPT" in result.stdout


def _ui_import_cycles() -> list[list[str]]:
    """Groups of ui modules that import each other (strongly connected), counting imports
    made inside functions too: deferring an import hides a cycle, it does not remove it."""
    import grimp

    graph = grimp.build_graph("koomap_tui", exclude_type_checking_imports=True)
    ui = sorted(m for m in graph.modules if m.startswith("koomap_tui.ui"))
    edges = {
        m: sorted(
            i for i in graph.find_modules_directly_imported_by(m) if i.startswith("koomap_tui.ui")
        )
        for m in ui
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in ui:
        if module not in index:
            visit(module)
    return groups


def test_no_import_cycle_inside_ui() -> None:
    assert _ui_import_cycles() == []


def test_the_view_table_is_static() -> None:
    """Views are looked up in a table of factories, never imported by name at run time."""
    source = (ROOT / "koomap_tui" / "ui" / "navigation.py").read_text(encoding="utf-8")
    assert "importlib" not in source and "__import__" not in source


# Runs in a fresh interpreter: pre-imports the layer's allowed third-party dependencies (httpx
# itself loads rich for its optional CLI when click is installed, which is not our doing), then
# imports every module of the package while a builtins.__import__ hook records any import
# statement in a koomap_tui module that names a forbidden package.
_PROBE = textwrap.dedent(
    """
    import builtins, importlib, json, pkgutil, sys

    package_name, forbidden, allowed = sys.argv[1], set(sys.argv[2].split(",")), sys.argv[3]
    for dep in filter(None, allowed.split(",")):
        importlib.import_module(dep)
    baseline = {name.split(".")[0] for name in sys.modules}
    direct = []
    original = builtins.__import__

    def hook(name, globals=None, locals=None, fromlist=(), level=0):
        importer = (globals or {}).get("__name__", "")
        if level == 0 and importer.startswith("koomap_tui") and name.split(".")[0] in forbidden:
            direct.append([importer, name])
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = hook
    package = importlib.import_module(package_name)
    imported, failed = [package_name], {}
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except Exception as exc:  # a module under construction must not hide the others
            failed[info.name] = repr(exc)[:200]
    builtins.__import__ = original
    # A None entry is a module blocked from import (api/__init__ blocks httpx's CLI), not loaded.
    roots = {name.split(".")[0] for name, mod in sys.modules.items() if mod is not None}
    print(json.dumps({
        "imported": imported,
        "failed": failed,
        "roots": sorted(roots),
        "new_roots": sorted(roots - baseline),
        "direct": direct,
    }))
    """
)


def _probe(package: str, forbidden: set[str], allowed: tuple[str, ...] = ()) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, package, ",".join(sorted(forbidden)), ",".join(allowed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


@pytest.mark.parametrize(
    ("package", "forbidden", "allowed"),
    [
        ("koomap_tui.api", {"textual", "rich"}, ("httpx",)),
        ("koomap_tui.domain", {"textual", "rich", "httpx"}, ()),
    ],
)
def test_runtime_imports_stay_in_their_layer(
    package: str, forbidden: set[str], allowed: tuple[str, ...]
) -> None:
    if not (ROOT / package.replace(".", "/")).is_dir():
        pytest.skip(f"{package} does not exist yet")
    data = _probe(package, forbidden, allowed)
    assert data["imported"], "nothing was imported"
    assert not data["direct"], f"forbidden import statements: {data['direct']}"
    loaded = forbidden & set(data["new_roots"])
    assert not loaded, f"importing {data['imported']} loaded {sorted(loaded)}"
    assert not data["failed"], f"modules that failed to import: {data['failed']}"


def test_domain_loads_none_of_them_at_all() -> None:
    """Without any pre-import, the domain layer leaves textual, rich and httpx unloaded."""
    data = _probe("koomap_tui.domain", {"textual", "rich", "httpx"})
    assert not {"textual", "rich", "httpx"} & set(data["roots"])


def test_probe_would_notice_a_forbidden_import() -> None:
    """The sys.modules check is real: probing the UI package does see textual."""
    if not (ROOT / "koomap_tui" / "ui").is_dir():
        pytest.skip("ui package not present")
    data = _probe("koomap_tui.ui", {"textual"})
    assert "textual" in data["new_roots"]
    assert data["direct"], "the hook saw no `import textual` in koomap_tui.ui"
