/* Hand-written SVG charts sharing one time axis, with a cursor line, hover values, labelled
 * bands and marks. No library: a report must open offline, and a few hundred lines of SVG do
 * everything these charts need.
 *
 * Readable without colour: every series has its own dash pattern and/or marker shape, shown in
 * its legend; bands carry their label (and a list under the chart when a band is too narrow);
 * pauses are hatched; marks are labelled. */
"use strict";
var CS = window.CS || {};
window.CS = CS;

CS.charts = (function () {
  var NS = "http://www.w3.org/2000/svg";
  var charts = [];
  var uid = 0;

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    });
    if (parent) parent.appendChild(e);
    return e;
  }

  function html(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  /* A simulated instant as [Hh]MMmSSs (report/durations.py::offset). */
  function offset(seconds) {
    var total = Math.max(0, Math.floor(seconds));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h ? h + "h" + mm + "m" + ss + "s" : m + "m" + ss + "s";
  }

  function tickLabel(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60);
    var s = Math.round(seconds % 60);
    if (s) return (h ? h + "h" : "") + m + "m" + s + "s";
    if (h && m) return h + "h" + m + "m";
    if (h) return h + "h";
    return m + "m";
  }

  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    var a = Math.abs(v);
    if (a === 0) return "0";
    if (a >= 100) return String(Math.round(v));
    if (a >= 1) return String(Math.round(v * 100) / 100);
    return String(Number(v.toPrecision(3)));
  }

  /* The index of the value in effect at t (last x <= t), or -1. */
  function indexAt(xs, t) {
    var lo = 0, hi = xs.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (xs[mid] <= t) lo = mid + 1; else hi = mid;
    }
    return lo - 1;
  }

  function valueAt(series, t) {
    if (series.mode === "points") {
      var best = null;
      series.xs.forEach(function (x, i) { if (x <= t) best = series.ys[i]; });
      return best;
    }
    var i = indexAt(series.xs, t);
    return i < 0 ? null : series.ys[i];
  }

  function markerPath(shape, x, y, r) {
    switch (shape) {
      case "square": return "M" + (x - r) + "," + (y - r) + "h" + 2 * r + "v" + 2 * r + "h" + -2 * r + "z";
      case "triangle": return "M" + x + "," + (y - r * 1.2) + "L" + (x + r) + "," + (y + r * 0.8) + "L" + (x - r) + "," + (y + r * 0.8) + "z";
      case "diamond": return "M" + x + "," + (y - r * 1.3) + "L" + (x + r) + "," + y + "L" + x + "," + (y + r * 1.3) + "L" + (x - r) + "," + y + "z";
      case "cross": return "M" + (x - r) + "," + (y - r) + "L" + (x + r) + "," + (y + r) + "M" + (x - r) + "," + (y + r) + "L" + (x + r) + "," + (y - r);
      case "circle": return "M" + (x - r) + "," + y + "a" + r + "," + r + " 0 1,0 " + 2 * r + ",0a" + r + "," + r + " 0 1,0 " + -2 * r + ",0";
      default: return "";
    }
  }

  function swatch(s) {
    var svg = el("svg", { width: 34, height: 12, "aria-hidden": "true", class: "swatch" });
    if (s.mode !== "points" || s.line) {
      el("line", {
        x1: 1, y1: 6, x2: 33, y2: 6, stroke: s.color, "stroke-width": s.width || 2,
        "stroke-dasharray": s.dash || null,
      }, svg);
    }
    if (s.marker) {
      var filled = s.marker !== "cross";
      el("path", {
        d: markerPath(s.marker, 17, 6, 3.5), fill: filled ? s.color : "none", stroke: s.color,
        "stroke-width": 1.5,
      }, svg);
    }
    return svg;
  }

  function legendItem(list, s) {
    var li = html("li", null, null, list);
    li.appendChild(swatch(s));
    html("span", null, s.label, li);
  }

  /* One chart: spec = {id, title, unit, series:[...], hlines:[...], points:[...], bands, yMax}. */
  function add(container, spec, ctx) {
    var fig = html("figure", "chart", null, container);
    fig.id = "chart-" + spec.id;
    var head = html("figcaption", null, null, fig);
    html("h3", null, spec.title, head);
    if (spec.note) html("p", "note", spec.note, head);
    var legend = html("ul", "legend", null, head);
    spec.series.forEach(function (s) { if (!s.hideLegend) legendItem(legend, s); });
    (spec.hlines || []).forEach(function (h) {
      legendItem(legend, { label: h.label, color: h.color, dash: h.dash, width: 1.5 });
    });
    (spec.legendExtra || []).forEach(function (s) { legendItem(legend, s); });
    var box = html("div", "plot", null, fig);
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", spec.title + ". " + (spec.summary || ""));
    var tip = html("div", "tip", null, fig);
    tip.hidden = true;
    var below = html("div", "below", null, fig);
    var chart = { spec: spec, ctx: ctx, fig: fig, box: box, tip: tip, below: below, cursor: null };
    charts.push(chart);
    draw(chart);
    return chart;
  }

  function draw(chart) {
    var spec = chart.spec, ctx = chart.ctx;
    var W = Math.max(280, Math.floor(chart.box.clientWidth || 600));
    var narrow = W < 520;
    var H = spec.height || (narrow ? 150 : 170);
    var m = { l: narrow ? 38 : 48, r: 10, t: 20, b: 22 };
    var pw = W - m.l - m.r, ph = H - m.t - m.b;
    var until = ctx.until;
    function X(t) { return m.l + (Math.max(0, Math.min(until, t)) / until) * pw; }
    function tOf(px) { return Math.max(0, Math.min(until, ((px - m.l) / pw) * until)); }

    var ymax = 0;
    spec.series.forEach(function (s) {
      s.ys.forEach(function (v) { if (v !== null && isFinite(v) && v > ymax) ymax = v; });
    });
    (spec.hlines || []).forEach(function (h) { if (h.y > ymax) ymax = h.y; });
    var nticks = 4;
    if (spec.yMax) {
      ymax = spec.yMax;
    } else {  // round ticks: the smallest 1-2-2.5-5 step that covers the data in at most 5 ticks
      var top = Math.max(ymax * 1.05, spec.integer ? 1 : 1e-9);
      var p10 = Math.pow(10, Math.floor(Math.log10(top / 5)));
      var tick = [1, 2, 2.5, 5, 10].map(function (k) { return k * p10; })
        .filter(function (k) { return !spec.integer || k >= 1 && Number.isInteger(k); })
        .find(function (k) { return Math.ceil(top / k) <= 5; }) || Math.ceil(top / 5);
      nticks = Math.max(1, Math.ceil(top / tick));
      ymax = nticks * tick;
    }
    var ymin = spec.yMin || 0;
    function Y(v) { return m.t + ph - ((v - ymin) / (ymax - ymin)) * ph; }

    chart.box.textContent = "";
    var id = "c" + (uid++);
    var svg = el("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H }, chart.box);
    var defs = el("defs", {}, svg);
    var hatch = el("pattern", { id: id + "-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
    el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#9a9a9a", "stroke-width": 1.2 }, hatch);
    var dots = el("pattern", { id: id + "-dots", width: 6, height: 6, patternUnits: "userSpaceOnUse" }, defs);
    el("circle", { cx: 3, cy: 3, r: 1, fill: "#8a8a8a" }, dots);
    var clip = el("clipPath", { id: id + "-clip" }, defs);
    el("rect", { x: m.l, y: m.t - 2, width: pw, height: ph + 4 }, clip);

    // step bands (alternating shades, labelled) and pauses (hatched)
    var hidden = [];
    if (spec.bands) {
      ctx.bands.forEach(function (b, k) {
        var x0 = X(b.start), x1 = X(b.end);
        var g = el("g", { class: "band band-" + b.kind }, svg);
        el("rect", { x: x0, y: m.t, width: Math.max(1, x1 - x0), height: ph, fill: k % 2 ? "#e3ebf5" : "#eef3f9" }, g);
        if (b.kind === "analysis" || b.kind === "experiment") {
          el("rect", { x: x0, y: m.t, width: Math.max(1, x1 - x0), height: ph, fill: "url(#" + id + "-dots)" }, g);
        }
        el("title", {}, g).textContent = b.label + " (" + offset(b.start) + " – " + offset(b.end) + ")";
        if (x1 - x0 >= b.label.length * 6.2 + 6) {
          el("text", { x: (x0 + x1) / 2, y: m.t - 6, "text-anchor": "middle", class: "band-label" }, svg).textContent = b.label;
        } else {
          hidden.push(b);
        }
      });
      ctx.pauses.forEach(function (b) {
        var x0 = X(b.start), x1 = X(b.end);
        el("rect", { x: x0, y: m.t, width: Math.max(1, x1 - x0), height: ph, fill: "url(#" + id + "-hatch)", opacity: 0.55, class: "pause" }, svg);
      });
    }

    // axes: y grid and ticks, x ticks
    var gy = el("g", { class: "axis" }, svg);
    for (var i = 0; i <= nticks; i++) {
      var v = ymin + ((ymax - ymin) * i) / nticks, y = Y(v);
      el("line", { x1: m.l, y1: y, x2: m.l + pw, y2: y, class: "grid" }, gy);
      el("text", { x: m.l - 4, y: y + 3.5, "text-anchor": "end" }, gy).textContent = fmt(v);
    }
    var stepsS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
    var want = Math.max(2, Math.floor(pw / (narrow ? 60 : 80)));
    var step = stepsS.find(function (s) { return until / s <= want; }) || 86400;
    for (var t = 0; t <= until + 1e-9; t += step) {
      var x = X(t);
      el("line", { x1: x, y1: m.t + ph, x2: x, y2: m.t + ph + 4, class: "tick" }, gy);
      el("text", { x: x, y: H - 6, "text-anchor": t === 0 ? "start" : "middle" }, gy).textContent = tickLabel(t);
    }
    el("line", { x1: m.l, y1: m.t + ph, x2: m.l + pw, y2: m.t + ph, class: "baseline" }, gy);
    if (spec.unit) {
      el("text", { x: 2, y: 11, class: "unit" }, gy).textContent = spec.unit;
    }

    // threshold lines
    (spec.hlines || []).forEach(function (h) {
      var y = Y(h.y);
      el("line", { x1: m.l, y1: y, x2: m.l + pw, y2: y, stroke: h.color, "stroke-width": 1.5, "stroke-dasharray": h.dash, class: "threshold threshold-" + h.kind }, svg);
      el("text", { x: m.l + pw - 2, y: y - 3, "text-anchor": "end", class: "hlabel" }, svg).textContent = h.label;
    });

    // series
    var plot = el("g", { "clip-path": "url(#" + id + "-clip)" }, svg);
    spec.series.forEach(function (s) {
      var d = "", pen = false, lastY = null;
      if (s.mode === "points") {
        s.xs.forEach(function (x, i) {
          var v = s.ys[i];
          if (v === null || !isFinite(v)) return;
          d += (d ? "L" : "M") + X(x).toFixed(1) + "," + Y(v).toFixed(1);
        });
      } else {
        s.xs.forEach(function (x, i) {
          var v = s.ys[i];
          var xe = i + 1 < s.xs.length ? s.xs[i + 1] : (s.end !== undefined ? s.end : until);
          if (v === null || !isFinite(v)) { pen = false; return; }
          var px0 = X(x).toFixed(1), px1 = X(xe).toFixed(1), py = Y(v).toFixed(1);
          if (!pen) { d += "M" + px0 + "," + py; } else if (py !== lastY) { d += "V" + py; }
          d += "H" + px1;
          pen = true;
          lastY = py;
        });
      }
      var g = el("g", { class: "series" }, plot);
      if (d && (s.mode !== "points" || s.line)) {
        el("path", { d: d, fill: "none", stroke: s.color, "stroke-width": s.width || 2, "stroke-dasharray": s.dash || null, "stroke-linejoin": "round" }, g);
      }
      if (s.marker) {
        var every = s.mode === "points" ? 0 : 70, lastX = -1e9, md = "";
        s.xs.forEach(function (x, i) {
          var v = s.ys[i];
          if (v === null || !isFinite(v)) return;
          var px = X(x);
          if (every && px - lastX < every) return;
          lastX = px;
          md += markerPath(s.markerAt ? s.markerAt(i) : s.marker, px + (every ? 4 : 0), Y(v), 3.5);
        });
        if (md) el("path", { d: md, fill: s.marker === "cross" ? "none" : s.color, stroke: s.color, "stroke-width": 1.5 }, g);
      }
      (s.shapes || []).forEach(function (p) {
        if (p.y === null || !isFinite(p.y)) return;
        var open = p.shape === "cross";
        var sh = el("path", { d: markerPath(p.shape, X(p.x), Y(p.y), 4.5), fill: open ? "none" : s.color, stroke: open ? "#b2182b" : "#222", "stroke-width": open ? 2.2 : 0.8 }, g);
        el("title", {}, sh).textContent = p.title;
      });
    });

    // marks: milestones (dotted) and faults (dashed, ⚡)
    ctx.marks.forEach(function (mk, k) {
      var x = X(mk.time);
      var g = el("g", { class: "mark mark-" + mk.kind }, svg);
      el("line", { x1: x, y1: m.t, x2: x, y2: m.t + ph, stroke: mk.color, "stroke-width": 1.4, "stroke-dasharray": mk.kind === "fault" ? "5 3" : "1.5 2.5" }, g);
      el("title", {}, g).textContent = mk.label + " at " + offset(mk.time);
      if (spec.bands || mk.kind === "fault") {
        el("text", { x: x + 3, y: m.t + ph - 4 - (k % 3) * 12, class: "mark-label", fill: mk.color }, g).textContent = mk.kind === "fault" ? "⚡" + (spec.bands ? " fault" : "") : mk.label;
      }
    });

    // cursor and hover
    chart.cursor = el("line", { x1: 0, y1: m.t - 2, x2: 0, y2: m.t + ph, class: "cursor" }, svg);
    chart.X = X;
    var hover = el("line", { x1: 0, y1: m.t, x2: 0, y2: m.t + ph, class: "hover", visibility: "hidden" }, svg);
    var overlay = el("rect", { x: m.l, y: 0, width: pw, height: H, fill: "transparent", class: "overlay" }, svg);
    function show(ev) {
      var r = svg.getBoundingClientRect();
      var px = ev.clientX - r.left;
      var t = tOf(px);
      hover.setAttribute("x1", X(t)); hover.setAttribute("x2", X(t));
      hover.setAttribute("visibility", "visible");
      chart.tip.textContent = "";
      html("strong", null, offset(t), chart.tip);
      var lines = spec.series.filter(function (s) { return !s.hideTip; }).map(function (s) {
        return s.label + ": " + fmt(valueAt(s, t)) + (spec.tipUnit ? " " + spec.tipUnit : "");
      });
      if (spec.bands) {
        var b = ctx.bands.find(function (b) { return b.start <= t && t < b.end; });
        if (b) lines.unshift(b.label);
      }
      lines.forEach(function (l) { html("div", null, l, chart.tip); });
      chart.tip.hidden = false;
      var fr = chart.fig.getBoundingClientRect();
      var left = ev.clientX - fr.left + 12;
      if (left + 220 > fr.width) left = Math.max(0, ev.clientX - fr.left - 232);
      chart.tip.style.left = left + "px";
      chart.tip.style.top = (r.top - fr.top + 8) + "px";
    }
    overlay.addEventListener("pointermove", show);
    overlay.addEventListener("pointerleave", function () {
      chart.tip.hidden = true; hover.setAttribute("visibility", "hidden");
    });
    overlay.addEventListener("click", function (ev) {
      var r = svg.getBoundingClientRect();
      if (ctx.onPick) ctx.onPick(Math.round(tOf(ev.clientX - r.left)));
    });

    chart.below.textContent = "";
    if (hidden.length) {
      html("span", null, "Steps: " + hidden.map(function (b) {
        return b.label + " " + offset(b.start) + "–" + offset(b.end);
      }).join("; "), chart.below);
    }
    if (ctx.now !== undefined) setCursor(chart, ctx.now);
  }

  function setCursor(chart, t) {
    if (!chart.cursor) return;
    var x = chart.X(t);
    chart.cursor.setAttribute("x1", x);
    chart.cursor.setAttribute("x2", x);
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { charts.forEach(draw); }, 120);
  });

  return {
    add: add,
    cursorAt: function (t) { charts.forEach(function (c) { c.ctx.now = t; setCursor(c, t); }); },
    all: charts,
    offset: offset,
    fmt: fmt,
    valueAt: valueAt,
    indexAt: indexAt,
  };
})();
