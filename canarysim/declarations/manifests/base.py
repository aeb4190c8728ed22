"""Shared base of the manifest models: camelCase aliases, unknown fields kept for lint.

Real manifests carry many fields canarysim does not model (volumes, resources, probes...).
Models therefore *allow* extra keys (pydantic keeps them in ``model_extra``) instead of
rejecting them; :mod:`canarysim.declarations.lint.rules` then walks the parsed objects and reports
each
extra key: silently when it is a real Kubernetes/Argo/Istio field we know we do not need
(``KNOWN``), as "not supported" when it changes behaviour (``UNSUPPORTED``), and as an unknown
field with a did-you-mean otherwise (``Namespace`` -> ``namespace``).
"""

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictInt, StrictStr
from pydantic.alias_generators import to_camel as _pydantic_to_camel

__all__ = [
    "Int32",
    "Int64",
    "IntOrString",
    "ManifestModel",
    "ObjectMeta",
    "Resource",
    "empty_list",
    "private",
    "to_camel",
]

INT32_MAX = (1 << 31) - 1

Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
"""A Go ``int32`` field (replicas, weights, seconds)."""
Int64 = Annotated[int, Field(ge=-(1 << 63), le=(1 << 63) - 1)]
IntOrString = Annotated[StrictInt | StrictStr, Field(union_mode="left_to_right")]
"""Kubernetes ``IntOrString`` (``maxSurge: 1`` or ``"25%"``)."""


def to_camel(name: str) -> str:
    """The models' alias generator (our manifest models and our scenario format both take
    their YAML keys from their field names): ``max_surge`` -> ``maxSurge``, exactly what
    pydantic's ``to_camel`` gives. pydantic calls it for each of the ~640 fields of our models
    as their classes are defined, on every command's start-up, and its version runs regular
    expressions (about 2 ms in all); a name of plain lower-case words, nearly all of ours, is
    joined here directly, and any other name goes to pydantic's own function."""
    if name.isascii() and name.islower() and name.replace("_", "").isalpha():
        words = name.split("_")
        if all(words):  # no leading, trailing or doubled underscore
            return words[0] + "".join(w.capitalize() for w in words[1:])
    return _pydantic_to_camel(name)


def private(model: BaseModel) -> dict[str, Any]:
    """A model's private attributes, for reads in hot paths: ``model._raw`` is looked up through
    pydantic's ``__getattr__`` (which probes the attribute's descriptor with ``hasattr``), about
    2 us a read; a simulation reads the Rollout's ``raw`` and the scenario's manifests a few
    hundred times. Reads only: writes still go through the model."""
    got: dict[str, Any] = model.__pydantic_private__  # type: ignore[assignment]
    return got


def empty_list() -> list[Any]:
    """``default_factory`` of the models' list fields, in place of ``list``: building a model's
    validator reads each factory's signature (may it take the validated data?), and Python
    parses a builtin's from its text signature, about 0.13 ms a field at every command's first
    validation, where a Python function's takes microseconds."""
    return []


class ManifestModel(BaseModel):
    """Base of every manifest model."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
        strict=True,  # as Kubernetes decodes JSON: "2" is not an int, true is not a string
        frozen=False,
        defer_build=True,  # built on first use: importing the models costs nothing
    )
    #: Real fields of the upstream type that canarysim does not model and that do not change
    #: what it simulates: accepted without a word.
    KNOWN: ClassVar[frozenset[str]] = frozenset()
    #: Real fields that would change behaviour canarysim does not reproduce: a warning
    #: ``not supported yet`` names them.
    UNSUPPORTED: ClassVar[frozenset[str]] = frozenset()

    def field_names(self) -> set[str]:
        """The YAML (camelCase) names of the modelled fields."""
        names = set()
        for name, info in type(self).model_fields.items():
            names.add(info.alias or name)
        return names


class ObjectMeta(ManifestModel):
    """``metadata``: name, namespace, labels, annotations."""

    KNOWN = frozenset(
        {
            "generateName",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "ownerReferences",
            "finalizers",
            "managedFields",
            "selfLink",
        }
    )

    name: str = ""
    namespace: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class Resource(ManifestModel):
    """A top-level Kubernetes object. ``raw`` is the mapping exactly as loaded (camelCase),
    ``file``/``line`` where it came from; the loader sets them."""

    KNOWN = frozenset({"status"})

    api_version: str = ""
    kind: str = ""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _file: str = PrivateAttr(default="")
    _line: int = PrivateAttr(default=0)
    _lines: dict[tuple[Any, ...], int] = PrivateAttr(default_factory=dict)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or "default"

    @property
    def raw(self) -> dict[str, Any]:
        """The object as loaded (plain dicts and lists). Treat it as read-only: deep-copy it
        before editing (the Istio rewriter does)."""
        raw: dict[str, Any] = private(self)["_raw"]
        return raw

    def raw_at(self, *path: str) -> Any:
        """The value at *path* in the object as loaded, or None where the path stops."""
        node: Any = private(self)["_raw"]
        for key in path:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node

    @property
    def file(self) -> str:
        return str(private(self)["_file"])

    @property
    def line(self) -> int:
        return int(private(self)["_line"])

    def line_of(self, *path: Any) -> int:
        """Line of a path inside this object, or of its closest ancestor."""
        p = tuple(path)
        lines = private(self)["_lines"]
        while p:
            if p in lines:
                return int(lines[p])
            p = p[:-1]
        return int(private(self)["_line"])

    def attach(self, raw: dict[str, Any], file: str, lines: dict[tuple[Any, ...], int]) -> None:
        """Record where this object came from (used by the loader)."""
        self._raw = raw
        self._file = file
        self._lines = lines
        self._line = lines.get((), 1)

    @property
    def ref(self) -> str:
        """``Kind/name`` as kubectl prints it."""
        return f"{self.kind}/{self.name}"
