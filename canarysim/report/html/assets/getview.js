/* `kubectl argo rollouts get rollout`, rendered in the browser from a snapshot of result.json.
 *
 * A line-for-line port of canarysim/report/getview.py (plain style, no colour), so that the
 * page can show pod ages and scale-down delays at any scrubbed instant without embedding one
 * text per second. tests/browser checks that both give the same text at many instants; change
 * them together. */
"use strict";
var CS = window.CS || {};
window.CS = CS;

CS.getview = (function () {
  var ICON = {
    WAITING: "◷", PROGRESSING: "◌", WARNING: "⚠", UNKNOWN: "?",
    OK: "✔", BAD: "✖", PAUSED: "॥", NEUTRAL: "•",
  };
  var KIND = {
    ROLLOUT: "⟳", REVISION: "#", REPLICASET: "⧉", POD: "□", ANALYSIS: "α", EXPERIMENT: "Σ",
  };
  var LABEL_WIDTH = 17;
  var PADDING = 2;

  function len(s) { return Array.from(s).length; }  // Python's len: code points
  function pad(s, n) { var k = n - len(s); return k > 0 ? s + " ".repeat(k) : s; }
  function rstrip(s) { return s.replace(/\s+$/u, ""); }

  function lookup(table, key, fallback) {
    return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : fallback;
  }

  function rolloutIcon(phase) {
    return lookup({
      Progressing: ICON.PROGRESSING, Error: ICON.WARNING, InvalidSpec: ICON.WARNING,
      Paused: ICON.PAUSED, Healthy: ICON.OK, Degraded: ICON.BAD, Unknown: ICON.UNKNOWN,
      ScaledDown: ICON.NEUTRAL,
    }, phase, " ");
  }

  function replicaSetStatus(rs) {
    if (rs.available < rs.desired) return "Progressing";
    if (rs.desired === 0) return "ScaledDown";
    return "Healthy";
  }

  function replicaSetIcon(status) {
    return lookup({
      Progressing: ICON.PROGRESSING, Healthy: ICON.OK, ReplicaFailure: ICON.BAD,
      ScaledDown: ICON.NEUTRAL,
    }, status, " ");
  }

  function podIcon(status) {
    if (status.startsWith("Init:")) return ICON.PROGRESSING;
    if (status.startsWith("Signal:") || status.startsWith("ExitCode:")) return ICON.BAD;
    if (status.endsWith("Error") || status.startsWith("Err")) return ICON.WARNING;
    return lookup({
      Pending: ICON.PROGRESSING, Terminating: ICON.PROGRESSING,
      ContainerCreating: ICON.PROGRESSING, Running: ICON.OK, Completed: ICON.OK,
      Failed: ICON.BAD, InvalidImageName: ICON.BAD, CrashLoopBackOff: ICON.BAD,
      ImagePullBackOff: ICON.WARNING, RegistryUnavailable: ICON.WARNING, Unknown: ICON.UNKNOWN,
    }, status, " ");
  }

  function analysisIcon(phase) {
    return lookup({
      Successful: ICON.OK, Inconclusive: ICON.UNKNOWN, Failed: ICON.BAD, Error: ICON.WARNING,
      Running: ICON.PROGRESSING, Pending: ICON.WAITING,
    }, phase, " ");
  }

  /* Kubernetes' duration.HumanDuration (report/durations.py::human_duration). */
  function humanDuration(seconds) {
    var secs = Math.trunc(seconds);
    if (secs < -1) return "<invalid>";
    if (secs < 0) return "0s";
    if (secs < 120) return secs + "s";
    var minutes = Math.floor(secs / 60);
    if (minutes < 10) {
      var s = secs % 60;
      return s === 0 ? minutes + "m" : minutes + "m" + s + "s";
    }
    if (minutes < 3 * 60) return minutes + "m";
    var hours = Math.floor(secs / 3600);
    if (hours < 8) {
      var m = minutes % 60;
      return m === 0 ? hours + "h" : hours + "h" + m + "m";
    }
    if (hours < 48) return hours + "h";
    var days = Math.floor(hours / 24);
    if (hours < 24 * 8) {
      var h = hours % 24;
      return h === 0 ? days + "d" : days + "d" + h + "h";
    }
    if (hours < 24 * 365 * 2) return days + "d";
    var years = Math.floor(days / 365);
    if (hours < 24 * 365 * 8) {
      var d = days % 365;
      return d === 0 ? years + "y" : years + "y" + d + "d";
    }
    return years + "y";
  }

  function age(created, now) {
    if (created === null || created === undefined) return "";
    return humanDuration(now - Math.floor(created));
  }

  function scaleDownDelay(deadline, now) {
    deadline = Math.floor(deadline);
    if (deadline < now) return "passed";
    return humanDuration(deadline - now);
  }

  function tags(snap, rs) {
    if (snap.strategy === "BlueGreen") {
      // stable, then active or preview: the hashes the blue-green Services select
      var out = snap.stable_hash && rs.hash === snap.stable_hash ? ["stable"] : [];
      var active = snap.active_hash || "", preview = snap.preview_hash || "";
      if (active && rs.hash === active) out.push("active");
      else if (preview && rs.hash === preview) out.push("preview");
      return out;
    }
    if (snap.stable_hash || snap.canary_hash) {
      if (rs.hash === snap.stable_hash) return ["stable"];
      if (rs.hash === snap.canary_hash) return ["canary"];
      return [];
    }
    return rs.role === "stable" || rs.role === "canary" ? [rs.role] : [];
  }

  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  // the order info.Images appends an image's tags in (getview.py's _TAG_ORDER)
  var TAG_ORDER = ["canary", "stable", "active", "preview"];
  function tagCmp(a, b) { return TAG_ORDER.indexOf(a) - TAG_ORDER.indexOf(b); }

  function images(snap) {
    var merged = {};
    snap.replica_sets.forEach(function (rs) {
      if (rs.current > 0) {
        var set = merged[rs.image] || (merged[rs.image] = {});
        tags(snap, rs).forEach(function (t) { set[t] = true; });
      }
    });
    return Object.keys(merged).sort(cmp).map(function (img) {
      return { image: img, tags: Object.keys(merged[img]).sort(tagCmp) };
    });
  }

  function replicaSets(snap) {
    return snap.replica_sets.slice().sort(function (a, b) {
      return (b.revision - a.revision) || cmp(a.name, b.name);
    });
  }

  function runCreated(ar, hints) {
    if (ar.created !== undefined && ar.created !== null) return ar.created;
    return Object.prototype.hasOwnProperty.call(hints, ar.name) ? hints[ar.name] : null;
  }

  function analysisRuns(snap, hints) {
    var runs = snap.analysis_runs.slice();
    runs.sort(function (a, b) { return cmp(b.name, a.name); });
    runs.sort(function (a, b) {
      return (b.revision - a.revision) ||
        (Math.floor(runCreated(a, hints) || 0) - Math.floor(runCreated(b, hints) || 0));
    });
    return runs;
  }

  function prefixes(isLast, sub) {
    return isLast ? [sub + "└──", sub + "   "] : [sub + "├──", sub + "│  "];
  }

  function tabulate(rows) {
    var ncols = Math.max.apply(null, rows.map(function (r) { return r.length; }));
    var widths = new Array(ncols).fill(0);
    rows.forEach(function (row) {
      row.slice(0, -1).forEach(function (cell, i) {
        widths[i] = Math.max(widths[i], len(cell) + PADDING);
      });
    });
    return rows.map(function (row) {
      var parts = row.slice(0, -1).map(function (c, i) { return pad(c, widths[i]); });
      parts.push(row[row.length - 1]);
      return rstrip(parts.join(""));
    });
  }

  function header(snap) {
    function line(label, value) { return rstrip(pad(label, LABEL_WIDTH) + String(value)); }
    var out = [
      line("Name:", snap.name),
      line("Namespace:", snap.namespace),
      line("Status:", rolloutIcon(snap.phase) + " " + snap.phase),
    ];
    if (snap.message) out.push(line("Message:", snap.message));
    out.push(line("Strategy:", snap.strategy));
    if (snap.strategy === "Canary") {
      var step = "";
      if (snap.step_index !== null && snap.step_count > 0) {
        step = snap.step_index + "/" + snap.step_count;
      }
      out.push(line("  Step:", step));
      out.push(line("  SetWeight:", snap.set_weight));
      out.push(line("  ActualWeight:", snap.actual_weight));
    }
    images(snap).forEach(function (info, i) {
      var text = info.image;
      if (info.tags.length) text += " (" + info.tags.join(", ") + ")";
      out.push(line(i === 0 ? "Images:" : "", text));
    });
    out.push("Replicas:");
    out.push(line("  Desired:", snap.desired));
    out.push(line("  Current:", snap.current));
    out.push(line("  Updated:", snap.updated));
    out.push(line("  Ready:", snap.ready));
    out.push(line("  Available:", snap.available));
    return out;
  }

  function replicaSetRows(snap, rs, prefix, sub, now) {
    var info = tags(snap, rs).slice();
    if (rs.scale_down_at !== null && rs.scale_down_at !== undefined) {
      info.push("delay:" + scaleDownDelay(rs.scale_down_at, now));
    }
    var status = replicaSetStatus(rs);
    var rows = [[
      prefix + KIND.REPLICASET + " " + rs.name, "ReplicaSet",
      replicaSetIcon(status) + " " + status, age(rs.created, now), info.join(","),
    ]];
    var pods = (rs.pods || []).slice().sort(function (a, b) {
      return (Math.floor(a.created) - Math.floor(b.created)) || cmp(a.name, b.name);
    });
    pods.forEach(function (pod, k) {
      var p = prefixes(k === pods.length - 1, sub)[0];
      var podInfo = "ready:" + (pod.ready ? 1 : 0) + "/1";
      if (pod.restarts > 0) podInfo += ",restarts:" + pod.restarts;
      rows.push([
        p + KIND.POD + " " + pod.name, "Pod", podIcon(pod.status) + " " + pod.status,
        age(pod.created, now), podInfo,
      ]);
    });
    return rows;
  }

  function analysisRow(ar, prefix, created, now) {
    var counts = [
      [ICON.OK, ar.successful], [ICON.BAD, ar.failed],
      [ICON.UNKNOWN, ar.inconclusive], [ICON.WARNING, ar.errors],
    ];
    var info = counts.filter(function (c) { return c[1] > 0; })
      .map(function (c) { return c[0] + " " + c[1]; }).join(",");
    return [
      prefix + KIND.ANALYSIS + " " + ar.name, "AnalysisRun",
      analysisIcon(ar.phase) + " " + ar.phase, age(created, now), info,
    ];
  }

  function tree(snap, now, hints) {
    var rows = [["NAME", "KIND", "STATUS", "AGE", "INFO"]];
    rows.push([
      KIND.ROLLOUT + " " + snap.name, "Rollout", rolloutIcon(snap.phase) + " " + snap.phase,
      age("created" in snap ? snap.created : 0, now), "",
    ]);
    var sets = replicaSets(snap);
    var runs = analysisRuns(snap, hints);
    var exps = (snap.experiments || []).slice();
    var seen = {};
    sets.concat(runs, exps).forEach(function (o) { seen[o.revision] = true; });
    var revisions = Object.keys(seen).map(Number).sort(function (a, b) { return b - a; });
    revisions.forEach(function (revision, i) {
      var pr = prefixes(i === revisions.length - 1, "");
      rows.push([pr[0] + KIND.REVISION + " revision:" + revision, "", " ", "", ""]);
      var children = sets.filter(function (rs) { return rs.revision === revision; })
        .map(function (x) { return ["rs", x]; })
        .concat(exps.filter(function (e) { return e.revision === revision; })
          .map(function (x) { return ["exp", x]; }))
        .concat(runs.filter(function (ar) { return ar.revision === revision; })
          .map(function (x) { return ["run", x]; }));
      children.forEach(function (pair, j) {
        var child = pair[1];
        var cp = prefixes(j === children.length - 1, pr[1]);
        if (pair[0] === "exp") {
          rows.push([
            cp[0] + KIND.EXPERIMENT + " " + child.name, "Experiment",
            analysisIcon(child.phase) + " " + child.phase, age(child.created, now), "",
          ]);
          var kids = (child.replica_sets || []).map(function (x) { return ["rs", x]; })
            .concat((child.analysis_runs || []).map(function (x) { return ["run", x]; }));
          kids.forEach(function (kid, k) {
            var kp = prefixes(k === kids.length - 1, cp[1]);
            if (kid[0] === "rs") {
              rows.push.apply(rows, replicaSetRows(snap, kid[1], kp[0], kp[1], now));
            } else {
              rows.push(analysisRow(kid[1], kp[0], child.available_at, now));
            }
          });
        } else if (pair[0] === "rs") {
          rows.push.apply(rows, replicaSetRows(snap, child, cp[0], cp[1], now));
        } else {
          rows.push(analysisRow(child, cp[0], runCreated(child, hints), now));
        }
      });
    });
    return tabulate(rows);
  }

  /* The snapshot in effect at t: the last one at or before t, else the first. */
  function statusAt(snapshots, t) {
    var lo = 0, hi = snapshots.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (snapshots[mid].time <= t) lo = mid + 1; else hi = mid;
    }
    return snapshots[Math.max(lo - 1, 0)];
  }

  function renderRollout(snap, now, hints) {
    var when = now === undefined || now === null ? snap.time : now;
    var lines = header(snap).concat([""], tree(snap, when, hints || {}));
    return lines.join("\n") + "\n";
  }

  return {
    renderRollout: renderRollout,
    statusAt: statusAt,
    humanDuration: humanDuration,
    icons: ICON,
  };
})();
