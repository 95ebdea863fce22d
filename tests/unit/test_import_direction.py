"""Imports point one way (the developers' guide): entry points (`cli`, `api`, `dashboard`) → the application
(`ledger`, `delivery`, `auth`) → `runner`, `log`, `store` → `projections` → `events`; nothing imports what
stands above it, at the top of a module or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEVELS = {"events": 0, "projections": 1, "services.store": 2, "services.log": 2, "services.runner": 2,
          "services.ledger": 3, "services.delivery": 3, "services.auth": 3,
          "services.api": 4, "services.cli": 4, "services.dashboard": 4}


def level(module: str) -> int | None:
    found = [lvl for name, lvl in LEVELS.items() if module == name or module.startswith(name + ".")]
    return found[-1] if found else None


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
    return out


def test_nothing_imports_what_stands_above_it() -> None:
    upward = []
    for path in sorted([*ROOT.glob("events/**/*.py"), *ROOT.glob("projections/**/*.py"),
                        *ROOT.glob("services/**/*.py")]):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        mine = level(module)
        if mine is None:
            continue
        for line, name in imported(ast.parse(path.read_text(), str(path))):
            theirs = level(name)
            if theirs is not None and theirs > mine:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert upward == []


def test_the_check_sees_an_upward_import() -> None:
    tree = ast.parse("def f():\n    from services.ledger.queries import farm_view\n")
    assert [level(name) for _, name in imported(tree)] == [3]
    assert level("services.runner.sweep") == 2
