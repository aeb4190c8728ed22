/* The run page: a scrubber over simulated time and what the rollout looked like at that instant.
 * Everything comes from the JSON embedded in the page (#canarysim-data); nothing is fetched. */
"use strict";
var CS = window.CS || {};
window.CS = CS;

(function () {
  var node = document.getElementById("canarysim-data");
  if (!node) return;
  var D = JSON.parse(node.textContent);
  if (!D.run) return;
  var R = D.run;
  var gv = CS.getview, ch = CS.charts;
  var $ = function (id) { return document.getElementById(id); };

  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8B6D00"];
  var DASHES = [null, "7 4", "2 3", "10 3 2 3", "4 2"];
  var MARKERS = ["circle", "square", "triangle", "diamond", "cross"];
  var OFFPOD = { color: "#6b6b6b", dash: "1.5 2.5", marker: null };
  var ROLE = {
    stable: { color: "#0072B2", dash: null }, canary: { color: "#E69F00", dash: "7 4" },
    old: { color: "#7f7f7f", dash: "2 3" }, other: { color: "#7f7f7f", dash: "2 3" },
  };

  function styleOf(label) {
    if (label.charAt(0) === "(") return OFFPOD;
    var images = R.traffic.labels.filter(function (l) { return l.charAt(0) !== "("; });
    var i = Math.max(0, images.indexOf(label));
    return { color: PALETTE[i % PALETTE.length], dash: DASHES[i % DASHES.length], marker: MARKERS[i % MARKERS.length] };
  }

  var time = 0, playing = false, timer = null;
  var scrub = $("scrub"), clock = $("clock"), playBtn = $("play");
  var instants = R.instants;

  /* -- charts ------------------------------------------------------------------------- */
  var marks = R.milestones.map(function (m) {
    var color = { update: "#444444", promoted: "#1b7837", aborted: "#b2182b" }[m.what];
    return { time: m.time, kind: m.what, label: m.what, color: color };
  }).concat(R.faults.map(function (f) {
    return { time: f.time, kind: "fault", label: "fault: " + f.message, color: "#b2182b" };
  }));
  var ctx = {
    until: R.until, bands: R.bands, pauses: R.pauses, marks: marks, now: 0,
    onPick: function (t) { setTime(t); scrub.focus(); },
  };
  var T = R.series.time;
  var box = $("charts");
  var markLegend = [];
  if (R.pauses.length) markLegend.push({ label: "paused (hatched)", color: "#9a9a9a", width: 6, dash: "2 2" });
  R.milestones.forEach(function (m) {
    if (!markLegend.some(function (x) { return x.label === m.what; })) {
      var mk = marks.find(function (x) { return x.kind === m.what; });
      markLegend.push({ label: m.what, color: mk.color, dash: "1.5 2.5", width: 1.5 });
    }
  });
  R.faults.forEach(function (f) {
    markLegend.push({ label: "⚡ fault " + ch.offset(f.time) + ": " + f.message, color: "#b2182b", dash: "5 3", width: 1.5 });
  });

  var weightSeries = Object.keys(R.series.weight).map(function (dest) {
    var st = ROLE[dest] || ROLE.old;
    return { label: dest, xs: T, ys: R.series.weight[dest], color: st.color, dash: st.dash, width: dest === "canary" ? 2.6 : 2 };
  });
  ch.add(box, {
    id: "weight", title: R.routed ? "Router weight per destination" : "Traffic share by available pods (no traffic routing)",
    unit: "%", tipUnit: "%", series: weightSeries, bands: true, yMax: 100, legendExtra: markLegend,
    summary: R.bands.map(function (b) { return b.label + " from " + ch.offset(b.start) + " to " + ch.offset(b.end); }).join("; "),
  }, ctx);

  var podSeries = [];
  Object.keys(R.series.pods).forEach(function (role) {
    var st = ROLE[role] || ROLE.old;
    var f = R.series.pods[role];
    [["desired", "7 4", 1.4], ["ready", "2 3", 1.6], ["available", null, 2.2]].forEach(function (k) {
      if (f[k[0]]) podSeries.push({ label: role + " " + k[0], xs: T, ys: f[k[0]], color: st.color, dash: k[1], width: k[2], marker: k[0] === "available" ? MARKERS[["stable", "canary", "old"].indexOf(role)] : null });
    });
  });
  ch.add(box, { id: "pods", title: "Pods per ReplicaSet (desired dashed, ready dotted, available solid)", unit: "pods", series: podSeries, integer: true }, ctx);

  function rateSeries(what) {
    return R.traffic.labels.map(function (label) {
      var st = styleOf(label);
      return { label: label, xs: R.traffic.start, ys: R.traffic[what][label], color: st.color, dash: st.dash, marker: st.marker, width: 1.8 };
    });
  }
  var width = R.traffic.width;
  ch.add(box, { id: "requests", title: "Requests per second, per image (" + width + " s windows)", unit: "req/s", tipUnit: "/s", series: rateSeries("requests"), note: "Requests no pod answered (no endpoint, no route) are drawn apart, in grey dots." }, ctx);
  ch.add(box, { id: "errors", title: "Errors per second, per image (" + width + " s windows)", unit: "err/s", tipUnit: "/s", series: rateSeries("errors") }, ctx);

  var latSeries = [];
  Object.keys(R.series.latency).forEach(function (label) {
    var st = styleOf(label);
    [["p50", null, 1.6], ["p99", "6 3", 1.4]].forEach(function (q) {
      var ys = R.series.latency[label][q[0]];
      if (ys) latSeries.push({ label: label + " " + q[0], xs: T, ys: ys, color: st.color, dash: q[1], width: q[2], marker: st.marker });
    });
  });
  ch.add(box, { id: "latency", title: "Latency per image (p50 solid, p99 dashed)", unit: "ms", tipUnit: "ms", series: latSeries }, ctx);

  var SHAPE = { Successful: "circle", Failed: "cross", Inconclusive: "triangle", Error: "square" };
  var metrics = Object.keys(R.analysis);
  if (metrics.length) {
    var aSeries = [], hlines = [];
    metrics.forEach(function (metric, i) {
      var a = R.analysis[metric];
      var color = ["#5e3c99", "#1f78b4", "#33a02c", "#6a3d9a"][i % 4];
      aSeries.push({
        label: metric + " (measured; ● successful ✖ failed ▲ inconclusive ■ error)", mode: "points", line: true, width: 1.2, dash: "1 2",
        xs: a.points.map(function (p) { return p.time; }), ys: a.points.map(function (p) { return p.value; }),
        color: color,
        shapes: a.points.map(function (p) {
          return { x: p.time, y: p.value, shape: SHAPE[p.phase] || "diamond", title: metric + " " + p.phase + " " + p.raw + " at " + ch.offset(p.time) };
        }),
      });
      a.thresholds.forEach(function (th) {
        var ok = th.kind === "success";
        hlines.push({ y: th.value, label: th.label, kind: th.kind, color: ok ? "#1b7837" : "#b2182b", dash: ok ? "9 4" : "3 3 9 3" });
      });
    });
    ch.add(box, { id: "analysis", title: "Analysis measurements against thresholds (success long dashes, failure dash-dot)", unit: "value", series: aSeries, hlines: hlines }, ctx);
  }

  /* -- the state at the instant ---------------------------------------------------------- */
  function manifestsAt(t) {
    var h = R.manifests, best = null;
    for (var i = 0; i < h.length; i++) { if (h[i].time <= t) best = h[i]; else break; }
    return best || h[0] || { time: 0, objects: [] };
  }

  function soFar(t) {
    // counts of every series row that started before t (each row is a bucket [time[i], time[i+1]))
    var n = ch.indexAt(T, t - 1e-9) + 1;
    if (t >= R.until) n = T.length;
    var out = {};
    Object.keys(R.series.counts).forEach(function (label) {
      var c = R.series.counts[label], req = 0, err = 0;
      for (var i = 0; i < n; i++) { req += c.requests[i]; err += c.errors[i]; }
      out[label] = { requests: req, errors: err };
    });
    return out;
  }

  function cell(tr, text, tag) {
    var e = document.createElement(tag || "td");
    e.textContent = text;
    tr.appendChild(e);
    return e;
  }

  function renderNow(t) {
    var dl = $("now");
    dl.textContent = "";
    function item(k, v, id) {
      var dt = document.createElement("dt"); dt.textContent = k; dl.appendChild(dt);
      var dd = document.createElement("dd"); dd.textContent = v; if (id) dd.id = id; dl.appendChild(dd);
    }
    var i = Math.max(0, ch.indexAt(T, t));
    Object.keys(R.series.weight).forEach(function (dest) {
      item((R.routed ? "weight " : "share ") + dest, ch.fmt(R.series.weight[dest][i]) + " %", "now-weight-" + dest);
    });
    var band = R.bands.find(function (b) { return b.start <= t && t < b.end; });
    item("step", band ? band.label : "–", "now-step");
    var tb = $("sofar").querySelector("tbody");
    tb.textContent = "";
    var sf = soFar(t);
    Object.keys(sf).forEach(function (label) {
      var tr = document.createElement("tr");
      tr.dataset.label = label;
      cell(tr, label, "th").setAttribute("scope", "row");
      cell(tr, String(sf[label].requests)).className = "num";
      cell(tr, String(sf[label].errors)).className = "num";
      var rate = sf[label].requests ? (100 * sf[label].errors / sf[label].requests) : 0;
      cell(tr, sf[label].requests ? rate.toPrecision(3) + " %" : "–").className = "num";
      tb.appendChild(tr);
    });
  }

  function renderManifests(t) {
    var state = manifestsAt(t);
    var root = $("manifests");
    root.textContent = "";
    if (!state.objects.length) {
      root.textContent = "No router objects: this rollout routes no traffic through a mesh.";
      return;
    }
    var p = document.createElement("p");
    p.className = "note";
    p.textContent = "As Argo last wrote them at " + ch.offset(state.time) + ".";
    root.appendChild(p);
    state.objects.forEach(function (o) {
      var d = document.createElement("details");
      d.open = o.kind === "VirtualService";
      var s = document.createElement("summary");
      s.textContent = o.kind + " " + o.name;
      d.appendChild(s);
      var pre = document.createElement("pre");
      pre.className = "yaml";
      pre.dataset.kind = o.kind;
      pre.textContent = o.yaml;
      d.appendChild(pre);
      root.appendChild(d);
    });
  }

  function renderAnalysis(t) {
    var root = $("analysis");
    root.textContent = "";
    if (!metrics.length) { root.textContent = "No analysis in this run."; return; }
    var table = document.createElement("table");
    var head = document.createElement("tr");
    ["time", "metric", "run", "phase", "value", "thresholds"].forEach(function (h) { cell(head, h, "th").setAttribute("scope", "col"); });
    var thead = document.createElement("thead"); thead.appendChild(head); table.appendChild(thead);
    var tb = document.createElement("tbody");
    var count = 0;
    metrics.forEach(function (metric) {
      var a = R.analysis[metric];
      var th = a.thresholds.map(function (x) { return x.label; }).join("; ") || "–";
      a.points.forEach(function (p) {
        if (p.time > t) return;
        count++;
        var tr = document.createElement("tr");
        cell(tr, ch.offset(p.time));
        cell(tr, metric);
        cell(tr, p.run);
        var icon = { Successful: "✔", Failed: "✖", Inconclusive: "?", Error: "⚠" }[p.phase] || "•";
        cell(tr, icon + " " + p.phase).className = "phase-" + p.phase;
        cell(tr, p.raw);
        cell(tr, th);
        tb.appendChild(tr);
      });
    });
    table.appendChild(tb);
    if (!count) { root.textContent = "No measurement yet."; return; }
    root.appendChild(table);
  }

  function renderEvents(t) {
    var ol = $("events");
    ol.textContent = "";
    var past = R.events.filter(function (e) { return e.time <= t; }).slice(-12);
    past.forEach(function (e) {
      var li = document.createElement("li");
      if (e.kind === "Warning") li.className = "warning";
      var when = document.createElement("span"); when.className = "when"; when.textContent = ch.offset(e.time);
      li.appendChild(when);
      li.appendChild(document.createTextNode(" " + (e.kind === "Warning" ? "⚠ " : "") + e.reason + " " + e.object + ": " + e.message));
      ol.appendChild(li);
    });
    if (!past.length) ol.textContent = "Nothing yet.";
  }

  /* The view's text as is (its textContent is exactly the renderer's), with each icon in a box
   * one column wide: fonts without Argo's icons (⧉ ॥ ...) fall back to wider glyphs, which would
   * push the tree's columns out of line. */
  var ICONS = /([⟳⧉□αΣ#◷◌⚠?✔✖॥•])/u;
  function showView(pre, text) {
    pre.textContent = "";
    text.split(ICONS).forEach(function (part, i) {
      if (i % 2) {
        var span = document.createElement("span");
        span.className = "icon";
        span.dataset.icon = part;  // coloured as Argo's CLI colours it (report.css)
        span.textContent = part;
        pre.appendChild(span);
      } else if (part) {
        pre.appendChild(document.createTextNode(part));
      }
    });
  }

  function setTime(t, opts) {
    t = Math.max(0, Math.min(R.until, Number(t)));
    time = t;
    scrub.value = String(t);
    var text = ch.offset(t);
    clock.textContent = text;
    scrub.setAttribute("aria-valuetext", text);
    var snap = gv.statusAt(R.snapshots, t);
    showView($("getview"), gv.renderRollout(snap, t, R.analysisCreated));
    $("get-at").textContent = "--at " + text;
    $("phase").textContent = snap.phase + (snap.step_index !== null ? ", step " + snap.step_index + "/" + snap.step_count : "");
    renderNow(t);
    renderManifests(t);
    renderAnalysis(t);
    renderEvents(t);
    ch.cursorAt(t);
    if (!(opts && opts.keepHash)) {
      try { history.replaceState(null, "", "#t=" + Math.round(t)); } catch (e) { /* file:// in some browsers */ }
    }
  }

  function nextInstant(dir) {
    if (dir > 0) return instants.find(function (x) { return x > time + 1e-6; });
    var prev = instants.filter(function (x) { return x < time - 1e-6; });
    return prev.length ? prev[prev.length - 1] : 0;
  }

  function jump(dir) {
    var t = nextInstant(dir);
    setTime(t === undefined ? R.until : t);
  }

  function play(on) {
    playing = on;
    playBtn.setAttribute("aria-pressed", on ? "true" : "false");
    playBtn.textContent = on ? "❚❚ Pause" : "▶ Play";
    clearInterval(timer);
    if (!on) return;
    if (time >= R.until) setTime(0);
    timer = setInterval(function () {
      var speed = Number($("speed").value);
      var t = time + speed / 10;
      if (t >= R.until) { setTime(R.until); play(false); return; }
      setTime(t);
    }, 100);
  }

  scrub.max = String(R.until);
  scrub.addEventListener("input", function () { setTime(Number(scrub.value)); });
  playBtn.addEventListener("click", function () { play(!playing); });
  $("next-event").addEventListener("click", function () { jump(1); });
  $("prev-event").addEventListener("click", function () { jump(-1); });
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && ev.target !== scrub)) return;
    if (tag === "BUTTON" && (ev.key === " " || ev.key === "Enter")) return;
    var step = ev.shiftKey ? 60 : 10, handled = true;
    switch (ev.key) {
      case "ArrowRight": case "ArrowUp": setTime(time + step); break;
      case "ArrowLeft": case "ArrowDown": setTime(time - step); break;
      case "PageUp": setTime(time + 600); break;
      case "PageDown": setTime(time - 600); break;
      case "Home": setTime(0); break;
      case "End": setTime(R.until); break;
      case "n": case "N": jump(1); break;
      case "p": case "P": jump(-1); break;
      case " ": case "k": play(!playing); break;
      default: handled = false;
    }
    if (handled) ev.preventDefault();
  });

  var m = /#t=([0-9.]+)/.exec(location.hash);
  setTime(m ? Number(m[1]) : 0, { keepHash: true });
  CS.setTime = setTime;
  CS.time = function () { return time; };
  CS.soFar = soFar;
  document.documentElement.dataset.ready = "true";
})();
