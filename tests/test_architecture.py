"""The dependency rules of the code base, checked over the import graph (ast, no imports run).

* Nothing below the handlers (services, domain, storage, payments, matching, i18n and the
  small kernel modules) imports python-telegram-bot: the use cases run without Telegram.
* The domain imports nothing of the project but the errors and the text markers.
* Services never see the whole `Settings` (bot.config): each takes a small config of the
  values it uses, filled by the composition root.
* No import cycles among the modules of `bot` (every import counts, also those inside a
  function or under TYPE_CHECKING: a cycle hidden there is still a knot for the reader).
* The product never imports the simulator, except the demo, which drives it; the simulator
  imports nothing of the product (it serves any python-telegram-bot bot).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIM = "telegram_sim"

#: Packages and modules below the handlers: they must not know Telegram.
BELOW_HANDLERS = (
    "bot.services",
    "bot.domain",
    "bot.storage",
    "bot.payments",
    "bot.matching",
    "bot.i18n",
    "bot.errors",
    "bot.clock",
    "bot.config",
    "bot.callbacks",
)
DOMAIN_MAY_IMPORT = ("bot.domain", "bot.errors", "bot.i18n.markers")
#: Where the product may drive the simulator: the demo and its local wiring.
MAY_IMPORT_SIM = ("bot.demo",)


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules(package: str) -> dict[str, Path]:
    """Every module of `package` (migrations included: they are code too) by dotted name."""
    return {
        _module_name(path): path
        for path in sorted((ROOT / package).rglob("*.py"))
        if "tests" not in path.relative_to(ROOT / package).parts
    }


def _imports(module: str, path: Path) -> Iterator[str]:
    """The dotted names `module` imports; `from pkg import name` yields `pkg.name` when that
    is a module of the project, `pkg` otherwise."""
    known = _modules("bot") | _modules(SIM)
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if full in known else base


def _edges(package: str) -> dict[str, set[str]]:
    return {name: set(_imports(name, path)) for name, path in _modules(package).items()}


def test_nothing_below_the_handlers_imports_telegram() -> None:
    offenders = {
        module: sorted(i for i in imported if _within(i, ("telegram",)))
        for module, imported in _edges("bot").items()
        if _within(module, BELOW_HANDLERS)
    }
    assert {m: i for m, i in offenders.items() if i} == {}


def test_the_domain_imports_only_errors_and_text_markers() -> None:
    offenders = {
        module: sorted(
            i for i in imported if _within(i, ("bot",)) and not _within(i, DOMAIN_MAY_IMPORT)
        )
        for module, imported in _edges("bot").items()
        if _within(module, ("bot.domain",))
    }
    assert {m: i for m, i in offenders.items() if i} == {}


def test_services_take_narrow_configs_not_the_settings() -> None:
    offenders = sorted(
        module
        for module, imported in _edges("bot").items()
        if _within(module, ("bot.services",)) and "bot.config" in imported
    )
    assert offenders == []


def test_the_product_imports_the_simulator_only_in_the_demo() -> None:
    offenders = {
        module: sorted(i for i in imported if _within(i, (SIM,)))
        for module, imported in _edges("bot").items()
        if not _within(module, MAY_IMPORT_SIM)
    }
    assert {m: i for m, i in offenders.items() if i} == {}


def test_the_simulator_imports_nothing_of_the_product() -> None:
    offenders = {
        module: sorted(i for i in imported if _within(i, ("bot",)))
        for module, imported in _edges(SIM).items()
    }
    assert {m: i for m, i in offenders.items() if i} == {}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in graph:
                continue
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_bot_modules() -> None:
    assert _cycles(_edges("bot")) == []


def test_no_import_cycles_in_the_simulator() -> None:
    assert _cycles(_edges(SIM)) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
