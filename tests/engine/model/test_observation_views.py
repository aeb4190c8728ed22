"""The observation's small look-ups (``ServiceTargetsView.endpoints_for``)."""

from __future__ import annotations

from canarysim.engine.model.observation import EndpointsView, ServiceTargetsView


def test_a_service_s_endpoints_for_a_hash_are_found_or_empty():
    ready = EndpointsView("abc", ("10.0.0.1",), (("http", 8080),))
    view = ServiceTargetsView("svc", endpoints=(EndpointsView("old"), ready))
    assert view.endpoints_for("abc") is ready
    # a hash without Endpoints has none, under its own hash
    assert view.endpoints_for("new") == EndpointsView("new")
    assert ServiceTargetsView("svc").endpoints_for("x") == EndpointsView("x")
