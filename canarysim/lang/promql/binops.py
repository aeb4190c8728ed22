"""PromQL binary operators between vectors and scalars, after Prometheus' ``engine.go``
(``VectorBinop``, ``VectorscalarBinop``, ``VectorAnd``/``Or``/``Unless``, ``resultMetric``).

Vector matching is one-to-one on every label but the name, or on ``on(...)`` / all but
``ignoring(...)``; ``group_left``/``group_right`` make it many-to-one / one-to-many, copying the
``group_x(...)`` labels from the "one" side. Comparisons filter (or give 0/1 with ``bool``)
before the one-to-one check, as released Prometheus 2.x and 3.x do.
"""

from __future__ import annotations

from collections.abc import Callable

from canarysim.lang.promql.functions import _apply, _compare
from canarysim.lang.promql.syntax import COMPARISONS, Binary, PromQLError
from canarysim.lang.promql.values import Labels, Vector, _drop_name, _fmt

__all__ = ["set_op", "vector_scalar", "vector_vector"]

Sig = tuple[tuple[str, str], ...]


def signature(node: Binary, labels: Labels) -> Sig:
    """The labels two samples must share to match."""
    if node.on is True:
        return tuple(sorted((k, labels.get(k, "")) for k in node.labels if labels.get(k, "")))
    drop = {"__name__", *node.labels} if node.on is False else {"__name__"}
    return tuple(sorted((k, v) for k, v in labels.items() if k not in drop))


def vector_scalar(node: Binary, vec: Vector, s: float, swap: bool) -> Vector:
    op = node.op
    out = []
    for labels, v in vec:
        a, b = (s, v) if swap else (v, s)
        if op in COMPARISONS:
            hit = _compare(op, a, b)
            if node.return_bool:
                out.append((_drop_name(labels), 1.0 if hit else 0.0))
            elif hit:
                out.append((labels, v))  # the vector's value, whichever side it is on
        else:
            out.append((_drop_name(labels), _apply(op, a, b, False)))
    return Vector(out)


def _result_labels(node: Binary, left: Labels, right: Labels, one_to_one: bool) -> Labels:
    """``resultMetric``: the "many" side's labels (name dropped unless a filtering
    comparison), matching labels kept/dropped one-to-one, ``group_x`` labels from the one."""
    result = dict(left)
    if node.op not in COMPARISONS or node.return_bool:
        result.pop("__name__", None)
    if one_to_one:
        if node.on is True:
            result = {k: x for k, x in result.items() if k in node.labels}
        elif node.on is False:
            result = {k: x for k, x in result.items() if k not in node.labels}
    for name in node.include:
        value = right.get(name, "")
        if value:
            result[name] = value
        else:
            result.pop(name, None)
    return result


def vector_vector(
    node: Binary, lhs: Vector, rhs: Vector, err: Callable[[str], PromQLError]
) -> Vector:
    """``VectorBinop`` (one-to-one, many-to-one or one-to-many)."""
    if not lhs.samples or not rhs.samples:
        return Vector([])
    right_side = node.group != "right"
    many, one = (lhs, rhs) if right_side else (rhs, lhs)
    ones: dict[Sig, tuple[Labels, float]] = {}
    for labels, v in one:
        sig = signature(node, labels)
        if sig in ones:
            first, second = sorted((_fmt(labels), _fmt(ones[sig][0])))
            side = "right" if right_side else "left"
            raise err(
                f"found duplicate series for the match group {_fmt(dict(sig))} on the {side} "
                f"hand-side of the operation: [{first}, {second}];many-to-many matching not "
                "allowed: matching labels must be unique on one side"
            )
        ones[sig] = (labels, v)
    one_to_one = node.group is None
    matched: dict[Sig, set[Sig] | None] = {}
    out = []
    op = node.op
    for labels, v in many:
        sig = signature(node, labels)
        if sig not in ones:
            continue
        other_labels, ov = ones[sig]
        a, b = (v, ov) if right_side else (ov, v)
        if op in COMPARISONS:
            hit = _compare(op, a, b)
            if not node.return_bool and not hit:
                continue  # filtered before the matching checks
            value = (1.0 if hit else 0.0) if node.return_bool else a
        else:
            value = _apply(op, a, b, False)
        result = _result_labels(node, labels, other_labels, one_to_one)
        if one_to_one:
            if sig in matched:
                raise err(
                    "multiple matches for labels: many-to-one matching must be explicit "
                    "(group_left/group_right)"
                )
            matched[sig] = None
        else:
            seen = matched.setdefault(sig, set())
            key = tuple(sorted(result.items()))
            assert seen is not None
            if key in seen:
                raise err("multiple matches for labels: grouping labels must ensure unique matches")
            seen.add(key)
        out.append((result, value))
    return Vector(out)


def set_op(node: Binary, lhs: Vector, rhs: Vector) -> Vector:
    """``and``, ``or``, ``unless`` (many-to-many on the matching labels)."""
    rsigs = {signature(node, lb) for lb, _ in rhs}
    if node.op == "and":
        return Vector([(lb, v) for lb, v in lhs if signature(node, lb) in rsigs])
    if node.op == "unless":
        return Vector([(lb, v) for lb, v in lhs if signature(node, lb) not in rsigs])
    lsigs = {signature(node, lb) for lb, _ in lhs}
    extra = [(lb, v) for lb, v in rhs if signature(node, lb) not in lsigs]
    return Vector(list(lhs.samples) + extra)
