"""Find import cycles between busviewer's modules with grimp (import-linter's engine); exit 1 when there is one.

Every import counts, also those inside functions (a lazy import still ties two modules together); only
imports under ``if TYPE_CHECKING:`` are left out, since they never run. Prints one JSON line:
``{"modules": N, "groups": [[modules tied in a cycle], ...], "cycles": [[a, b, ..., a], ...]}`` with one
shortest cycle per group.

Run: ``.venv/bin/python tools/import_cycles.py [PACKAGE]``
"""

from __future__ import annotations

import json
import sys

import grimp


def find_cycles(package: str = "busviewer") -> tuple[int, list[list[str]], list[list[str]]]:
    """The number of modules in ``package``, the groups of modules tied by cycles, and one cycle per group."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    groups = _strongly_connected(modules, edges)
    return len(modules), groups, [_cycle_through(group, edges) for group in groups]


def _strongly_connected(modules: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only groups of two or more modules (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child_i = work.pop()
            if child_i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = edges.get(node, [])
            if child_i < len(children):
                work.append((node, child_i + 1))
                child = children[child_i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges.get(node, []):
                    groups.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


def _cycle_through(group: list[str], edges: dict[str, list[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group (breadth first)."""
    members = set(group)
    start = group[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in edges.get(node, []):
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return group


def main() -> int:
    package = sys.argv[1] if len(sys.argv) > 1 else "busviewer"
    n_modules, groups, cycles = find_cycles(package)
    print(json.dumps({"modules": n_modules, "groups": groups, "cycles": cycles}))
    return 1 if cycles else 0


if __name__ == "__main__":
    raise SystemExit(main())
