"""The camelCase names our models read: ``max_surge`` is written ``maxSurge``.

Both model families (:mod:`.manifests` and :mod:`.scenario`) take their YAML keys from their
Python field names by this alias generator. It gives what pydantic's ``to_camel`` gives, but a
name of plain lower-case words (nearly all of them) is turned without regular expressions:
pydantic calls the generator for every field of every model class as it is defined, some 640
times in a ``canarysim run``, and its regular-expression version cost about 5 ms of the
command's start-up. Any other name (digits, capitals, leading or doubled underscores) is left
to pydantic's own function, so the two cannot disagree.
"""

from __future__ import annotations

from pydantic.alias_generators import to_camel as _pydantic_to_camel

__all__ = ["to_camel"]


def to_camel(name: str) -> str:
    """``max_surge`` -> ``maxSurge``; exactly ``pydantic.alias_generators.to_camel``."""
    if name.isascii() and name.islower() and name.replace("_", "").isalpha():
        words = name.split("_")
        if all(words):  # no leading, trailing or doubled underscore
            return words[0] + "".join(w.capitalize() for w in words[1:])
    return _pydantic_to_camel(name)
