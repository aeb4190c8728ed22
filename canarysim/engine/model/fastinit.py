"""A quicker ``__init__`` for the frozen dataclasses every reconcile builds.

A frozen dataclass's generated ``__init__`` sets each field through
``object.__setattr__`` (to get past its own ``__setattr__``), about twice the cost of
storing into the instance's ``__dict__``. :func:`fast_frozen_init` swaps in an ``__init__``
with the same parameters and defaults that does the latter; everything else (equality,
hashing, ``replace``, the frozen ``__setattr__``) stays the dataclass's own.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["fast_frozen_init", "frozen_dict_init"]

T = TypeVar("T")


def fast_frozen_init(cls: type[T]) -> type[T]:
    """``cls`` (a frozen dataclass without slots, ``__post_init__``, default factories,
    keyword-only or init-less fields) with an ``__init__`` that fills ``__dict__``."""
    setattr(cls, "__init__", frozen_dict_init(cls))  # noqa: B010 - replaces the generated method
    return cls


def frozen_dict_init(cls: type) -> Any:
    """The ``__init__`` :func:`fast_frozen_init` puts in, without putting it in: for a caller
    that builds instances of a class it does not own (``object.__new__`` then this)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__}: not a frozen dataclass with a __dict__")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: has a __post_init__")
    names: list[str] = []
    args: list[str] = []
    defaults: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: unsupported field")
        names.append(f.name)
        if f.default is dataclasses.MISSING:
            args.append(f.name)
        else:
            defaults[f"_default_{f.name}"] = f.default
            args.append(f"{f.name}=_default_{f.name}")
    body = "".join(f"    _d[{n!r}] = {n}\n" for n in names) or "    pass\n"
    source = f"def __init__(self, {', '.join(args)}):\n    _d = self.__dict__\n{body}"
    namespace: dict[str, Any] = dict(defaults)
    exec(source, namespace)
    init = namespace["__init__"]
    old = cls.__init__  # type: ignore[misc]  # (the class's, not an instance's)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(getattr(old, "__annotations__", {}))
    init.__doc__ = old.__doc__
    return init
