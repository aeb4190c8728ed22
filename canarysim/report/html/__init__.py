"""The HTML report: one self-contained page per run (or per sweep) that works offline.

Owns the page builder (:mod:`~canarysim.report.html.page`), the data a run's page embeds
(:mod:`~canarysim.report.html.data`) and the page's styles and scripts (``assets/``:
``report.css``; ``getview.js``, a port of :mod:`canarysim.report.getview` that the browser tests
keep equal to it; ``charts.js``, hand-written SVG charts; ``app.js``, the scrubber).

May import: the rest of :mod:`canarysim.report`, numpy, yaml and the standard library. Like all of
the report layer it never imports SimPy and works from a :class:`~canarysim.result.Result` (also
one read back from ``result.json``).

For a sweep page: ``document(title, sections=[risk_table(columns, rows), figure(id, title,
svg)], run=run_payload(result))`` (``run`` optional), then :func:`write_html`.
"""

from __future__ import annotations

from canarysim.report.html.data import run_payload
from canarysim.report.html.page import (
    Section,
    document,
    figure,
    risk_table,
    run_page,
    write_html,
)

__all__ = ["Section", "document", "figure", "risk_table", "run_page", "run_payload", "write_html"]
