"""The scenario format: what a cluster would supply besides the manifests.

:mod:`.model` the pydantic models (``Scenario`` and its run settings: outputs, metrics, AWS,
SLO); the room :mod:`.behaviour` how the workload behaves (nodes and pod start-up, each image's
errors, latency, crashes); :mod:`.traffic` the traffic, its shape and request
classes; :mod:`.actions` operator actions and faults;
:mod:`.analysis` how analysis Jobs and web endpoints answer; :mod:`.values` small value types
(durations, rates); :mod:`.load` loading from a path, a mapping or YAML text (the public,
checked loaders are in :mod:`canarysim.declarations.check`); :mod:`.limits` sizes refused up
front; :mod:`.changes`
``with_changes``/``with_manifest``; :mod:`.schema` the JSON Schema.

May import: pydantic, the engine, :mod:`canarysim.declarations` (manifests, loading helpers).
"""
