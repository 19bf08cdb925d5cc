// Unmask's exported player: plays the run embedded in #unmask-data the way the app does.
// Time model (as the app's playback): a fractional position over frames; the frame drawn is
// ceil(position) and the cells written at that frame dissolve mask -> flash -> colour as the
// position moves through it. Open the page with #step=N to start at step N, or with #selftest to
// have it check itself.
"use strict";
(function () {
  var errors = [];
  function report(message) {
    errors.push(String(message));
    var el = document.getElementById("errors");
    if (el) {
      el.hidden = false;
      el.textContent = "Errors:\n" + errors.join("\n");
    }
  }
  window.addEventListener("error", function (e) {
    report("error: " + e.message + (e.lineno ? " (line " + e.lineno + ")" : ""));
  });
  window.addEventListener("unhandledrejection", function (e) {
    report("unhandled rejection: " + e.reason);
  });
  var consoleError = console.error;
  console.error = function () {
    report("console.error: " + Array.prototype.join.call(arguments, " "));
    consoleError.apply(console, arguments);
  };
  window.unmaskErrors = errors;

  var BASE_STEPS_PER_S = 1 / 0.6; // the app's 1x speed: a step every 0.6 s
  var STEP_ANIMATION_S = 0.45; // a hand-stepped dissolve, as in the app
  var FLASH_RISE = 0.3; // share of a dissolve spent turning from mask to flash
  var SPEEDS = [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 4];

  var data = JSON.parse(document.getElementById("unmask-data").textContent);
  var last = data.steps;
  var state = {
    position: 0,
    playing: false,
    speed: 1,
    looping: false,
    dark: !!data.dark,
    mode: data.mode || "confidence",
    guesses: true,
    stepAnim: null, // {frame, start} while a hand-stepped dissolve runs
  };
  var $ = function (id) { return document.getElementById(id); };
  var cells = []; // {data, el, lbl, prob}
  var hovered = null;

  // ----- colours -----
  function parseHex(h) {
    return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
  }
  function toHex(c) {
    return "#" + c.map(function (v) {
      var s = Math.max(0, Math.min(255, Math.round(v))).toString(16);
      return s.length < 2 ? "0" + s : s;
    }).join("");
  }
  function mix(a, b, t) {
    t = Math.max(0, Math.min(1, t));
    var x = parseHex(a), y = parseHex(b);
    return toHex([0, 1, 2].map(function (k) { return x[k] + (y[k] - x[k]) * t; }));
  }
  function ease(t) {
    t = Math.max(0, Math.min(1, t));
    return t * t * (3 - 2 * t);
  }
  // WCAG luminance and the readable text colour on a fill, as the app's theme computes them.
  function luminance(h) {
    var c = parseHex(h).map(function (v) {
      var x = v / 255;
      return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function textOn(fill) {
    var l = luminance(fill);
    return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
  }
  function pal() { return data.palette[state.dark ? "dark" : "light"]; }
  function freshFill(settled, t) {
    var p = pal();
    if (t < FLASH_RISE) return mix(p.mask, p.flash, t / FLASH_RISE);
    return mix(p.flash, settled, (t - FLASH_RISE) / (1 - FLASH_RISE));
  }
  function applyTheme() {
    var p = pal();
    var root = document.documentElement.style;
    ["bg", "panel", "text", "weak", "mask", "hatch", "flash", "flashStroke", "specialFill",
      "specialStroke", "specialText", "pinnedFill", "pinnedText", "accent"].forEach(function (k) {
      root.setProperty("--" + k, p[k]);
    });
    $("theme").textContent = state.dark ? "Light theme" : "Dark theme";
  }

  // ----- plots (as in the app: a cursor at the step shown; click or drag to go to a step) -----
  var PLOT_W = 300, PLOT_H = 100, PLOT_PAD = 14;
  var plots = [];
  function plotX(step) { return PLOT_PAD + (last > 0 ? (step / last) : 0) * (PLOT_W - 2 * PLOT_PAD); }
  function buildPlots() {
    var NS = "http://www.w3.org/2000/svg";
    var m = data.metrics || [];
    var maxCommitted = Math.max(1, Math.max.apply(null, m.map(function (r) { return r.committed; }).concat([1])));
    var masks0 = cells.filter(function (c) { return c.data.kind === "gen"; }).length;
    var maxMasks = Math.max(1, masks0);
    var specs = [
      { title: "Confidence (— mean, - - lowest)", top: 1, series: [
        { key: "confMean", cls: "" }, { key: "confMin", cls: "low" }] },
      { title: "Tokens written per step", top: maxCommitted, series: [{ key: "committed", cls: "" }] },
      { title: "Masks remaining", top: maxMasks, start: masks0, series: [{ key: "masksLeft", cls: "" }] },
    ];
    var box = $("plots");
    specs.forEach(function (spec) {
      var div = document.createElement("div");
      div.className = "plot";
      var title = document.createElement("div");
      title.className = "plot-title";
      title.textContent = spec.title;
      div.appendChild(title);
      var svg = document.createElementNS(NS, "svg");
      svg.setAttribute("viewBox", "0 0 " + PLOT_W + " " + PLOT_H);
      svg.setAttribute("preserveAspectRatio", "none");
      var y = function (v) { return PLOT_H - PLOT_PAD - (v / spec.top) * (PLOT_H - 2 * PLOT_PAD); };
      var axis = document.createElementNS(NS, "line");
      axis.setAttribute("class", "axis");
      axis.setAttribute("x1", PLOT_PAD); axis.setAttribute("x2", PLOT_W - PLOT_PAD);
      axis.setAttribute("y1", y(0)); axis.setAttribute("y2", y(0));
      svg.appendChild(axis);
      [[0, y(0)], [spec.top, y(spec.top)]].forEach(function (t) {
        var label = document.createElementNS(NS, "text");
        label.setAttribute("class", "tick");
        label.setAttribute("x", 1); label.setAttribute("y", t[1] + 3);
        label.textContent = String(t[0]);
        svg.appendChild(label);
      });
      spec.series.forEach(function (series) {
        var points = [];
        if (spec.start !== undefined) points.push(plotX(0) + "," + y(spec.start));
        m.forEach(function (r, i) {
          var v = r[series.key];
          if (v !== null && v !== undefined) points.push(plotX(i + 1) + "," + y(v));
        });
        var line = document.createElementNS(NS, "polyline");
        line.setAttribute("class", "series " + series.cls);
        line.setAttribute("points", points.join(" "));
        svg.appendChild(line);
      });
      var cursor = document.createElementNS(NS, "line");
      cursor.setAttribute("class", "cursor");
      cursor.setAttribute("y1", 2); cursor.setAttribute("y2", PLOT_H - 2);
      svg.appendChild(cursor);
      var seekAt = function (e) {
        var r = svg.getBoundingClientRect();
        var x = ((e.clientX - r.left) / Math.max(1, r.width)) * PLOT_W;
        seek(Math.round(((x - PLOT_PAD) / (PLOT_W - 2 * PLOT_PAD)) * last));
      };
      svg.addEventListener("mousedown", function (e) { seekAt(e); });
      svg.addEventListener("mousemove", function (e) { if (e.buttons & 1) seekAt(e); });
      div.appendChild(svg);
      box.appendChild(div);
      plots.push(cursor);
    });
  }
  function plotCursors(f) {
    plots.forEach(function (cursor) {
      cursor.setAttribute("x1", plotX(f));
      cursor.setAttribute("x2", plotX(f));
    });
  }

  // ----- time -----
  function frame() { return Math.max(0, Math.ceil(state.position - 1e-9)); }
  function transition(now) {
    var f = frame();
    if (state.stepAnim && state.stepAnim.frame === f && !state.playing) {
      return Math.min(1, (now - state.stepAnim.start) / 1000 / STEP_ANIMATION_S);
    }
    return Math.max(0, Math.min(1, 1 - (f - state.position)));
  }
  function seek(f) {
    state.playing = false;
    state.stepAnim = null;
    state.position = Math.max(0, Math.min(last, f));
    render();
  }
  function stepForward() {
    var f = Math.min(last, frame() + 1);
    var moved = f !== frame() || state.position !== f;
    state.playing = false;
    state.position = f;
    state.stepAnim = moved ? { frame: f, start: performance.now() } : null;
    render();
    if (moved) requestAnimationFrame(tick);
  }
  function stepBack() { seek(Math.max(0, frame() - 1)); }
  function togglePlay() {
    if (state.playing) {
      state.playing = false;
    } else {
      if (state.position >= last) state.position = 0;
      state.playing = true;
      state.stepAnim = null;
      lastTick = null;
      requestAnimationFrame(tick);
    }
    render();
  }
  function setSpeed(s) {
    state.speed = s;
    $("speed").value = String(s);
  }
  function faster() {
    for (var i = 0; i < SPEEDS.length; i++) if (SPEEDS[i] > state.speed + 1e-4) return setSpeed(SPEEDS[i]);
  }
  function slower() {
    for (var i = SPEEDS.length - 1; i >= 0; i--) if (SPEEDS[i] < state.speed - 1e-4) return setSpeed(SPEEDS[i]);
  }
  var lastTick = null;
  function tick(now) {
    var animating = false;
    if (state.playing) {
      if (lastTick !== null) {
        var dt = Math.min(0.1, (now - lastTick) / 1000);
        state.position += dt * BASE_STEPS_PER_S * state.speed;
        if (state.position >= last) {
          if (state.looping) {
            state.position = 0;
          } else {
            state.position = last;
            state.playing = false;
          }
        }
      }
      lastTick = now;
      animating = state.playing;
    } else {
      lastTick = null;
    }
    render(now);
    if (state.stepAnim && transition(now) < 1) animating = true;
    if (animating) requestAnimationFrame(tick);
  }

  // ----- drawing -----
  function cellState(d, f) {
    // "pinned", "masked" or "written" at frame f.
    if (d.kind !== "gen") return d.kind;
    return d.step !== undefined && d.step <= f ? "written" : "masked";
  }
  function tokenText(id) {
    var t = data.tokens[String(id)];
    return t === undefined ? "\uFFFD" : t[0];
  }
  function tokenSpecial(id) {
    var t = data.tokens[String(id)];
    return t !== undefined && t[1];
  }
  function guessAt(d, f) {
    var g = d.guesses && d.guesses[f];
    return g && g.length ? g : null;
  }
  // Every cell as wide as the widest thing it ever shows (its token, each guess with its
  // percentage), so nothing moves from step to step — the app's layout.
  function fixWidths() {
    var ctx = document.createElement("canvas").getContext("2d");
    var cs = getComputedStyle($("canvas"));
    var em = parseFloat(cs.fontSize) || 22;
    var width = function (text, scale) {
      ctx.font = (em * scale) + "px " + cs.fontFamily;
      return ctx.measureText(text).width;
    };
    var percent = width("100%", 0.62);
    cells.forEach(function (c) {
      var d = c.data, widest = 0;
      if (d.label !== undefined) widest = width(d.label, d.special ? 0.62 : 1);
      (d.guesses || []).forEach(function (g) {
        if (!g || !g.length) return;
        var text = tokenText(g[0][0]).trim() || "\u00B7";
        var w = width(text, tokenSpecial(g[0][0]) ? 0.62 : 1) + 0.12 * em + percent;
        if (w > widest) widest = w;
      });
      c.el.style.minWidth = Math.ceil(widest + 0.44 * em + 2) + "px";
    });
  }
  function build() {
    var canvas = $("canvas");
    canvas.textContent = "";
    var line = null;
    function newLine() {
      line = document.createElement("div");
      line.className = "line";
      canvas.appendChild(line);
    }
    newLine();
    data.cells.forEach(function (d, i) {
      for (var b = 0; b < d.brBefore; b++) newLine();
      var el = document.createElement("span");
      el.className = "cell";
      el.dataset.i = String(i);
      var lbl = document.createElement("span");
      lbl.className = "lbl";
      var prob = document.createElement("span");
      prob.className = "prob";
      el.appendChild(lbl);
      el.appendChild(prob);
      line.appendChild(el);
      cells.push({ data: d, el: el, lbl: lbl, prob: prob });
      for (var a = 0; a < d.brAfter; a++) newLine();
    });
    fixWidths();
    var slider = $("slider");
    slider.max = String(last);
    SPEEDS.forEach(function (s) {
      var o = document.createElement("option");
      o.value = String(s);
      o.textContent = s + "\u00D7";
      $("speed").appendChild(o);
    });
    $("speed").value = "1";
    $("prompt").textContent = "Prompt: " + data.prompt;
    $("settings").textContent = data.settings;
    $("mode").value = state.mode;
  }
  function render(now) {
    if (now === undefined) now = performance.now();
    var f = frame();
    var t = transition(now);
    var p = pal();
    var modeIndex = 2 * Math.max(0, data.modes.indexOf(state.mode));
    var byOrder = state.mode === "order";
    $("counter").textContent = "step " + f + " / " + last;
    $("slider").value = String(f);
    plotCursors(f);
    $("progress-done").style.width = (last > 0 ? (100 * state.position) / last : 0) + "%";
    $("play").innerHTML = state.playing ? "<b>\u2016 Pause</b>" : "<b>\u25B6 Play</b>";
    var masked = 0;
    cells.forEach(function (c) {
      var d = c.data, el = c.el, s = cellState(d, f);
      var classes = ["cell"];
      if (d.kind === "gen") classes.push("gen");
      if (s === "pinned") classes.push("pinned");
      if (d.space) classes.push("sp");
      var bg = "", fg = "", image = "", label = "", prob = "", textAlpha = 1;
      if (s === "pinned") {
        label = d.label;
        if (d.special) classes.push("special");
      } else if (s === "masked") {
        masked++;
        var g = state.guesses ? guessAt(d, f) : null;
        if (g) {
          var text = tokenText(g[0][0]).trim() || "\u00B7";
          label = text;
          prob = Math.round(g[0][1] / 10) + "%";
          fg = mix(p.guessWeak, p.guessStrong, g[0][1] / 1000);
          if (tokenSpecial(g[0][0])) classes.push("small");
        }
      } else {
        var colours = d[state.dark ? "dark" : "light"];
        var settled = colours[modeIndex];
        var fresh = d.step === f && f > 0;
        var tt = fresh ? t : 1;
        bg = fresh ? freshFill(settled, tt) : settled;
        fg = colours[modeIndex + 1];
        if (fresh && tt < 1 && !(d.special && !byOrder)) fg = textOn(bg);
        if (tt < FLASH_RISE) {
          var alpha = 1 - tt / FLASH_RISE;
          image = "repeating-linear-gradient(-45deg, " + mix(bg, p.hatch, alpha) +
            " 0 1.5px, transparent 1.5px 7px)";
        }
        textAlpha = Math.max(0.1, ease(tt / FLASH_RISE));
        label = d.label;
        if (d.special) classes.push("special");
        if (fresh) classes.push("fresh");
        if (fresh && tt < 1) classes.push("dissolving");
      }
      if (s === "masked") classes.push("masked");
      if (s === "written") classes.push("written");
      if (c === hovered) classes.push("hovered");
      var className = classes.filter(Boolean).join(" ");
      if (el.className !== className) el.className = className;
      el.style.backgroundColor = bg;
      el.style.backgroundImage = image;
      el.style.color = fg;
      el.style.opacity = "";
      c.lbl.style.opacity = textAlpha < 1 ? String(textAlpha) : "";
      if (c.lbl.textContent !== label) c.lbl.textContent = label;
      if (c.prob.textContent !== prob) c.prob.textContent = prob;
    });
    $("canvas").dataset.masked = String(masked);
    if (hovered) showPopup(hovered);
  }

  // ----- legend -----
  function sampleCell(cls, text, styles) {
    var el = document.createElement("span");
    el.className = "cell " + cls;
    var lbl = document.createElement("span");
    lbl.className = "lbl";
    lbl.textContent = text;
    el.appendChild(lbl);
    Object.keys(styles || {}).forEach(function (k) { el.style[k] = styles[k]; });
    return el;
  }
  function legend() {
    var p = pal();
    var box = $("legend");
    box.textContent = "";
    var title = document.createElement("div");
    title.className = "legend-title";
    var labels = data.legend[state.mode];
    title.textContent = labels.title;
    box.appendChild(title);
    var grad = document.createElement("div");
    grad.className = "gradient";
    var stops = p.scales[state.mode];
    var low = document.createElement("span");
    low.textContent = labels.low;
    var bar = document.createElement("span");
    bar.className = "bar";
    bar.style.background = "linear-gradient(to right, " + stops.join(", ") + ")";
    var high = document.createElement("span");
    high.textContent = labels.high;
    grad.appendChild(low);
    grad.appendChild(bar);
    grad.appendChild(high);
    box.appendChild(grad);
    var settled = stops[8];
    function row(samples, text) {
      var r = document.createElement("div");
      r.className = "sample-row";
      samples.forEach(function (s, i) {
        if (i > 0) {
          var arrow = document.createElement("span");
          arrow.className = "arrow";
          arrow.textContent = "\u2192";
          r.appendChild(arrow);
        }
        r.appendChild(s);
      });
      var label = document.createElement("span");
      label.textContent = text;
      r.appendChild(label);
      box.appendChild(r);
    }
    row([sampleCell("masked", "")], "mask");
    var guess = sampleCell("masked", "it", { color: mix(p.guessWeak, p.guessStrong, 0.41) });
    var pr = document.createElement("span");
    pr.className = "prob";
    pr.textContent = "41%";
    guess.appendChild(pr);
    row([guess], "mask with the model's current guess");
    row([
      sampleCell("fresh", "the", { backgroundColor: p.flash, color: textOn(p.flash) }),
      sampleCell("fresh", "the", { backgroundColor: settled, color: textOn(settled) }),
    ], "just written");
    row([sampleCell("special", "EOS", { backgroundColor: p.specialFill, color: p.specialText })], "special (EOS)");
    row([sampleCell("pinned", "Aa")], "prompt / pinned");
    var ex = document.createElement("div");
    ex.className = "explanation";
    ex.textContent = data.explanation[state.dark ? "dark" : "light"][state.mode];
    box.appendChild(ex);
  }

  // ----- hover -----
  function quoted(text) {
    var shown = text.replace(/\n/g, "\u21B5").replace(/\t/g, "\u21E5");
    var name = "";
    if (text === " ") name = " space";
    else if (text === "\n") name = " newline";
    else if (text === "\t") name = " tab";
    else if (text.length && !text.trim().length) name = " whitespace";
    return "\u201C" + shown + "\u201D" + name;
  }
  function showPopup(c) {
    var d = c.data, f = frame(), s = cellState(d, f);
    var where = d.pos[1] - d.pos[0] > 1
      ? "positions " + d.pos[0] + "\u2013" + (d.pos[1] - 1) + " (one character split over " + (d.pos[1] - d.pos[0]) + " tokens)"
      : "position " + d.pos[0];
    var title, detail, cands = null, heading = "";
    if (s === "pinned") {
      title = "Pinned " + quoted(d.text);
      detail = where + " \u00B7 template text, never masked";
    } else if (s === "masked") {
      title = "Masked";
      detail = where + " \u00B7 still masked at step " + f + " of " + last;
      cands = guessAt(d, f);
      if (cands) heading = "Top " + cands.length + " guesses now (step " + (f + 1) + " decides):";
    } else {
      title = d.special ? "Special token " + d.label : quoted(d.text);
      detail = where + " \u00B7 committed at step " + d.step + " of " + last +
        " with confidence " + Math.round(d.conf / 10) + "%";
      cands = guessAt(d, d.step - 1);
      if (cands) heading = "Top " + cands.length + " candidates when it was chosen:";
    }
    var popup = $("popup");
    popup.textContent = "";
    var t = document.createElement("div");
    t.className = "title";
    t.textContent = title;
    popup.appendChild(t);
    var de = document.createElement("div");
    de.textContent = detail;
    popup.appendChild(de);
    if (cands) {
      var h = document.createElement("div");
      h.style.marginTop = "4px";
      h.textContent = heading;
      popup.appendChild(h);
      var table = document.createElement("table");
      cands.forEach(function (row, rank) {
        var tr = document.createElement("tr");
        var name = document.createElement("td");
        name.textContent = quoted(tokenText(row[0]));
        if (rank === 0) name.style.fontWeight = "bold";
        var barCell = document.createElement("td");
        var bar = document.createElement("div");
        bar.className = "bar";
        var fill = document.createElement("div");
        fill.style.width = row[1] / 10 + "%";
        bar.appendChild(fill);
        barCell.appendChild(bar);
        var pct = document.createElement("td");
        pct.textContent = (row[1] / 10).toFixed(1) + "%";
        tr.appendChild(name);
        tr.appendChild(barCell);
        tr.appendChild(pct);
        table.appendChild(tr);
      });
      popup.appendChild(table);
    } else if (s !== "pinned") {
      var none = document.createElement("div");
      none.textContent = s === "masked" ? "No guesses were recorded for this step." : "The trace kept no candidates for this step.";
      popup.appendChild(none);
    }
    var r = c.el.getBoundingClientRect();
    popup.hidden = false;
    popup.style.left = Math.max(0, Math.min(r.left + window.scrollX, document.documentElement.clientWidth - popup.offsetWidth - 4)) + "px";
    popup.style.top = r.bottom + window.scrollY + 6 + "px";
  }
  function hidePopup() {
    hovered = null;
    $("popup").hidden = true;
  }

  // ----- events -----
  function wire() {
    $("canvas").addEventListener("mouseover", function (e) {
      var el = e.target.closest ? e.target.closest(".cell") : null;
      if (!el || el.dataset.i === undefined) return;
      hovered = cells[Number(el.dataset.i)];
      render();
    });
    $("canvas").addEventListener("mouseleave", function () {
      hidePopup();
      render();
    });
    $("slider").addEventListener("input", function (e) { seek(Number(e.target.value)); });
    $("play").addEventListener("click", togglePlay);
    $("start").addEventListener("click", function () { seek(0); });
    $("end").addEventListener("click", function () { seek(last); });
    $("back").addEventListener("click", stepBack);
    $("next").addEventListener("click", stepForward);
    $("speed").addEventListener("change", function (e) { state.speed = Number(e.target.value); });
    $("loop").addEventListener("change", function (e) { state.looping = e.target.checked; });
    $("guesses").addEventListener("change", function (e) {
      state.guesses = e.target.checked;
      render();
    });
    $("mode").addEventListener("change", function (e) {
      state.mode = e.target.value;
      legend();
      render();
    });
    $("theme").addEventListener("click", function () {
      state.dark = !state.dark;
      applyTheme();
      legend();
      render();
    });
    document.addEventListener("keydown", function (e) {
      if (e.target && (e.target.tagName === "SELECT" || (e.target.tagName === "INPUT" && e.target.type !== "range" && e.target.type !== "checkbox"))) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      var handled = true;
      switch (e.key) {
        case " ": togglePlay(); break;
        case "ArrowRight": stepForward(); break;
        case "ArrowLeft": stepBack(); break;
        case "Home": seek(0); break;
        case "End": seek(last); break;
        case "[": slower(); break;
        case "]": faster(); break;
        default: handled = false;
      }
      if (handled) e.preventDefault();
    });
  }

  // ----- self-test (#selftest) -----
  function selftest() {
    var problems = [];
    var expect = function (ok, what) { if (!ok) problems.push(what); };
    var counter = $("counter"), slider = $("slider");
    var masks = function () { return Number($("canvas").dataset.masked); };
    expect(counter.textContent === "step 0 / " + last, "initial counter reads " + counter.textContent);
    expect(cells.length === data.cells.length && cells.length > 0, "cells drawn: " + cells.length);
    var masked0 = masks();
    var target = Math.max(1, Math.round(last / 2));
    slider.value = String(target);
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    expect(counter.textContent === "step " + target + " / " + last, "after moving the slider to " + target + " the counter reads " + counter.textContent);
    var maskedMid = masks();
    expect(maskedMid < masked0, "masks did not go down: " + masked0 + " at step 0, " + maskedMid + " at step " + target);
    if (target < last) {
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
      expect(counter.textContent === "step " + (target + 1) + " / " + last, "the \u2192 key did not step: " + counter.textContent);
    }
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Home", bubbles: true }));
    expect(counter.textContent === "step 0 / " + last, "Home did not go to step 0: " + counter.textContent);
    expect(masks() === masked0, "step 0 again shows " + masks() + " masks, not " + masked0);
    var gen = document.querySelector("#canvas .cell.gen");
    if (gen) {
      gen.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
      var popup = $("popup");
      expect(!popup.hidden && popup.textContent.indexOf("position") >= 0, "hovering a cell shows no popup");
      hidePopup();
    }
    var places = function () {
      return cells.map(function (c) { var r = c.el.getBoundingClientRect(); return [r.left, r.top, r.width].join(","); }).join(";");
    };
    var atStart = places();
    slider.value = String(last);
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    expect(places() === atStart, "cells moved between step 0 and the last step");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Home", bubbles: true }));
    var cursors = document.querySelectorAll("#plots .cursor");
    expect(cursors.length === 3, "plots drawn: " + cursors.length);
    if (cursors.length) {
      var atHome = cursors[0].getAttribute("x1");
      slider.value = String(target);
      slider.dispatchEvent(new Event("input", { bubbles: true }));
      expect(cursors[0].getAttribute("x1") !== atHome, "the plot cursor did not follow the slider");
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "Home", bubbles: true }));
    }
    data.modes.forEach(function (mode) {
      $("mode").value = mode;
      $("mode").dispatchEvent(new Event("change", { bubbles: true }));
      var title = document.querySelector("#legend .legend-title");
      expect(title && title.textContent === data.legend[mode].title, "colour mode " + mode + " shows legend " + (title && title.textContent));
    });
    expect(errors.length === 0, errors.length + " script errors");
    var out = $("selftest-result");
    out.hidden = false;
    out.textContent = problems.length
      ? "FAIL selftest: " + problems.join("; ")
      : "PASS selftest: " + cells.length + " cells, " + last + " steps, masks " + masked0 + " \u2192 " + maskedMid + " at step " + target;
  }

  build();
  buildPlots();
  applyTheme();
  legend();
  wire();
  render();
  // #step=N opens the page at step N (a link to a moment of the run).
  var linked = /^#step=(\d+)$/.exec(location.hash);
  if (linked) seek(Number(linked[1]));
  if (location.hash === "#selftest") selftest();
})();
