/* unmask investigation report. Every string in DATA is hostile: it is only ever put into the page
   as text (textContent, text nodes, attribute values via setAttribute of an allowlist), never as
   markup, and no link is ever made from it. */
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("unmask-data").textContent);
  var A = D.accounts || { n: 0, verdicts: [], cols: {} };
  var C = A.cols || {};
  var N = A.n || 0;
  var STATE = { nets: new Map(), cards: new Map(), errors: [] };
  window.__unmask = STATE;

  // ---------------------------------------------------------------- safe DOM building
  var MARKS = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;
  var CTRL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
  function hex(c) { return c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0"); }
  /** Data string made visible: invisible direction marks and control characters shown as marks. */
  function vis(s) {
    if (s === null || s === undefined) return "";
    return String(s).replace(MARKS, function (c) { return "\u27E6U+" + hex(c) + "\u27E7"; })
      .replace(CTRL, function (c) { return "\u27E6U+" + hex(c) + "\u27E7"; });
  }
  var SAFE_ATTR = /^(class|id|title|type|value|placeholder|role|colspan|for|name|min|max|step|open|checked|selected|disabled|hidden|tabindex|scope|dir|aria-[a-z]+|data-[a-z-]+)$/;
  function add(e, kids) {
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i];
      if (k === null || k === undefined || k === false) continue;
      if (Array.isArray(k)) add(e, k);
      else if (k instanceof Node) e.appendChild(k);
      else e.appendChild(document.createTextNode(vis(k)));
    }
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") e.textContent = vis(v);
      else if (k === "href") {
        var s = String(v);
        if (s.charAt(0) !== "#") throw new Error("only in-page links are made");
        e.setAttribute("href", s);
      } else if (k.slice(0, 2) === "on" && typeof v === "function") e.addEventListener(k.slice(2), v);
      else if (SAFE_ATTR.test(k)) e.setAttribute(k, v === true ? "" : vis(v));
      else throw new Error("attribute not allowed: " + k);
    });
  }
  function h(tag, attrs) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    return add(e, Array.prototype.slice.call(arguments, 2));
  }
  /** A data string, isolated so that its direction cannot spill into the page. */
  function t(s, cls) { return h("bdi", cls ? { "class": cls } : null, s); }
  var NS = "http://www.w3.org/2000/svg";
  function sv(tag, attrs) {
    var e = document.createElementNS(NS, tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined) return;
      if (k === "text") e.textContent = vis(v);
      else if (k === "title") e.appendChild(sv("title", { text: v }));
      else if (/^[a-zA-Z][a-zA-Z0-9-]*$/.test(k) && k.slice(0, 2).toLowerCase() !== "on" && k !== "href") e.setAttribute(k, String(v));
      else throw new Error("svg attribute not allowed: " + k);
    });
    return add(e, Array.prototype.slice.call(arguments, 2));
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }

  // ---------------------------------------------------------------- formatting
  function isNum(x) { return typeof x === "number" && isFinite(x); }
  function fint(n) { return isNum(n) ? Math.round(n).toLocaleString("en-US") : "–"; }
  function fnum(x, d) { return isNum(x) ? x.toFixed(d === undefined ? 2 : d) : "–"; }
  function fpct(x) { return isNum(x) ? (x * 100 < 1 && x > 0 ? (x * 100).toFixed(2) : (x * 100).toFixed(1)) + " %" : "–"; }
  function fq(q) { return isNum(q) ? (q === 0 ? "0" : q < 1e-3 ? q.toExponential(0) : q.toPrecision(2)) : "–"; }
  function ftime(s) {
    var v = tsec(s);
    if (v === null) return typeof s === "string" ? s : "–";
    if (typeof s === "string" && /^\d{4}-\d\d-\d\d$/.test(s)) return s;
    var iso = new Date(v * 1000).toISOString();
    return iso.slice(0, 10) + " " + iso.slice(11, 16) + " UTC";
  }
  function fday(s) { return typeof s === "string" ? s.slice(0, 10) : isNum(s) ? new Date(s * 1000).toISOString().slice(0, 10) : "–"; }
  function fdur(sec) {
    if (!isNum(sec)) return "–";
    var a = Math.abs(sec);
    if (a < 90) return Math.round(sec) + " s";
    if (a < 5400) return Math.round(sec / 60) + " min";
    if (a < 172800) return (sec / 3600).toFixed(1) + " h";
    return (sec / 86400).toFixed(1) + " days";
  }
  function foff(o) {
    if (!isNum(o)) return "unknown";
    var s = o < 0 ? "\u2212" : "+", a = Math.abs(o), hh = Math.floor(a), mm = Math.round((a - hh) * 60);
    return "UTC" + s + hh + (mm ? ":" + String(mm).padStart(2, "0") : "");
  }
  function tsec(s) {
    if (isNum(s)) return s;
    if (typeof s !== "string") return null;
    // "2024-03-05 10:00:01.125000+00:00", "2024-03-05T10:00:01Z", "2024-03-05"
    var m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?)?\s*(Z|[+-]\d\d:?\d\d)?/.exec(s);
    if (!m) return null;
    var iso = m[1] + "T" + (m[2] ? (m[2].length === 5 ? m[2] + ":00" : m[2]) : "00:00:00") + (m[3] ? "." + m[3].slice(0, 3) : "") + (m[4] ? (m[4] === "Z" ? "Z" : m[4].length === 5 ? m[4].slice(0, 3) + ":" + m[4].slice(3) : m[4]) : "Z");
    var v = Date.parse(iso);
    return isNaN(v) ? null : v / 1000;
  }
  var DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

  var VERDICTS = {
    coordinated_inauthentic: ["coordinated inauthentic", "#c0392b", "Acts together with other accounts far more often than chance allows, and the group shows signs of a hidden operator (working hours of another time zone, shifts, accounts created in bulk, shared authorship, automation). Flagged when the score reaches the threshold."],
    automated_coordinated: ["automated & coordinated", "#8e44ad", "Posts like a machine and does so in step with other accounts. Flagged when the score reaches the threshold."],
    coordinated_organic: ["coordinated organic", "#e67e22", "Acts together with others, but the way people do: ordinary daily rhythms, accounts of different ages, varied wording (fans, activists, a newsroom). Shown, not flagged."],
    automated_benign: ["automated benign", "#7f8c8d", "Posts like a machine (scheduler, news feed, bot) but does not coordinate with a group. Not flagged."],
    no_finding: ["no finding", "#aab2bd", "Nothing unusual was found. This is not proof of authenticity: see the known limits."]
  };
  function vinfo(v) { return typeof v === "string" && Object.prototype.hasOwnProperty.call(VERDICTS, v) ? VERDICTS[v] : null; }
  function vname(v) { var i = vinfo(v); return i ? i[0] : String(v || "unknown"); }
  function vcolor(v) { var i = vinfo(v); return i ? i[1] : "#aab2bd"; }
  function badge(v) {
    var i = vinfo(v);
    return h("span", { "class": i ? "badge " + v : "badge", title: i ? i[2] : "" }, vname(v));
  }
  function vOf(row) { return A.verdicts[C.verdict[row]]; }
  function scorebar(x) {
    var sp = h("span");
    sp.style.width = (isNum(x) ? Math.max(0, Math.min(1, x)) * 100 : 0) + "%";
    var thr = isNum(D.threshold) ? D.threshold : 0.5;
    return h("span", null, h("span", { "class": "scorebar" + (isNum(x) && x >= thr ? " hi" : "") }, sp), fnum(x));
  }

  // ---------------------------------------------------------------- index of accounts
  var ROW_OF = new Map();
  for (var r0 = 0; r0 < N; r0++) ROW_OF.set(C.id[r0], r0);
  function label(row) { return C.handle[row] ? "@" + C.handle[row] : C.id[row]; }
  function accountLink(row, text) {
    return h("button", {
      type: "button", "class": "linklike", title: "Open the dossier of " + vis(C.id[row]),
      onclick: function () { openDossier(row); }
    }, t(text === undefined ? label(row) : text));
  }
  function accountRef(id, handle) {
    var row = ROW_OF.get(id);
    if (row !== undefined) return accountLink(row, handle ? "@" + handle : undefined);
    return t(handle ? "@" + handle : id);
  }

  // ---------------------------------------------------------------- generic key/value rendering
  function isScalar(v) { return v === null || typeof v !== "object"; }
  var TS = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?$/;
  function scalarText(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "string" && TS.test(v)) return ftime(v);
    if (typeof v === "number") return Number.isInteger(v) ? fint(v) : (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : String(Math.round(v * 1000) / 1000));
    if (typeof v === "boolean") return v ? "yes" : "no";
    return String(v);
  }
  function valueNode(v, depth) {
    if (isScalar(v)) return t(scalarText(v));
    if (Array.isArray(v)) {
      if (!v.length) return t("none");
      if (v.every(isScalar)) return t(v.slice(0, 50).map(scalarText).join(", ") + (v.length > 50 ? " …" : ""));
      if (v.every(function (x) { return x && typeof x === "object" && !Array.isArray(x); })) return objTable(v.slice(0, 50));
      return h("pre", null, JSON.stringify(v, null, 1));
    }
    if (depth >= 2) return h("pre", null, JSON.stringify(v, null, 1));
    return kvTable(v, depth + 1);
  }
  function kvTable(obj, depth) {
    var tb = h("tbody");
    Object.keys(obj || {}).forEach(function (k) {
      tb.appendChild(h("tr", null, h("th", { scope: "row" }, t(k.replace(/_/g, " "))), h("td", null, valueNode(obj[k], depth || 0))));
    });
    return h("table", { "class": "kv" }, tb);
  }
  function objTable(list) {
    var keys = [];
    list.forEach(function (o) { Object.keys(o).forEach(function (k) { if (keys.indexOf(k) < 0 && keys.length < 12) keys.push(k); }); });
    return h("table", null,
      h("thead", null, h("tr", null, keys.map(function (k) { return h("th", null, t(k.replace(/_/g, " "))); }))),
      h("tbody", null, list.map(function (o) {
        return h("tr", null, keys.map(function (k) {
          var v = o[k];
          return h("td", { "class": typeof v === "number" ? "num" : null }, isScalar(v) ? t(scalarText(v)) : t(JSON.stringify(v)));
        }));
      })));
  }
  function find(obj, names) {
    if (!obj || typeof obj !== "object") return undefined;
    var places = [obj, obj.dataset, obj.data, obj.found, obj.findings, obj.provenance, obj.input, obj.counts];
    for (var i = 0; i < places.length; i++) {
      var p = places[i];
      if (!p || typeof p !== "object") continue;
      for (var j = 0; j < names.length; j++) if (p[names[j]] !== undefined && p[names[j]] !== null) return p[names[j]];
    }
    return undefined;
  }

  // ---------------------------------------------------------------- charts (SVG from data)
  function barSvg(opts) {
    // opts: values (array), colors (array of arrays for stacks) or color, width, height, labels fn(i)->title
    var W = opts.width || 560, H = opts.height || 160, L = 44, B = 22, T = 8, R = 8;
    var n = opts.n, stacks = opts.stacks, max = 0;
    for (var i = 0; i < n; i++) {
      var s = 0;
      stacks.forEach(function (st) { s += st.values[i] || 0; });
      max = Math.max(max, s);
    }
    max = max || 1;
    var svg = sv("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "aria-label": opts.aria || "chart" });
    var pw = (W - L - R) / Math.max(n, 1), ph = H - B - T;
    svg.appendChild(sv("line", { "class": "axis", x1: L, y1: T + ph, x2: W - R, y2: T + ph }));
    (max >= 4 ? [0, 0.5, 1] : [0, 1]).forEach(function (f) {
      var y = T + ph - f * ph;
      if (f > 0) svg.appendChild(sv("line", { "class": "grid", x1: L, y1: y, x2: W - R, y2: y }));
      svg.appendChild(sv("text", { x: L - 4, y: y + 4, "text-anchor": "end", text: opts.yfmt ? opts.yfmt(f * max, f) : fint(f * max) }));
    });
    for (var k = 0; k < n; k++) {
      var y0 = T + ph, g = sv("g", null);
      stacks.forEach(function (st) {
        var v = st.values[k] || 0;
        if (v <= 0) return;
        var hh = v / max * ph;
        y0 -= hh;
        g.appendChild(sv("rect", { x: L + k * pw + (pw > 3 ? 0.5 : 0), y: y0, width: Math.max(pw - (pw > 3 ? 1 : 0), 0.6), height: Math.max(hh, 0.5), fill: typeof st.color === "function" ? st.color(k) : st.color }));
      });
      g.appendChild(sv("rect", { x: L + k * pw, y: T, width: Math.max(pw, 0.6), height: ph, fill: "transparent", title: opts.tip ? opts.tip(k) : null }));
      svg.appendChild(g);
    }
    (opts.xticks || []).forEach(function (tk) {
      var x = L + (tk[0] + 0.5) * pw;
      svg.appendChild(sv("line", { "class": "axis", x1: x, y1: T + ph, x2: x, y2: T + ph + 4 }));
      svg.appendChild(sv("text", { x: x, y: H - 6, "text-anchor": "middle", text: tk[1] }));
    });
    (opts.marks || []).forEach(function (m) {
      var x = L + m.at * pw;
      svg.appendChild(sv("line", { x1: x, y1: T, x2: x, y2: T + ph, stroke: m.color, "stroke-width": 2, "stroke-dasharray": "4 3", title: m.title }));
      svg.appendChild(sv("text", { x: x + 3, y: T + 10 + (m.row || 0) * 12, fill: m.color, style: null, text: m.label }));
    });
    return svg;
  }
  function ticks(n, lab, k) {
    if (n <= 0) return [];
    var out = [], step = Math.max(1, Math.floor(n / (k || 4)));
    for (var i = 0; i < n; i += step) out.push([i, lab(i)]);
    return out;
  }

  // ---------------------------------------------------------------- summary
  function buildSummary() {
    var S = (D.summary && typeof D.summary === "object") ? D.summary : {};
    var body = clear(document.getElementById("summary-body"));
    var nFlag = 0, vc = Object.create(null);
    for (var i = 0; i < N; i++) { nFlag += C.flagged[i]; var v = vOf(i); vc[v] = (vc[v] || 0) + 1; }
    var cl = D.clusters || { table: [], n: 0 }, cv = Object.create(null);
    cl.table.forEach(function (r) { cv[r.verdict] = (cv[r.verdict] || 0) + 1; });
    var posts = find(S, ["posts", "n_posts"]), first = find(S, ["first_post_at", "start", "first_at", "from"]),
      last = find(S, ["last_post_at", "end", "last_at", "to"]), platforms = find(S, ["platforms"]);
    var plats = platforms && typeof platforms === "object" && !Array.isArray(platforms) ? Object.keys(platforms) : Array.isArray(platforms) ? platforms : [];
    var nInauth = (cv.coordinated_inauthentic || 0) + (cv.automated_coordinated || 0);

    var lead = h("p", { "class": "lead" },
      "This report covers ", h("b", null, isNum(posts) ? fint(posts) + " posts by " : ""), h("b", null, fint(N) + " accounts"),
      plats.length ? [" on ", t(plats.slice(0, 6).join(", "))] : "",
      first ? [" from ", t(ftime(first)), " to ", t(ftime(last))] : "", ". ",
      "unmask flagged ", h("b", null, fint(nFlag) + " accounts"), " (" + fpct(N ? nFlag / N : 0) + ") as likely coordinated inauthentic behaviour",
      cl.n ? [", found ", h("b", null, fint(cl.n) + " coordinated clusters"), ", of which " + fint(nInauth) + " look inauthentic and " + fint(cv.coordinated_organic || 0) + " look organic (people acting together in a human way, not flagged)"] : "",
      ".");
    body.appendChild(lead);
    (D.meta.missing || []).forEach(function (f) {
      body.appendChild(h("p", { "class": "warn" }, "This result has no ", h("code", null, f), "; the parts of the report that need it are left empty."));
    });
    body.appendChild(h("div", { "class": "tiles" },
      tile(fint(N), "accounts analysed"), tile(isNum(posts) ? fint(posts) : "–", "posts"),
      tile(fint(nFlag), "accounts flagged", true), tile(fint(cl.n), "coordinated clusters"),
      tile(fint(vc.coordinated_organic || 0), "accounts coordinated but organic (not flagged)")));

    var vt = h("tbody");
    Object.keys(VERDICTS).concat(Object.keys(vc).filter(function (k) { return !vinfo(k); })).forEach(function (k) {
      if (!vc[k] && !cv[k] && !vinfo(k)) return;
      vt.appendChild(h("tr", null, h("td", null, badge(k)), h("td", { "class": "num" }, fint(vc[k] || 0)),
        h("td", { "class": "num" }, fint(cv[k] || 0)), h("td", { "class": "small" }, vinfo(k) ? vinfo(k)[2] : "")));
    });
    var verdictPanel = h("div", { "class": "panel" }, h("h3", null, "What was found"),
      h("table", null, h("thead", null, h("tr", null, h("th", null, "verdict"), h("th", { "class": "num" }, "accounts"), h("th", { "class": "num" }, "clusters"), h("th", null, "meaning"))), vt));

    var thr = D.threshold, hist = D.score_hist || [];
    var sure = h("div", { "class": "panel" }, h("h3", null, "How sure"),
      h("p", null, "Each account gets a score from 0 to 1 that combines how strongly it coordinates (significance of its shared actions, corrected for the number of pairs tested) with the evidence that the group is inauthentic. ",
        isNum(thr) ? ["Accounts scoring ", h("b", null, "≥ " + fnum(thr)), " are flagged. "] : "",
        "The threshold favours precision: a flag is an accusation, so borderline accounts are left unflagged. Distribution of scores (number of accounts, logarithmic):"),
      barSvg({
        n: hist.length, width: 520, height: 150, aria: "score histogram",
        stacks: [{ values: hist.map(function (c) { return c > 0 ? Math.log10(c) + 1 : 0; }), color: function (k) { return isNum(thr) && (k + 1) / hist.length > thr ? "#c0392b" : "#7d93b8"; } }],
        yfmt: function (y, f) { return f === 0.5 ? "" : y <= 0 ? "0" : fint(Math.pow(10, y - 1)); },
        tip: function (k) { return "score " + (k / hist.length).toFixed(2) + "–" + ((k + 1) / hist.length).toFixed(2) + ": " + fint(hist[k]) + " accounts"; },
        xticks: [[0, "0"], [Math.floor(hist.length / 2), "0.5"], [hist.length - 1, "1"]]
      }));
    var model = S.model && typeof S.model === "object" ? S.model : {};
    if (model.about) sure.appendChild(h("p", { "class": "small" }, t(model.about)));
    var ev = S.evaluation || S.validation || model.metrics;
    if (ev && typeof ev === "object") sure.appendChild(h("details", null, h("summary", null, "Measured accuracy (on simulated worlds with known truth)"), kvTable(ev, 1)));
    if (model.weights && typeof model.weights === "object") sure.appendChild(h("details", null, h("summary", null, "Weights of the score"), kvTable(model.weights, 2)));
    body.appendChild(h("div", { "class": "grid2" }, verdictPanel, sure));

    // parameters and provenance
    var params = S.parameters || S.params || S.config;
    var prov = h("div", { "class": "panel" }, h("h3", null, "Provenance"));
    var facts = {};
    ["tool", "version", "tool_version", "created_at", "schema_version"].forEach(function (k) { if (S[k] !== undefined) facts[k] = S[k]; });
    facts["result directory"] = D.meta.result;
    var dsPath = find(S, ["dataset_path", "path"]);
    if (isScalar(dsPath) && dsPath !== undefined) facts["dataset"] = dsPath;
    prov.appendChild(kvTable(facts, 2));
    var inputs = find(S, ["inputs", "files", "input_files"]);
    if (Array.isArray(inputs) && inputs.length) {
      prov.appendChild(h("h4", null, "Input files and their SHA-256"));
      prov.appendChild(objTable(inputs.filter(function (x) { return x && typeof x === "object"; }).slice(0, 100)));
    }
    var versions = S.versions || (S.provenance && S.provenance.versions);
    if (versions && typeof versions === "object") { prov.appendChild(h("h4", null, "Versions")); prov.appendChild(kvTable(versions, 2)); }
    var timings = S.timings || S.timings_s;
    if (timings && typeof timings === "object") { prov.appendChild(h("h4", null, "Time taken (seconds)")); prov.appendChild(kvTable(timings, 2)); }
    var par = h("div", { "class": "panel" }, h("h3", null, "Parameters"));
    if (params && typeof params === "object") par.appendChild(kvTable(params, 1));
    else par.appendChild(h("p", { "class": "muted" }, "summary.json lists no parameters; the effective configuration follows."));
    if (D.config) par.appendChild(h("details", null, h("summary", null, "The effective configuration (config.toml): re-run with it to get the same result"), h("pre", null, D.config)));
    body.appendChild(h("div", { "class": "grid2" }, par, prov));
    body.appendChild(h("details", { "class": "panel" }, h("summary", null, "Everything in summary.json"), h("pre", null, JSON.stringify(S, null, 2))));
  }
  function tile(num, lbl, bad) { return h("div", { "class": "tile" + (bad ? " bad" : "") }, h("div", { "class": "num" }, num), h("div", { "class": "lbl" }, lbl)); }

  // ---------------------------------------------------------------- campaigns
  function buildCampaigns() {
    var body = clear(document.getElementById("campaigns-body"));
    var cp = D.campaigns || { items: [], n: 0 };
    if (!cp.items.length) { body.appendChild(h("p", { "class": "muted" }, "No campaign table in this result.")); return; }
    body.appendChild(h("p", { "class": "muted small" }, "Showing " + cp.items.length + " of " + fint(cp.n) + " hashtags and domains: first those posted most by flagged accounts, then the most used overall for comparison."));
    var legend = h("div", { "class": "legend" }, h("span", null, h("i", { "class": "sq" }), "posts by flagged accounts"),
      h("span", null, h("i", { "class": "sq" }), "by other clustered accounts"), h("span", null, h("i", { "class": "sq" }), "by everyone else"));
    ["#c0392b", "#f0a04b", "#b8c2d0"].forEach(function (c, i) { legend.children[i].firstChild.style.background = c; });
    body.appendChild(legend);
    var grid = h("div", { "class": "grid2" });
    cp.items.forEach(function (it) { grid.appendChild(campaignPanel(it)); });
    body.appendChild(grid);
  }
  function campaignPanel(it) {
    var n = it.t.length, tot = it.totals || {}, step = it.bin_s || 86400;
    var rest = [], other = [];
    for (var i = 0; i < n; i++) {
      other.push(Math.max(0, (it.clustered[i] || 0) - (it.flagged[i] || 0)));
      rest.push(Math.max(0, (it.posts[i] || 0) - Math.max(it.flagged[i] || 0, it.clustered[i] || 0)));
    }
    var ff = tsec(tot.first_flagged_at), fo = tsec(tot.first_organic_at), marks = [];
    var t0 = n ? it.t[0] : 0;
    if (ff !== null && n) marks.push({ at: Math.max(0, (ff - t0) / step), color: "#c0392b", label: "flagged", title: "first post by a flagged account: " + ftime(tot.first_flagged_at) });
    if (fo !== null && n) marks.push({ at: Math.max(0, (fo - t0) / step), color: "#56627a", label: "others", row: 1, title: "first post by any other account: " + ftime(tot.first_organic_at) });
    var chart = barSvg({
      n: n, width: 560, height: 170, aria: "posts over time",
      stacks: [{ values: it.flagged, color: "#c0392b" }, { values: other, color: "#f0a04b" }, { values: rest, color: "#b8c2d0" }],
      tip: function (k) { return (step >= 86400 ? fday(it.t[k]) : ftime(it.t[k])) + ": " + fint(it.posts[k]) + " posts, " + fint(it.flagged[k]) + " by flagged accounts, " + fint(it.clustered[k]) + " by clustered accounts"; },
      xticks: ticks(n, function (k) { return fday(it.t[k]).slice(5); }, 5), marks: marks
    });
    var share = tot.posts ? (tot.posts_flagged || 0) / tot.posts : 0;
    var note = [h("b", null, fpct(share)), " of its " + fint(tot.posts) + " posts came from flagged accounts. "];
    if (ff !== null && fo !== null) {
      var d = fo - ff;
      note.push(d > 0 ? ["Flagged accounts used it first, on ", t(ftime(tot.first_flagged_at)), ", ", h("b", null, fdur(d) + " before"), " any other account (", t(ftime(tot.first_organic_at)), ")."]
        : ["Other accounts used it first (", t(ftime(tot.first_organic_at)), "); flagged accounts joined ", h("b", null, fdur(-d) + " later"), " (", t(ftime(tot.first_flagged_at)), ")."]);
    } else if (ff === null) note.push("No flagged account used it.");
    else if (fo === null) note.push("No account outside the flagged ones used it.");
    return h("div", { "class": "panel campaign" },
      h("h4", null, t(it.object), " ", h("span", { "class": "chip" }, it.kind || "")), chart,
      h("p", { "class": "small" }, note));
  }

  // ---------------------------------------------------------------- tables (sort, filter, page)
  function DataTable(opts) {
    // opts: n, columns [{key,label,num,sortv(i),cell(i),nosort}], match(i)->bool, pageSize, sortKey, sortDir
    var self = this;
    this.opts = opts; this.page = 0; this.pageSize = opts.pageSize || 50;
    this.sortKey = opts.sortKey || null; this.sortDir = opts.sortDir || -1;
    this.tbody = h("tbody");
    this.info = h("span", { "class": "muted small" });
    this.prev = h("button", { type: "button", "class": "btn", onclick: function () { self.go(self.page - 1); } }, "‹ previous");
    this.next = h("button", { type: "button", "class": "btn", onclick: function () { self.go(self.page + 1); } }, "next ›");
    this.heads = opts.columns.map(function (c) {
      var th = h("th", { "class": (c.num ? "num " : "") + (c.nosort ? "" : "sortable"), scope: "col", "data-key": c.key, title: (c.help ? c.help + " " : "") + (c.nosort ? "" : "Click to sort.") }, c.label, h("span", { "class": "arrow" }));
      if (!c.nosort) th.addEventListener("click", function () { self.sort(c.key); });
      return th;
    });
    this.el = h("div", { "class": "datatable" },
      h("table", null, h("thead", null, h("tr", null, this.heads)), this.tbody),
      h("div", { "class": "pager" }, this.prev, this.next, this.info));
    this.refresh();
  }
  DataTable.prototype.refresh = function () {
    var o = this.opts, idx = [];
    for (var i = 0; i < o.n; i++) if (!o.match || o.match(i)) idx.push(i);
    if (this.sortKey) {
      var col = o.columns.filter(function (c) { return c.key === this.sortKey; }, this)[0], dir = this.sortDir;
      var keyv = idx.map(function (i) { return col.sortv(i); });
      var pos = idx.map(function (_, k) { return k; });
      pos.sort(function (a, b) {
        var x = keyv[a], y = keyv[b];
        if (x === null || x === undefined) return (y === null || y === undefined) ? a - b : 1;
        if (y === null || y === undefined) return -1;
        var c = typeof x === "string" ? x.localeCompare(y) : x - y;
        return c ? c * dir : a - b;
      });
      idx = pos.map(function (k) { return idx[k]; });
    }
    this.rows = idx;
    this.go(0);
    var self = this;
    this.heads.forEach(function (th) {
      th.lastChild.textContent = th.getAttribute("data-key") === self.sortKey ? (self.sortDir > 0 ? "▲" : "▼") : "";
    });
  };
  DataTable.prototype.sort = function (key) {
    if (this.sortKey === key) this.sortDir = -this.sortDir;
    else { this.sortKey = key; this.sortDir = this.opts.columns.filter(function (c) { return c.key === key; })[0].num ? -1 : 1; }
    this.refresh();
  };
  DataTable.prototype.go = function (p) {
    var n = this.rows.length, pages = Math.max(1, Math.ceil(n / this.pageSize));
    this.page = Math.max(0, Math.min(p, pages - 1));
    clear(this.tbody);
    var o = this.opts, from = this.page * this.pageSize, to = Math.min(n, from + this.pageSize), frag = document.createDocumentFragment();
    for (var k = from; k < to; k++) {
      var i = this.rows[k];
      frag.appendChild(h("tr", { "data-row": i }, o.columns.map(function (c) { return h("td", { "class": c.num ? "num" : null }, c.cell(i)); })));
    }
    this.tbody.appendChild(frag);
    if (!n) this.tbody.appendChild(h("tr", null, h("td", { colspan: o.columns.length, "class": "muted" }, "No rows match.")));
    this.info.textContent = n ? "rows " + fint(from + 1) + "–" + fint(to) + " of " + fint(n) + " · page " + fint(this.page + 1) + " of " + fint(pages) : "";
    this.prev.disabled = this.page <= 0;
    this.next.disabled = this.page >= pages - 1;
  };

  // ---------------------------------------------------------------- accounts
  var HAY = null;
  function haystack(i) {
    if (!HAY) {
      HAY = new Array(N);
      for (var k = 0; k < N; k++) HAY[k] = [C.handle[k], C.name[k], C.id[k], (C.reasons[k] || []).join(" "), C.location[k]].join("\u0001").toLowerCase();
    }
    return HAY[i];
  }
  function reasonsCell(i) {
    var list = C.reasons[i] || [], n = C.n_reasons ? C.n_reasons[i] : list.length;
    if (!list.length) return t("–", "muted");
    return h("span", null, t(list[0]), n > 1 ? h("span", { "class": "more" }, " +" + (n - 1) + " more") : "");
  }
  function buildAccounts() {
    var body = clear(document.getElementById("accounts-body"));
    var q = h("input", { type: "search", placeholder: "filter: handle, name, id, reason…", "aria-label": "filter accounts" });
    var vsel = h("select", { "aria-label": "verdict" }, h("option", { value: "" }, "all verdicts"),
      A.verdicts.map(function (v, k) { return h("option", { value: String(k) }, vname(v)); }));
    var onlyF = h("input", { type: "checkbox", id: "only-flagged" });
    var csel = h("input", { type: "number", min: "0", placeholder: "cluster", "aria-label": "cluster id" });
    var size = h("select", { "aria-label": "rows per page" }, [25, 50, 100, 250].map(function (s) { return h("option", { value: String(s), selected: s === 50 }, s + " rows"); }));
    var state = { q: "", v: "", f: false, c: "" };
    var dt = new DataTable({
      n: N, pageSize: 50, sortKey: "score", sortDir: -1,
      match: function (i) {
        if (state.f && !C.flagged[i]) return false;
        if (state.v !== "" && String(C.verdict[i]) !== state.v) return false;
        if (state.c !== "" && String(C.cluster[i]) !== state.c) return false;
        return !state.q || haystack(i).indexOf(state.q) >= 0;
      },
      columns: [
        { key: "handle", label: "account", help: "Handle and display name as the account states them.", sortv: function (i) { return String(C.handle[i] || C.id[i]).toLowerCase(); }, cell: function (i) { return h("span", null, accountLink(i), C.name[i] ? h("div", { "class": "muted small" }, t(C.name[i])) : ""); } },
        { key: "score", label: "score", num: true, help: "0 to 1: how strongly the account coordinates and how inauthentic its group looks; red at or above the threshold (flagged).", sortv: function (i) { return C.score[i]; }, cell: function (i) { return scorebar(C.score[i]); } },
        { key: "verdict", label: "verdict", sortv: function (i) { return vname(vOf(i)); }, cell: function (i) { return badge(vOf(i)); } },
        { key: "cluster", label: "cluster", num: true, help: "The coordinated cluster the account belongs to.", sortv: function (i) { return C.cluster[i]; }, cell: function (i) { return C.cluster[i] === null || C.cluster[i] === undefined ? "–" : clusterLink(C.cluster[i]); } },
        { key: "n_posts", label: "posts", num: true, help: "Posts of the account in the data.", sortv: function (i) { return C.n_posts[i]; }, cell: function (i) { return fint(C.n_posts[i]); } },
        { key: "n_partners", label: "partners", num: true, help: "Accounts it shares a significant coordination link with.", sortv: function (i) { return C.n_partners[i]; }, cell: function (i) { return fint(C.n_partners[i]); } },
        { key: "best_q", label: "best q", num: true, help: "The q-value of its strongest link: the expected share of false links among links this strong (smaller = less likely to be chance).", sortv: function (i) { return C.best_q[i] === null ? null : -C.best_q[i]; }, cell: function (i) { return fq(C.best_q[i]); } },
        { key: "reasons", label: "reasons (strongest first)", nosort: true, sortv: null, cell: function (i) { return reasonsCell(i); } }
      ]
    });
    var timer = null;
    q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { state.q = q.value.trim().toLowerCase(); dt.refresh(); }, 200); });
    vsel.addEventListener("change", function () { state.v = vsel.value; dt.refresh(); });
    onlyF.addEventListener("change", function () { state.f = onlyF.checked; dt.refresh(); });
    csel.addEventListener("change", function () { state.c = csel.value.trim(); dt.refresh(); });
    size.addEventListener("change", function () { dt.pageSize = parseInt(size.value, 10) || 50; dt.go(0); });
    var nEmb = D.dossiers ? D.dossiers.length : 0, nFile = 0;
    (C.dossier || []).forEach(function (x) { if (typeof x === "string") nFile++; });
    if (nFile) body.appendChild(h("p", { "class": "muted small" }, "The dossiers of the " + fint(nEmb) + " highest-scored accounts are inside this file; for " + fint(nFile) + " more, the dossier shows the table row and the path of its file in the result directory (to keep this file small)."));
    body.appendChild(h("div", { "class": "controls" }, q, vsel, h("label", { "for": "only-flagged" }, onlyF, " flagged only"), csel, size));
    body.appendChild(dt.el);
    STATE.accounts = dt;
    STATE.accountFilter = function (text, verdict, flagged) {
      q.value = text || ""; state.q = (text || "").toLowerCase();
      if (verdict !== undefined) { vsel.value = verdict; state.v = verdict; }
      if (flagged !== undefined) { onlyF.checked = flagged; state.f = flagged; }
      dt.refresh();
    };
  }

  // ---------------------------------------------------------------- clusters
  function clusterLink(cid) {
    return h("button", { type: "button", "class": "linklike", title: "Go to cluster " + cid, onclick: function () { openCluster(cid); } }, "#" + scalarText(cid));
  }
  function buildClusters() {
    var cl = D.clusters || { table: [], cards: [], n: 0 };
    var tb = clear(document.getElementById("clusters-table")), body = clear(document.getElementById("clusters-body"));
    if (!cl.n) { body.appendChild(h("p", { "class": "muted" }, "No coordinated clusters in this result.")); return; }
    var T = cl.table;
    var dt = new DataTable({
      n: T.length, pageSize: 10,
      columns: [
        { key: "cluster_id", label: "cluster", num: true, sortv: function (i) { return T[i].cluster_id; }, cell: function (i) { return clusterLink(T[i].cluster_id); } },
        { key: "verdict", label: "verdict", sortv: function (i) { return vname(T[i].verdict); }, cell: function (i) { return badge(T[i].verdict); } },
        { key: "size", label: "accounts", num: true, sortv: function (i) { return T[i].size; }, cell: function (i) { return fint(T[i].size); } },
        { key: "n_flagged", label: "flagged", num: true, help: "Members whose score reaches the threshold.", sortv: function (i) { return T[i].n_flagged; }, cell: function (i) { return fint(T[i].n_flagged); } },
        { key: "score", label: "score", num: true, sortv: function (i) { return T[i].score; }, cell: function (i) { return scorebar(T[i].score); } },
        { key: "top_signal", label: "main signal", help: "The kind of shared action behind most of the cluster's links (co_repost: same reposts; co_link/co_domain: same links; co_text: same wording; sync_activity: active in the same minutes; …).", sortv: function (i) { return T[i].top_signal || ""; }, cell: function (i) { return t(T[i].top_signal || "–"); } },
        { key: "operator_offset", label: "operator time zone", num: true, help: "The time zone whose working day best fits when the cluster posts.", sortv: function (i) { return T[i].operator_offset; }, cell: function (i) { return foff(T[i].operator_offset); } },
        { key: "first_at", label: "active", sortv: function (i) { return T[i].first_at || ""; }, cell: function (i) { return fday(T[i].first_at) + " → " + fday(T[i].last_at); } }
      ]
    });
    tb.appendChild(h("p", { "class": "muted small" }, fint(cl.n) + " clusters, those with the most flagged accounts first; a card follows for each of the first " + cl.cards.length + "."));
    tb.appendChild(dt.el);
    cl.cards.forEach(function (card, k) { body.appendChild(clusterCard(card, k === 0)); });
  }
  function openCluster(cid) {
    var c = STATE.cards.get(String(cid));
    if (!c) { STATE.accountFilter && STATE.accountFilter("", undefined, false); var cs = document.querySelector("#accounts input[type=number]"); if (cs) { cs.value = String(cid); cs.dispatchEvent(new Event("change")); } document.getElementById("accounts").scrollIntoView(); return; }
    var dlg = document.getElementById("dossier");
    if (dlg.open) dlg.close();
    c.open = true;
    c.scrollIntoView({ block: "start" });
  }
  function clusterCard(card, open) {
    var r = card.row || {};
    var det = h("details", { "class": "card", id: "cluster-" + String(r.cluster_id).replace(/[^0-9A-Za-z_-]/g, "_"), "data-cluster": String(r.cluster_id) },
      h("summary", null, h("b", null, "Cluster " + scalarText(r.cluster_id)), " ", badge(r.verdict),
        h("span", { "class": "sub" }, fint(r.size) + " accounts, " + fint(r.n_flagged) + " flagged · score " + fnum(r.score) +
          (r.signal_shares && r.signal_shares.length ? " · mostly " + vis(r.signal_shares[0].signal) : "") +
          (isNum(r.operator_offset) ? " · operator time zone " + foff(r.operator_offset) : ""))));
    var built = false;
    det.addEventListener("toggle", function () {
      if (det.open) {
        if (!built) { built = true; det.appendChild(cardBody(card, det)); }
        startNet(det, card);
      } else stopNet(r.cluster_id);
    });
    STATE.cards.set(String(r.cluster_id), det);
    if (open) det.open = true;
    return det;
  }
  function cardBody(card, det) {
    var r = card.row || {}, d = card.dossier || {}, plots = d.plots || {}, fx = d.forensics || {};
    var b = h("div", { "class": "card-body" });
    var reasons = r.reasons && r.reasons.length ? r.reasons : (d.reasons || []);
    b.appendChild(h("h4", null, "Why this cluster"));
    b.appendChild(h("ul", { "class": "reasons" }, reasons.map(function (x) { return h("li", null, t(x)); })));

    var facts = h("table", { "class": "kv" }, h("tbody", null,
      kv("accounts", fint(r.size) + " (" + fint(r.n_flagged) + " flagged)"),
      kv("active", [t(ftime(r.first_at)), " → ", t(ftime(r.last_at)), " (" + fdur(r.span_s) + ")"]),
      kv("density of the network", fnum(r.density)),
      kv("median time between shared actions", fdur(r.median_dt_s)),
      kv("operator time zone", [h("b", null, foff(r.operator_offset)), isNum(r.offset_low) ? " (90 % interval " + foff(r.offset_low) + " to " + foff(r.offset_high) + ")" : ""]),
      kv("human daily rhythm", r.human_rhythm === null || r.human_rhythm === undefined ? "unknown" : r.human_rhythm ? "yes (sleeps, works)" : "no (flat round-the-clock activity)"),
      kv("weekend", t(r.weekend || "–")),
      kv("claimed locations", (r.claimed_locations || []).slice(0, 6).map(function (x, i) { return [i ? ", " : "", t(x.location), " (" + fint(x.n) + ")"]; })),
      kv("shifts (UTC)", (r.shifts || []).map(function (s, i) { return [i ? "; " : "", pad2(s.start_hour_utc) + ":00–" + pad2(s.end_hour_utc) + ":00, " + fint(s.accounts) + " accounts"]; })),
      kv("account-creation bursts", [(r.bursts || []).slice(0, 5).map(function (x, i) { return [i ? "; " : "", fday(x.start) + " → " + fday(x.end) + ": " + fint(x.accounts) + " accounts"]; }), isNum(r.burst_p) ? " (p = " + fq(r.burst_p) + ")" : ""]),
      kv("automated share", fpct(r.automated_share))));
    var sig = h("div", null);
    (r.signal_shares || []).forEach(function (s) {
      var bar = h("span", { "class": "bar" }); bar.style.width = Math.round((s.share || 0) * 220) + "px";
      sig.appendChild(h("div", { "class": "bar-row" }, h("span", { "class": "lab" }, t(s.signal)), bar, fpct(s.share)));
    });
    if (d.signals && d.signals.length) sig.appendChild(objTable(d.signals.map(function (s) {
      return { signal: s.signal, edges: s.edges, "median q": s.median_q, "top objects": (s.top_objects || []).slice(0, 5).map(function (o) { return typeof o === "object" && o ? (o.object || JSON.stringify(o)) : o; }).join(" · ") };
    })));
    if (r.top_objects && r.top_objects.length) sig.appendChild(h("div", null, h("h4", null, "Most shared objects"), h("div", { "class": "chips" }, r.top_objects.slice(0, 12).map(function (o) { return h("span", { "class": "chip" }, t(o.object), " ×" + fint(o.n)); }))));
    b.appendChild(h("div", { "class": "grid2" }, h("div", { "class": "panel" }, h("h4", null, "Facts"), facts), h("div", { "class": "panel" }, h("h4", null, "Signals (share of the cluster's edges)"), sig)));

    // network
    var g = card.graph;
    var netBox = h("div", { "class": "net", "aria-label": "network of cluster " + scalarText(r.cluster_id) });
    var tools = h("div", { "class": "net-tools" },
      h("button", { type: "button", "class": "btn", title: "zoom in", onclick: function () { var s = STATE.nets.get(String(r.cluster_id)); if (s) s.getCamera().animatedZoom({ duration: 200 }); } }, "+"),
      h("button", { type: "button", "class": "btn", title: "zoom out", onclick: function () { var s = STATE.nets.get(String(r.cluster_id)); if (s) s.getCamera().animatedUnzoom({ duration: 200 }); } }, "−"),
      h("button", { type: "button", "class": "btn", title: "reset view", onclick: function () { var s = STATE.nets.get(String(r.cluster_id)); if (s) s.getCamera().animatedReset({ duration: 200 }); } }, "⟲"));
    var legend = h("div", { "class": "legend" }, Object.keys(VERDICTS).map(function (v) { var i = h("i"); i.style.background = vcolor(v); return h("span", null, i, vname(v)); }));
    var note = g ? "Showing " + fint(g.nodes.length) + " of " + fint(r.size) + " accounts (the most strongly connected) and " + fint(g.edges.length) + " of " + fint(g.edges_total) + " links. A link means a significant coordination signal between two accounts; thicker = stronger; a bigger dot = more coordination. Labels appear as you zoom in."
      : "No network data for this cluster (no fused.parquet edges among its members).";
    b.appendChild(h("div", { "class": "panel" }, h("h4", null, "Network"), h("p", { "class": "muted small" }, note), legend, h("div", { "class": "net-wrap" }, tools, netBox)));
    det._netBox = netBox;

    // time patterns
    var hw = plots.hour_weekday;
    var tz = h("div", { "class": "panel" }, h("h4", null, "When they post: hour × weekday"));
    if (Array.isArray(hw) && hw.length === 7) tz.appendChild(heatmap(hw, r.operator_offset));
    else tz.appendChild(h("p", { "class": "muted" }, "No hour × weekday counts in the cluster dossier."));
    tz.appendChild(h("p", { "class": "small" }, "Counts of posts by hour (UTC, top axis) and weekday. ",
      isNum(r.operator_offset) ? ["The rhythm fits a working day in ", h("b", null, foff(r.operator_offset)), " (bottom axis: that local time); the outlined area is 09:00–18:00 local, Monday to Friday. Compare with the locations the accounts claim: ", t((r.claimed_locations || []).slice(0, 3).map(function (x) { return x.location; }).join(", ") || "none"), "."] : "No operator time zone could be inferred."));
    var sh = h("div", { "class": "panel" }, h("h4", null, "Shift coverage"));
    if (plots.shifts && plots.shifts.series && plots.shifts.series.length) sh.appendChild(shiftChart(plots.shifts, r.shifts || []));
    else sh.appendChild(h("p", { "class": "muted" }, "No shift data."));
    sh.appendChild(h("p", { "class": "small" }, "How much of the cluster's activity falls in each hour of the day (UTC" + (plots.shifts ? ", " + vis(plots.shifts.unit) : "") + "), coloured by the shift it belongs to. Staff working in shifts hand over at fixed hours; the bands below the chart are the shifts found" + ((r.shifts || []).length ? "." : " (none here).")));
    b.appendChild(h("div", { "class": "grid2" }, tz, sh));

    var cr = h("div", { "class": "panel" }, h("h4", null, "When the accounts were created"));
    if (plots.creation && plots.creation.bins && plots.creation.bins.length) cr.appendChild(creationChart(plots.creation, r.bursts || []));
    else cr.appendChild(h("p", { "class": "muted" }, "No creation dates."));
    cr.appendChild(h("p", { "class": "small" }, "Accounts of this cluster created per " + (plots.creation ? vis(plots.creation.unit) : "day") + " (red: inside a creation burst). Real communities accumulate accounts over years; operations often create theirs in batches."));
    var fxp = h("div", { "class": "panel" }, h("h4", null, "Forensic findings"));
    var fkeys = Object.keys(fx);
    if (!fkeys.length) fxp.appendChild(h("p", { "class": "muted" }, "No forensic summaries in the cluster dossier."));
    fkeys.forEach(function (k) { fxp.appendChild(h("details", null, h("summary", null, t(k.replace(/_/g, " "))), valueNode(fx[k], 1))); });
    b.appendChild(h("div", { "class": "grid2" }, cr, fxp));

    // members and posts
    var mem = d.members || [];
    var mp = h("div", { "class": "panel" }, h("h4", null, "Members (highest score first)"));
    if (mem.length) mp.appendChild(h("table", null, h("thead", null, h("tr", null, h("th", null, "account"), h("th", { "class": "num" }, "score"), h("th", null, "verdict"))),
      h("tbody", null, mem.slice(0, 15).map(function (m) { return h("tr", null, h("td", null, accountRef(m.account_id, m.handle)), h("td", { "class": "num" }, scorebar(m.score)), h("td", null, badge(m.verdict))); }))));
    mp.appendChild(h("p", { "class": "small" }, h("button", { type: "button", "class": "linklike", onclick: function () { var cs = document.querySelector("#accounts input[type=number]"); if (cs) { cs.value = String(r.cluster_id); cs.dispatchEvent(new Event("change")); } document.getElementById("accounts").scrollIntoView(); } }, "All " + fint(r.size) + " members in the accounts table →")));
    var pp = h("div", { "class": "panel" }, h("h4", null, "Sample posts"), posts(d.sample_posts || []));
    b.appendChild(h("div", { "class": "grid2" }, mp, pp));
    return b;
  }
  function kv(k, v) { return h("tr", null, h("th", { scope: "row" }, k), h("td", null, v)); }
  function pad2(n) { return isNum(n) ? String(n).padStart(2, "0") : "??"; }
  function posts(list) {
    if (!list.length) return h("p", { "class": "muted" }, "No sample posts.");
    return h("div", null, list.map(function (p) {
      return h("div", { "class": "post" }, h("div", { "class": "meta" }, t(ftime(p.created_at)), " · ", t(p.kind || "post"),
        p.account_id || p.handle ? [" · ", accountRef(p.account_id, p.handle)] : "", p.post_id ? [" · id ", t(p.post_id, "mono")] : ""), t(p.text || ""));
    }));
  }
  function heatmap(m, off) {
    var cw = 20, ch = 18, L = 34, T = 20, W = L + 24 * cw + 6, H = T + 7 * ch + (isNum(off) ? 34 : 8), max = 1;
    m.forEach(function (row) { (row || []).forEach(function (v) { if (isNum(v)) max = Math.max(max, v); }); });
    var svg = sv("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "aria-label": "hour by weekday heatmap" });
    for (var hr = 0; hr < 24; hr += 3) svg.appendChild(sv("text", { x: L + hr * cw + cw / 2, y: T - 6, "text-anchor": "middle", text: pad2(hr) }));
    svg.appendChild(sv("text", { x: 2, y: T - 6, text: "UTC" }));
    for (var d = 0; d < 7; d++) {
      svg.appendChild(sv("text", { x: L - 4, y: T + d * ch + ch * 0.7, "text-anchor": "end", text: DAYS[d] }));
      for (var k = 0; k < 24; k++) {
        var v = (m[d] || [])[k] || 0, f = Math.sqrt(v / max);
        var col = "rgb(" + Math.round(255 - f * 63) + "," + Math.round(255 - f * 198) + "," + Math.round(255 - f * 212) + ")";
        var local = isNum(off) ? " (" + pad2(((k + Math.round(off)) % 24 + 24) % 24) + ":00 local)" : "";
        svg.appendChild(sv("rect", { x: L + k * cw, y: T + d * ch, width: cw - 1, height: ch - 1, fill: col, title: DAYS[d] + " " + pad2(k) + ":00 UTC" + local + ": " + fint(v) + " posts" }));
      }
    }
    if (isNum(off)) {
      var o = Math.round(off);
      // 09:00-18:00 local = (9 - o) .. (18 - o) UTC, maybe wrapping
      var s = ((9 - o) % 24 + 24) % 24, segs = s + 9 <= 24 ? [[s, 9]] : [[s, 24 - s], [0, s + 9 - 24]];
      segs.forEach(function (sg) { svg.appendChild(sv("rect", { x: L + sg[0] * cw - 1, y: T - 1, width: sg[1] * cw + 1, height: 5 * ch + 1, fill: "none", stroke: "#1d2330", "stroke-width": 2, "stroke-dasharray": "5 3" })); });
      for (var lh = 0; lh < 24; lh += 3) {
        var u = ((lh - o) % 24 + 24) % 24;
        svg.appendChild(sv("text", { x: L + u * cw + cw / 2, y: T + 7 * ch + 14, "text-anchor": "middle", text: pad2(lh) }));
      }
      svg.appendChild(sv("text", { x: 2, y: T + 7 * ch + 14, text: "local" }));
      svg.appendChild(sv("text", { x: L, y: T + 7 * ch + 30, text: "local = " + foff(off) }));
    }
    return svg;
  }
  var SHIFT_COLORS = ["#5b7fbf", "#e67e22", "#16a085", "#8e44ad", "#c0392b", "#7f8c8d", "#2c3e50", "#d35400"];
  function shiftChart(p, shifts) {
    var series = p.series || [], unit = p.unit || "posts";
    var svg = barSvg({ n: 24, width: 520, height: 150, aria: unit + " by hour",
      stacks: series.map(function (v, j) { return { values: v, color: SHIFT_COLORS[j % 8] }; }),
      tip: function (k) {
        return pad2(k) + ":00 UTC: " + series.map(function (v, j) { return (series.length > 1 ? "shift " + (j + 1) + " " : "") + fint(v[k]) + " " + unit; }).join(", ");
      }, xticks: ticks(24, function (k) { return pad2(k); }, 8) });
    var wrap = h("div", null, svg);
    var band = sv("svg", { viewBox: "0 0 520 " + (shifts.length * 14 + 4), width: 520, height: shifts.length * 14 + 4, role: "img", "aria-label": "shifts" });
    var L = 44, pw = (520 - 44 - 8) / 24;
    shifts.forEach(function (s, i) {
      var a = s.start_hour_utc, e = s.end_hour_utc;
      if (!isNum(a) || !isNum(e)) return;
      var segs = e > a ? [[a, e - a]] : [[a, 24 - a], [0, e]];
      segs.forEach(function (sg) { band.appendChild(sv("rect", { x: L + sg[0] * pw, y: 2 + i * 14, width: sg[1] * pw, height: 10, rx: 3, fill: SHIFT_COLORS[i % 8], title: "shift " + (i + 1) + ": " + pad2(a) + ":00–" + pad2(e) + ":00 UTC, " + fint(s.accounts) + " accounts" })); });
      band.appendChild(sv("text", { x: 2, y: 11 + i * 14, text: "shift " + (i + 1) }));
    });
    if (shifts.length) wrap.appendChild(band);
    return wrap;
  }
  function creationChart(p, bursts) {
    var bins = p.bins || [], unit = p.unit || "day";
    var lo = 0, hi = bins.length - 1;   // leave out the long empty stretches before and after the cluster's accounts
    while (lo < hi && !bins[lo][1]) lo++;
    while (hi > lo && !bins[hi][1]) hi--;
    bins = bins.slice(Math.max(0, lo - 2), hi + 3);
    var days = bins.map(function (b) { return b[0]; });
    var vals = bins.map(function (b) { return b[1] || 0; }), bg = bins.map(function (b) { return b[2]; });
    var n = days.length, step = Math.ceil(n / 200);
    if (step > 1) {
      var d2 = [], v2 = [], b2 = [];
      for (var i = 0; i < n; i += step) {
        d2.push(days[i]); var s = 0, sb = 0;
        for (var j = i; j < Math.min(n, i + step); j++) { s += vals[j]; sb += isNum(bg[j]) ? bg[j] : 0; }
        v2.push(s); b2.push(sb);
      }
      days = d2; vals = v2; bg = b2; n = days.length;
    }
    var span = (unit === "week" ? 7 : 1) * 86400 * step;
    var inBurst = days.map(function (d) {
      var ds = tsec(d);
      return bursts.some(function (b) { var a = tsec(b.start), e = tsec(b.end); return ds !== null && a !== null && e !== null && ds + span > a && ds <= e; });
    });
    return barSvg({ n: n, width: 520, height: 150, aria: "accounts created per " + unit,
      stacks: [{ values: vals, color: function (k) { return inBurst[k] ? "#c0392b" : "#7d93b8"; } }],
      tip: function (k) { return (unit === "week" ? "week of " : "") + fday(days[k]) + (step > 1 ? " (+" + (step - 1) + " " + unit + "s)" : "") + ": " + fint(vals[k]) + " accounts of this cluster created" + (isNum(bg[k]) ? " (" + fint(bg[k]) + " of all other accounts)" : ""); },
      xticks: ticks(n, function (k) { return fday(days[k]); }, 3) });
  }

  // ---------------------------------------------------------------- network views (sigma.js)
  var MAX_LIVE = 4;
  function startNet(det, card) {
    var cid = String((card.row || {}).cluster_id), g = card.graph, box = det._netBox;
    if (!g || !box || STATE.nets.has(cid)) return;
    if (typeof window.Sigma !== "function" || !window.graphology) { box.textContent = "The network view could not start (its script is missing)."; return; }
    if (STATE.nets.size >= MAX_LIVE) {   // browsers allow only a few WebGL contexts: close the oldest view
      var oldest = STATE.nets.keys().next().value, oc = STATE.cards.get(oldest);
      if (oc) oc.open = false;
      stopNet(oldest);
    }
    var graph = new window.graphology.Graph({ type: "undirected", multi: false });
    var maxw = 0;
    g.edges.forEach(function (e) { maxw = Math.max(maxw, e[2] || 0); });
    g.nodes.forEach(function (n, k) {
      var row = n[0];
      graph.addNode("n" + k, { x: n[1], y: n[2], size: 2.5 + 7 * Math.sqrt(Math.max(0, n[3] || 0)), color: vcolor(vOf(row)), label: vis(label(row)).slice(0, 60), row: row });
    });
    g.edges.forEach(function (e) {
      var a = "n" + e[0], b = "n" + e[1];
      if (a !== b && graph.hasNode(a) && graph.hasNode(b) && !graph.hasEdge(a, b)) graph.addEdge(a, b, { size: 0.4 + 2.6 * (maxw ? (e[2] || 0) / maxw : 0.5), color: "#b7bfcc", sig: e[3] || [] });
    });
    var hovered = null, nbr = null, renderer;
    try {
      renderer = new window.Sigma(graph, box, {
        allowInvalidContainer: true, labelRenderedSizeThreshold: 7, labelSize: 11, labelFont: "system-ui, sans-serif", zIndex: true,
        nodeReducer: function (node, data) {
          if (!hovered || node === hovered || nbr.has(node)) return node === hovered ? Object.assign({}, data, { highlighted: true, zIndex: 1 }) : data;
          return Object.assign({}, data, { color: "#dde1e7", label: "", zIndex: 0 });
        },
        edgeReducer: function (edge, data) {
          if (!hovered) return data;
          return graph.hasExtremity(edge, hovered) ? Object.assign({}, data, { color: "#5b6b86" }) : Object.assign({}, data, { hidden: true });
        }
      });
    } catch (err) {
      box.textContent = "The network view needs WebGL, which this browser does not provide (" + vis(err && err.message) + "). The members table below lists the same accounts.";
      return;
    }
    renderer.on("enterNode", function (ev) {
      hovered = ev.node; nbr = new Set(graph.neighbors(ev.node)); renderer.refresh();
      var o = ev.event && ev.event.original, rect = box.getBoundingClientRect();
      showTip(graph.getNodeAttribute(ev.node, "row"), o && isNum(o.clientX) ? o.clientX : rect.left + ev.event.x, o && isNum(o.clientY) ? o.clientY : rect.top + ev.event.y, nbr.size);
    });
    renderer.on("leaveNode", function () { hovered = null; nbr = null; renderer.refresh(); hideTip(); });
    renderer.on("clickNode", function (ev) { hideTip(); openDossier(graph.getNodeAttribute(ev.node, "row")); });
    STATE.nets.set(cid, renderer);
  }
  function stopNet(cid) {
    cid = String(cid);
    var r = STATE.nets.get(cid);
    if (r) { r.kill(); STATE.nets.delete(cid); }
    hideTip();
  }
  function showTip(row, x, y, partners) {
    var tip = clear(document.getElementById("tip"));
    add(tip, [h("b", null, t(label(row))), C.name[row] ? h("div", null, t(C.name[row])) : "",
      h("div", null, vname(vOf(row)) + " · score " + fnum(C.score[row]) + " · " + fint(partners) + " partners drawn"),
      (C.reasons[row] || []).length ? h("ul", null, C.reasons[row].slice(0, 3).map(function (x) { return h("li", null, t(x)); })) : h("div", { "class": "muted" }, "no reasons recorded"),
      h("div", { "class": "small" }, "click to open the dossier")]);
    tip.hidden = false;
    var w = tip.offsetWidth, hh = tip.offsetHeight;
    tip.style.left = Math.max(4, Math.min(window.innerWidth - w - 8, x + 14)) + "px";
    tip.style.top = Math.max(4, Math.min(window.innerHeight - hh - 8, y + 14)) + "px";
  }
  function hideTip() { var tip = document.getElementById("tip"); tip.hidden = true; }

  // ---------------------------------------------------------------- dossier dialog
  function openDossier(row) {
    if (row === undefined || row === null || row < 0 || row >= N) return;
    var dlg = document.getElementById("dossier"), body = clear(document.getElementById("dossier-body"));
    var di = C.dossier ? C.dossier[row] : null, d = typeof di === "number" ? D.dossiers[di] : null;
    document.getElementById("dossier-title").textContent = "Dossier: " + vis(label(row));
    body.appendChild(h("p", null, badge(vOf(row)), " score ", h("b", null, fnum(C.score[row])), C.flagged[row] ? h("b", { "class": "flag" }, " · flagged") : " · not flagged",
      C.cluster[row] !== null && C.cluster[row] !== undefined ? [" · cluster ", clusterLink(C.cluster[row])] : ""));
    var reasons = d && Array.isArray(d.reasons) ? d.reasons : (C.reasons[row] || []);
    body.appendChild(h("h3", null, "Why"));
    body.appendChild(reasons.length ? h("ul", { "class": "reasons" }, reasons.map(function (x) { return h("li", null, t(x)); })) : h("p", { "class": "muted" }, "No reasons recorded: nothing unusual was found for this account."));
    var prof = (d && d.profile) || {};
    var facts = { "account id": C.id[row], platform: (A.platforms || [])[C.platform[row]], handle: C.handle[row] ? "@" + C.handle[row] : null, "display name": C.name[row], location: C.location[row] };
    var shown = { display_name: C.name[row], location: C.location[row] };
    Object.keys(prof).forEach(function (k) {
      if (k === "__proto__" || k === "constructor" || k === "prototype") return;
      if (Object.prototype.hasOwnProperty.call(shown, k) && shown[k] === prof[k]) return;
      facts[k.replace(/_/g, " ")] = prof[k];
    });
    var feats = d && d.features && typeof d.features === "object" ? d.features : { posts: C.n_posts[row], partners: C.n_partners[row], "best q": C.best_q[row], signals: (C.signals[row] || []).map(function (k) { return (A.signals || [])[k]; }) };
    body.appendChild(h("div", { "class": "grid2" }, h("div", { "class": "panel" }, h("h4", null, "Account and profile (as the account states it)"), kvTable(facts, 2)),
      h("div", { "class": "panel" }, h("h4", null, "Features behind the score"), kvTable(feats, 2))));
    if (!d) {
      body.appendChild(h("p", { "class": "muted" }, typeof di === "string" ? ["The full dossier (partners, shared posts) is not embedded in this report to keep it small; it is in the result directory: ", t(di, "mono")] : "No dossier: unmask writes one for every flagged or clustered account."));
    } else {
      var ps = d.partners || [];
      body.appendChild(h("h3", null, "Coordination partners (" + fint(ps.length) + " strongest)"));
      if (!ps.length) body.appendChild(h("p", { "class": "muted" }, "None."));
      ps.forEach(function (p) {
        var sigs = Array.isArray(p.signals) ? p.signals : [];
        body.appendChild(h("div", { "class": "panel" }, h("div", null, h("b", null, accountRef(p.account_id, p.handle)), " · weight " + fnum(p.weight, 1)),
          sigs.map(function (s) {
            if (!s || typeof s !== "object") return h("div", null, t(s));
            var ev = Array.isArray(s.evidence) ? s.evidence : [];
            return h("details", null, h("summary", null, t(s.signal), ": " + fint(s.n_shared) + " shared, q = " + fq(s.q_value) + ", median Δt " + fdur(s.median_dt_s)),
              ev.length ? h("table", null, h("thead", null, h("tr", null, h("th", null, "shared object"), h("th", null, "this account"), h("th", null, "partner"), h("th", { "class": "num" }, "Δt"))),
                h("tbody", null, ev.map(function (e) { return h("tr", null, h("td", null, t(e.object)), h("td", null, t(ftime(e.at_a))), h("td", null, t(ftime(e.at_b))), h("td", { "class": "num" }, fdur(e.dt_s))); }))) : h("p", { "class": "muted" }, "no examples"));
          })));
      });
      body.appendChild(h("h3", null, "Sample posts"));
      body.appendChild(posts(d.sample_posts || []));
    }
    if (!dlg.open) dlg.showModal();
    dlg.scrollTop = 0;
    STATE.dossierRow = row;
    setHash("#account=" + encodeURIComponent(String(C.id[row])));
  }
  function setHash(hsh) {   // no navigation, no hashchange, no scrolling
    try { history.replaceState(null, "", hsh || location.pathname + location.search); } catch (e) { /* some viewers forbid it */ }
  }
  function routeHash() {
    var hsh = location.hash || "";
    if (hsh.indexOf("#account=") === 0) {
      var id;
      try { id = decodeURIComponent(hsh.slice(9)); } catch (e) { return; }
      var row = ROW_OF.get(id);
      if (row !== undefined) openDossier(row);
    } else if (hsh.indexOf("#cluster=") === 0) {
      openCluster(hsh.slice(9));
    }
  }

  // ---------------------------------------------------------------- methods and start
  function buildMethods() {
    var dl = clear(document.getElementById("verdict-defs"));
    Object.keys(VERDICTS).forEach(function (v) { dl.appendChild(h("dt", null, badge(v))); dl.appendChild(h("dd", null, VERDICTS[v][2])); });
    var S = D.summary || {};
    if (Array.isArray(S.features) && S.features.length) {
      var box = document.getElementById("features-list");
      box.appendChild(h("p", null, "The score is built from these features, computed the same way for every account (sign: whether the feature raises (+) or lowers (−) the score):"));
      box.appendChild(objTable(S.features.filter(function (f) { return f && typeof f === "object"; }).map(function (f) {
        return { feature: f.name, sign: f.sign > 0 ? "+" : f.sign < 0 ? "−" : scalarText(f.sign), meaning: f.description };
      })));
    }
    var m = D.meta || {}, vend = m.vendor || {};
    document.getElementById("about-file").textContent = "Report written " + ftime(m.generated_at) + " by unmask " + vis(m.report_version) +
      " from the result directory " + vis(m.result) + ". Bundled: " + Object.keys(vend).map(function (k) { return k + " " + vis(vend[k]); }).join(", ") + ".";
  }
  function safely(name, fn) {
    try { fn(); } catch (e) {
      STATE.errors.push(name + ": " + (e && e.message));
      console.error("unmask report: " + name + " failed", e);
      var sec = document.getElementById(name);
      if (sec) sec.appendChild(h("p", { "class": "warn" }, "This section could not be drawn: " + vis(e && e.message)));
    }
  }
  var t0 = performance.now();
  safely("summary", buildSummary);
  safely("campaigns", buildCampaigns);
  safely("accounts", buildAccounts);
  safely("clusters", buildClusters);
  safely("methods", buildMethods);
  var dlg = document.getElementById("dossier");
  document.getElementById("dossier-close").addEventListener("click", function () { dlg.close(); });
  dlg.addEventListener("click", function (e) { if (e.target === dlg) dlg.close(); });
  dlg.addEventListener("close", function () {
    STATE.dossierRow = null;
    if ((location.hash || "").indexOf("#account=") === 0) setHash("");
  });
  window.addEventListener("hashchange", routeHash);
  routeHash();
  STATE.labelText = function (row) { return vis(label(row)); };
  STATE.buildMs = performance.now() - t0;
  STATE.readyMs = performance.now();
  STATE.ready = true;
  document.body.setAttribute("data-ready", "1");
})();
