"""Which files under some paths are scenarios (``canarysim test PATH...``).

A file named on the command line is taken as a scenario whatever it holds (loading it reports
what is wrong). A directory is searched recursively, in name order, skipping hidden
directories: a ``.yaml``/``.yml`` file is a scenario when it holds one YAML mapping that is not
a Kubernetes object (no ``apiVersion`` and ``kind``). A file that does not parse is kept, so
that loading it names the error instead of hiding it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from canarysim.declarations.yamlio import read_documents, scenario_error
from canarysim.errors import ScenarioError

__all__ = ["find_scenarios"]

_SUFFIXES = (".yaml", ".yml")


def _is_scenario(path: Path) -> bool:
    try:
        docs = read_documents(path)
    except ScenarioError:
        return True
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        return False
    return not {"apiVersion", "kind"} <= set(docs[0].data)


def find_scenarios(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files of ``paths`` (files as given, directories searched), without repeats.
    Raises :class:`ScenarioError` for a path that does not exist."""
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in _SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1])
            )
            chosen = [p for p in candidates if _is_scenario(p)]
        elif path.is_file():
            chosen = [path]
        else:
            raise scenario_error(
                str(path), "", "a scenario file or a directory", got="no such path"
            )
        for p in chosen:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                found.append(p)
    return found
