"""One self-contained HTML document: styles, scripts and data inlined, nothing fetched.

:func:`document` is the page builder every HTML output goes through: a title, optionally a
*run* (the scrubber, the ``get rollout`` view and the charts of one simulated rollout, from
:func:`~canarysim.report.html.data.run_payload`), and any number of extra :class:`Section` s
(a sweep's risk table, static figures) built with :func:`risk_table` and :func:`figure`.
:func:`run_page` is the page of ``canarysim run --html`` and ``canarysim report``.

The page carries a Content-Security-Policy that forbids every network request (only inline
scripts and styles, ``data:`` images), so even a bug cannot make it fetch anything.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from canarysim.report.files import write_atomic
from canarysim.report.html.data import run_payload

_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)
_SCRIPTS = ("getview.js", "charts.js", "app.js")


@dataclass(frozen=True)
class Section:
    """A block of the page below the run: ``body`` is trusted markup (build it with
    :func:`html.escape`, :func:`risk_table` or :func:`figure`)."""

    id: str
    title: str
    body: str


def _asset(name: str) -> str:
    return (resources.files("canarysim.report.html") / "assets" / name).read_text("utf-8")


def _json_script(data: Any) -> str:
    """JSON that cannot end its ``<script>`` element early (``<`` is escaped everywhere)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


_RUN_MARKUP = """\
<section class="scrubber" id="scrubber" aria-label="Simulated time">
  <button type="button" id="play" aria-pressed="false">▶ Play</button>
  <button type="button" id="prev-event" title="Previous event (P)"
    aria-label="Previous event">◀<span class="btn-word"> Event</span></button>
  <input type="range" id="scrub" min="0" max="{until}" step="1" value="0"
    aria-label="Simulated time (seconds since the start of the run)">
  <button type="button" id="next-event" title="Next event (N)"
    aria-label="Next event"><span class="btn-word">Event </span>▶</button>
  <output id="clock" for="scrub" aria-live="off">0m00s</output>
  <label><span class="speed-word">speed</span> <select id="speed"
    aria-label="Playback speed (simulated seconds per second)">
    <option value="10">10×</option><option value="60" selected>60×</option>
    <option value="300">300×</option><option value="900">900×</option></select></label>
  <span class="phase" id="phase" role="status" aria-live="polite"></span>
  <p class="hint">Keys: ← → 10 s (Shift: 1 min) · PgUp/PgDn 10 min · Home/End ·
    N/P next/previous event · Space play/pause · click a chart to jump there</p>
</section>
<main class="run">
  <div class="state">
    <section id="sec-get" aria-labelledby="h-get">
      <h2 id="h-get">kubectl argo rollouts get rollout <span class="mono" id="get-at"></span></h2>
      <pre class="getview" id="getview" tabindex="0" aria-label="get rollout view"></pre>
    </section>
    <section id="sec-now" aria-labelledby="h-now">
      <h2 id="h-now">Traffic at this instant</h2>
      <dl class="now" id="now"></dl>
      <div class="table-wrap"><table id="sofar">
        <caption class="note">Requests and errors so far (series buckets started by now)</caption>
        <thead><tr><th scope="col">served by</th><th scope="col" class="num">requests</th>
        <th scope="col" class="num">errors</th><th scope="col" class="num">error rate</th>
        </tr></thead><tbody></tbody></table></div>
    </section>
    <section id="sec-man" aria-labelledby="h-man">
      <h2 id="h-man">Router objects in effect</h2>
      <div id="manifests"></div>
    </section>
    <section id="sec-ana" aria-labelledby="h-ana">
      <h2 id="h-ana">Analysis measurements so far</h2>
      <div id="analysis" class="table-wrap"></div>
    </section>
    <section id="sec-ev" aria-labelledby="h-ev">
      <h2 id="h-ev">Latest events</h2>
      <ol class="events" id="events"></ol>
    </section>
  </div>
  <div class="charts" id="charts" aria-label="Charts over simulated time"></div>
</main>
"""


def document(
    title: str,
    *,
    subtitle: str = "",
    run: Mapping[str, Any] | None = None,
    sections: Sequence[Section] = (),
    footer: str = "",
) -> str:
    """The whole HTML page as text (deterministic: equal arguments give equal bytes).

    ``run`` is a :func:`~canarysim.report.html.data.run_payload`: with it the page has the
    scrubber, the ``get rollout`` view, the router objects, the analysis table and the charts.
    ``sections`` follow (or stand alone, e.g. a sweep page: ``document(title,
    sections=[risk_table(...), figure(...)])``).
    """
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="generator" content="canarysim">',
        f"<title>{html.escape(title)}</title>",
        f"<style>\n{_asset('report.css')}</style>",
        "</head>",
        "<body>",
        '<header class="page-head">',
        f"<h1>{html.escape(title)}</h1>",
    ]
    if subtitle:
        parts.append(f'<p class="sub">{html.escape(subtitle)}</p>')
    parts.append("</header>")
    if run is not None:
        parts.append(
            '<noscript><p class="note">The time scrubber, the get-rollout view and the charts '
            "are drawn by the page's own inline script: allow JavaScript for this file."
            "</p></noscript>"
        )
        parts.append(_RUN_MARKUP.format(until=html.escape(str(run["until"]))))
    if sections:
        parts.append('<div class="extra">')
        for s in sections:
            sid = html.escape(s.id)
            parts.append(
                f'<section id="{sid}" aria-labelledby="{sid}-h">'
                f'<h2 id="{sid}-h">{html.escape(s.title)}</h2>\n{s.body}\n</section>'
            )
        parts.append("</div>")
    if footer:
        parts.append(f"<footer>{html.escape(footer)}</footer>")
    data = {"run": run} if run is not None else {}
    parts.append(
        f'<script type="application/json" id="canarysim-data">{_json_script(data)}</script>'
    )
    if run is not None:
        scripts = "\n".join(_asset(name) for name in _SCRIPTS)
        parts.append(f"<script>\n{scripts}</script>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def risk_table(
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Mapping[str, Any]],
    *,
    id: str = "risk",
    title: str = "Risk",
    caption: str = "",
    numeric: Sequence[str] = (),
) -> Section:
    """A table section: ``columns`` are (key, heading); each row maps keys to text or numbers
    (an interval as already formatted text, e.g. ``"0.8% [0.5%, 1.2%]"``). Keys in
    ``numeric`` are right-aligned."""
    head = "".join(
        f'<th scope="col"{" class=num" if key in numeric else ""}>{html.escape(label)}</th>'
        for key, label in columns
    )
    body = []
    for row in rows:
        cells = []
        for i, (key, _) in enumerate(columns):
            value = row.get(key, "")
            text = html.escape("" if value is None else str(value))
            cls = ' class="num"' if key in numeric else ""
            cells.append(f'<th scope="row">{text}</th>' if i == 0 else f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f'<caption class="note">{html.escape(caption)}</caption>' if caption else ""
    markup = (
        f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    return Section(id, title, markup)


_SVG_START = re.compile(r"<svg[\s>]")


def figure(id: str, title: str, svg: str, *, caption: str = "") -> Section:
    """A static SVG (e.g. a matplotlib figure saved as SVG) inlined as a section; the XML
    prologue and doctype are dropped, the SVG gets ``role=img`` and the title as its label."""
    match = _SVG_START.search(svg)
    if match is None:
        raise ValueError(f"figure {id!r}: no <svg> element in the given text")
    body = svg[match.start() :]
    body = body.replace("<svg", f'<svg role="img" aria-label="{html.escape(title)}"', 1)
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return Section(id, title, f"<figure>{body}{cap}</figure>")


def run_page(
    result: Any,
    thresholds: Mapping[str, list[tuple[str, float]]] | None = None,
    *,
    sections: Sequence[Section] = (),
) -> str:
    """The page of one run (``run --html``, ``report``)."""
    summary = result.summary or {}
    bits = [f"seed {result.seed}", f"{result.mode} traffic"]
    if summary.get("phase"):
        bits.append(f"ended {summary['phase']}")
    if summary.get("time_to_promotion") is not None:
        bits.append(f"promoted {summary['time_to_promotion']:g} s after the update")
    if summary.get("time_to_abort") is not None:
        bits.append(f"aborted {summary['time_to_abort']:g} s after the update")
    return document(
        f"canarysim: {result.scenario_name}",
        subtitle=", ".join(bits),
        run=run_payload(result, thresholds),
        sections=sections,
        footer="Simulated by canarysim; every number on this page comes from the run's "
        "result.json, embedded in this file.",
    )


def write_html(path: str | Path, text: str) -> Path:
    """Write a page atomically (see :func:`canarysim.report.files.write_atomic`)."""
    return write_atomic(Path(path), text)
