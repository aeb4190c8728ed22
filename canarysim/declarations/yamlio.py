"""Reading YAML safely, remembering where every value came from.

Every file canarysim reads goes through :func:`read_documents`. It exists for two reasons:

* **Line numbers.** A message such as ``rollout.yaml:14: spec.strategy.canary.steps[0].setWeight:
  expected a whole number between 0 and 100`` needs the line of each value. PyYAML's nodes carry
  marks; we convert nodes to plain Python ourselves and keep a ``{path: line}`` map beside the
  data, so the data stays plain ``dict``/``list`` (the Istio rewriter edits those directly).
* **Hostile input.** Malformed YAML, non-UTF-8 bytes, duplicate keys, numbers no Kubernetes
  object can hold, nesting thousands deep and alias "bombs" (a few lines that expand to billions
  of nodes, or anchors that contain themselves) must all end as one
  :class:`~canarysim.errors.ScenarioError` naming file and line, never as a traceback or a hang.

Scalars follow YAML 1.1 as PyYAML (and Kubernetes' go-yaml) resolve them, with two Kubernetes
habits: timestamps stay strings, and mapping keys are always strings.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from canarysim.declarations.bulk import without_collector
from canarysim.errors import ScenarioError

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "STDIN",
    "STDIN_NAME",
    "Document",
    "Path_",
    "format_path",
    "parse_documents",
    "read_documents",
    "read_stdin",
    "read_text",
    "scenario_error",
]

#: Largest file we read (a real manifest bundle is a few hundred kilobytes).
MAX_BYTES = 8 * 1024 * 1024
#: Deepest nesting of collections accepted (real manifests stay below 20).
MAX_DEPTH = 64
#: Most values one document may expand to once aliases are followed.
MAX_NODES = 200_000
#: Largest magnitude of an integer: Kubernetes fields are at most int64.
MAX_INT = (1 << 63) - 1

Path_ = tuple[str | int, ...]
"""A location in a document: mapping keys and list indices, e.g. ``("spec", "steps", 0)``."""


def format_path(path: Path_) -> str:
    """``("spec", "steps", 0, "setWeight")`` -> ``"spec.steps[0].setWeight"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class Document:
    """One YAML document: its data, and the 1-based line of every path inside it."""

    file: str
    index: int
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    @property
    def line(self) -> int:
        """Line where the document starts."""
        return self.lines.get((), 1)

    def line_of(self, path: Path_) -> int:
        """Line of ``path``, or of its closest recorded ancestor."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.line


def scenario_error(
    file: str, field: str, expected: str, *, line: int | None = None, got: str | None = None
) -> ScenarioError:
    """A :class:`ScenarioError` that reads well with or without a field: without one, the
    message is ``file:line: expected ...`` too."""
    if not field and not expected.startswith("expected "):
        expected = "expected " + expected
    return ScenarioError(file, field, expected, line=line, got=got)


#: libyaml's C parser when PyYAML was built with it (same events, nodes and marks as the pure
#: Python one, several times faster: what keeps a 10,000-object manifest file quick).
_BASE_LOADER: Any = (
    yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
)


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """SafeLoader that never constructs Python objects itself (we walk the nodes)."""


def read_text(path: str | Path, *, display: str | None = None) -> str:
    """Read a UTF-8 text file, or raise ScenarioError saying why it cannot be read."""
    name = display or str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise scenario_error(name, "", "a file, not a directory")
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise scenario_error(name, "", f"a file of at most {MAX_BYTES} bytes", got=f"{size}")
        raw = p.read_bytes()
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise scenario_error(name, "", "an existing file", got="no such file") from None
    except OSError as exc:
        raise scenario_error(name, "", "a readable file", got=exc.strerror or str(exc)) from None
    return decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    """Decode UTF-8 (a BOM is tolerated); name the first bad byte otherwise."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise scenario_error(name, "", "UTF-8 text", line=line, got=f"byte 0x{bad}") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise scenario_error(name, "", "text, not binary data", line=line, got="a NUL character")
    return text


#: The file name ``-`` means standard input, as with kubectl (``helm template ... | -f -``).
STDIN = "-"
#: How errors name standard input.
STDIN_NAME = "<stdin>"


def read_stdin() -> str:
    """Standard input as text (at most :data:`MAX_BYTES`)."""
    raw = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise scenario_error(STDIN_NAME, "", f"at most {MAX_BYTES} bytes on standard input")
    return decode(raw, STDIN_NAME)


def read_documents(path: str | Path, *, display: str | None = None) -> list[Document]:
    """Read every non-empty YAML document of a file (``-``: of standard input)."""
    if str(path) == STDIN:
        return parse_documents(read_stdin(), STDIN_NAME)
    name = display or str(path)
    return parse_documents(read_text(path, display=name), name)


@without_collector
def parse_documents(text: str, name: str) -> list[Document]:
    """Parse YAML text into :class:`Document` s (empty documents are skipped)."""
    if len(text) > MAX_BYTES:
        raise scenario_error(name, "", f"at most {MAX_BYTES} characters", got=f"{len(text)}")
    _prescan(text, name)
    docs: list[Document] = []
    try:
        # Each document is walked as soon as it is composed, so only one document's nodes
        # are alive at a time (not a whole file's: fewer objects to allocate and keep).
        for i, node in enumerate(yaml.compose_all(text, Loader=_Loader)):
            if node is None:
                continue
            walker = _Walker(name)
            data = walker.value(node, (), ())
            if data is None:
                continue
            docs.append(Document(name, i, data, walker.lines))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, name) from None
    except yaml.YAMLError as exc:
        raise scenario_error(
            name, "", "valid YAML; the parser says: " + str(exc).splitlines()[0]
        ) from None
    except RecursionError:  # pragma: no cover - the prescan bounds depth first
        raise scenario_error(name, "", f"nesting at most {MAX_DEPTH} levels deep") from None
    return docs


def _prescan(text: str, name: str) -> None:
    """Bound nesting depth with the event stream, which PyYAML parses without recursion,
    before composing nodes (which recurses once per level)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise scenario_error(
                        name,
                        "",
                        f"nesting at most {MAX_DEPTH} levels deep",
                        line=event.start_mark.line + 1 if event.start_mark else None,
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, name) from None
    except yaml.YAMLError as exc:
        raise scenario_error(
            name, "", "valid YAML; the parser says: " + str(exc).splitlines()[0]
        ) from None


def _yaml_error(exc: yaml.MarkedYAMLError, name: str) -> ScenarioError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem or exc.context or "malformed YAML"
    return scenario_error(name, "", f"valid YAML; the parser says: {problem}", line=line)


_SCALAR_LOADER = _Loader("")


class _Walker:
    """Turns a node graph into plain data, bounding the expansion of aliases."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: dict[Path_, int] = {}
        self.count = 0

    def fail(self, node: Node, path: Path_, expected: str, got: str | None = None) -> ScenarioError:
        return scenario_error(
            self.name, format_path(path), expected, line=node.start_mark.line + 1, got=got
        )

    def value(self, node: Node, path: Path_, stack: tuple[int, ...]) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, path, f"at most {MAX_NODES} values (are aliases nested?)")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if id(node) in stack:
            raise self.fail(
                node, path, "data without a recursive alias", got="an anchor that contains itself"
            )
        if len(stack) >= MAX_DEPTH:
            raise self.fail(node, path, f"nesting at most {MAX_DEPTH} levels deep")
        inner = (*stack, id(node))
        if isinstance(node, SequenceNode):
            return [self.value(item, (*path, i), inner) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self.mapping(node, path, inner)
        raise self.fail(node, path, "a scalar, list or mapping")  # pragma: no cover

    def mapping(self, node: MappingNode, path: Path_, stack: tuple[int, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                for source in self.merge_sources(value_node, path, stack):
                    for k, v in source.items():
                        merged.setdefault(k, v)
                continue
            if not isinstance(key_node, ScalarNode):
                raise self.fail(
                    key_node,
                    path,
                    "plain text mapping keys (a value starting with '{' is a YAML mapping: "
                    "quote templated values such as '{{args.x}}')",
                )
            key = key_node.value
            if key in out:
                raise self.fail(
                    key_node, (*path, key), "each key once per mapping", got="a duplicate key"
                )
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = self.value(value_node, (*path, key), stack)
        for k, v in merged.items():
            out.setdefault(k, v)
        return out

    def merge_sources(
        self, node: Node, path: Path_, stack: tuple[int, ...]
    ) -> list[dict[str, Any]]:
        items = node.value if isinstance(node, SequenceNode) else [node]
        sources = []
        for item in items:
            if not isinstance(item, MappingNode):
                raise self.fail(item, path, "a mapping (or list of mappings) after '<<'")
            if id(item) in stack:
                raise self.fail(
                    item, path, "data without a recursive alias", got="a merge of itself"
                )
            sources.append(self.mapping(item, path, (*stack, id(item))))
        return sources

    def scalar(self, node: ScalarNode, path: Path_) -> Any:
        tag = node.tag
        if tag == "tag:yaml.org,2002:timestamp" or tag == "tag:yaml.org,2002:binary":
            return node.value
        if tag == "tag:yaml.org,2002:int":
            digits = node.value.replace("_", "").lstrip("+-")
            if len(digits) > 30:
                raise self.fail(
                    node, path, "a number Kubernetes can store (64-bit)", got=_short(node.value)
                )
        construct = _Loader.yaml_constructors.get(tag)
        if construct is None:
            raise self.fail(
                node, path, "a plain YAML value (custom tags are not supported)", got=tag
            )
        try:
            value = construct(_SCALAR_LOADER, node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise self.fail(node, path, "a valid scalar", got=_short(str(exc))) from None
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                raise self.fail(
                    node, path, "a number Kubernetes can store (64-bit)", got=_short(node.value)
                )
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.fail(node, path, "a finite number", got=_short(node.value))
            return value
        return node.value  # pragma: no cover - other tags are not resolved by SafeLoader


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
