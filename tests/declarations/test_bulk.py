"""Loading with the garbage collector paused: it is paused only while loading, restored as it
was (also after an error and when calls nest), and large files still load whole, with errors in
their later documents reported as before."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from canarysim.declarations import load_manifests, validate_paths
from canarysim.declarations.bulk import collector_paused, without_collector
from canarysim.errors import ScenarioError


def test_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not resume it early
    assert gc.isenabled()


def test_restored_after_an_error_and_left_off_if_it_was() -> None:
    @without_collector
    def fails() -> None:
        assert not gc.isenabled()
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # someone else's choice is kept
    finally:
        gc.enable()


SERVICE = """apiVersion: v1
kind: Service
metadata: {{name: svc-{i}}}
spec:
  selector: {{app: app}}
  ports: [{{port: 80}}]
"""


def test_many_documents_load_and_a_late_error_names_its_line(tmp_path: Path) -> None:
    docs = [SERVICE.format(i=i) for i in range(2000)]
    path = tmp_path / "many.yaml"
    path.write_text("---\n".join(docs))
    objs = load_manifests([path])
    assert len(objs.services) == 2000 and gc.isenabled()
    assert not [f for f in validate_paths([path]) if f.severity == "error"]
    # a key given twice in the last document: reported with that document's line
    bad = [*docs[:-1], docs[-1].replace("spec:", "spec:\n  type: ClusterIP\n  type: NodePort")]
    path.write_text("---\n".join(bad))
    line = "".join(d + "---\n" for d in bad[:-1]).count("\n") + 6
    with pytest.raises(ScenarioError, match=f"many.yaml:{line}: spec.type: expected each key"):
        load_manifests([path])
    assert gc.isenabled()
