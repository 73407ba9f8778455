// Live submission page: follows /ws/submission/<secret>/ and re-renders without reloading.
//
// The server sends a full "state" snapshot on every (re)connect, then incremental events.
// Everything is folded into one `state` object and the page is re-rendered from it, so a
// duplicated or late event can never leave the page half-updated. If WebSockets fail, the
// page polls the same snapshot from the REST API until the verdict is final.
(function () {
  "use strict";

  var root = document.getElementById("live");
  if (!root) {
    return;
  }

  function readJson(id, fallback) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : fallback;
  }

  var VERDICT_LABELS = readJson("verdict-labels", {});
  var STATUS_LABELS = readJson("status-labels", {});
  var SCORE_KEYS = ["beyond", "dps", "dps_norm", "es"];
  var POLL_SLOW_MS = 15000; // safety net while the socket is up, in case events are lost
  var POLL_FAST_MS = 2000; // when WebSockets do not work at all
  var MAX_BACKOFF_MS = 30000;

  var state = normalise(readJson("initial-state", {}));

  function normalise(snapshot) {
    var cases = {};
    (snapshot.cases || []).forEach(function (c) {
      cases[c.ordinal] = c;
    });
    return {
      status: snapshot.status || "QU",
      verdict: snapshot.verdict || "",
      message: snapshot.message || "",
      done: snapshot.done || 0,
      total: snapshot.total || 0,
      time_ms: snapshot.time_ms,
      memory_kb: snapshot.memory_kb,
      cost: snapshot.cost,
      cost_unit: snapshot.cost_unit || "",
      cost_meter: snapshot.cost_meter || "",
      scores: snapshot.scores || {},
      scores_pending: !!snapshot.scores_pending,
      cases: cases,
    };
  }

  function isFinal() {
    return state.status === "D";
  }

  // The verdict is final at D; the page still listens while the scores wait for the references'
  // calibration (it runs in the background and they arrive with an "efficiency" event).
  function nothingMoreToCome() {
    return isFinal() && !state.scores_pending;
  }

  // --- formatting (mirrors frontend/templatetags/arena_ui.py) ----------------------------
  function fmtDuration(ms) {
    if (ms === null || ms === undefined) return "—";
    if (ms >= 1000) return (ms / 1000).toFixed(2) + " s";
    if (ms < 0.1) return "<0.1 ms"; // below what the per-case timer resolves
    return ms >= 10 ? Math.round(ms) + " ms" : ms.toFixed(1) + " ms";
  }
  function fmtMemory(kb) {
    if (kb === null || kb === undefined) return "—";
    if (kb < 1024) return kb + " KB";
    return kb % 1024 === 0 ? kb / 1024 + " MB" : (kb / 1024).toFixed(1) + " MB";
  }
  function fmtScore(value) {
    if (value === null || value === undefined) return state.scores_pending ? "pending" : "—";
    return value.toFixed(3);
  }
  var fmtCost = window.CodeArenaUnits.costText; // frontend/js/units.js, loaded before this file

  // --- folding events into the state -----------------------------------------------------
  function apply(msg) {
    switch (msg.type) {
      case "state":
        if (isFinal() && msg.status !== "D") return; // a stale poll answer, overtaken by events
        state = normalise(msg);
        break;
      case "queued": // a rejudge starts over
        state = normalise({ status: "QU", total: state.total });
        break;
      case "grading-begin":
        state.status = "P";
        state.total = msg.total || state.total;
        state.done = 0;
        state.cases = {};
        break;
      case "test-case":
        (msg.cases || []).forEach(function (c) {
          state.cases[c.ordinal] = c;
        });
        if (!isFinal()) state.status = "P";
        state.done = Math.max(state.done, msg.done || 0);
        state.total = msg.total || state.total;
        break;
      case "efficiency-begin":
        if (!isFinal()) {
          state.status = "G";
          state.verdict = msg.verdict || state.verdict; // the tests passed: shown before the measurement
        }
        break;
      case "efficiency":
        if (!isFinal()) state.status = "G";
        state.cost = msg.cost;
        state.cost_unit = msg.unit || state.cost_unit;
        state.cost_meter = msg.meter || state.cost_meter;
        state.scores_pending = !!msg.scores_pending;
        if (msg.scores) state.scores = msg.scores;
        break;
      case "grading-end":
        state.status = "D";
        state.verdict = msg.verdict;
        state.message = msg.message || "";
        state.time_ms = msg.time_ms;
        state.memory_kb = msg.memory_kb;
        state.cost = msg.cost;
        state.cost_unit = msg.cost_unit || "";
        state.scores = msg.scores || {};
        state.done = msg.done !== undefined ? msg.done : state.done;
        state.total = msg.total || state.total;
        break;
      case "internal-error":
        state.status = "D";
        state.verdict = "IE";
        state.message = msg.message || "The judge failed on this submission.";
        break;
      default:
        return;
    }
    render();
    if (nothingMoreToCome()) finish();
  }

  // --- rendering --------------------------------------------------------------------------
  function setText(id, text) {
    var node = document.getElementById(id);
    if (node && node.textContent !== text) node.textContent = text;
  }

  function verdictClass(code) {
    return "v-" + String(code).toLowerCase();
  }

  function renderCases() {
    var body = document.getElementById("cases-body");
    var ordinals = Object.keys(state.cases)
      .map(Number)
      .sort(function (a, b) {
        return a - b;
      });
    var fragment = document.createDocumentFragment();
    if (!ordinals.length) {
      var empty = document.createElement("tr");
      empty.className = "placeholder";
      var cell = document.createElement("td");
      cell.colSpan = 6;
      cell.className = "empty";
      cell.textContent = isFinal() ? "No test ran." : "No test has run yet.";
      empty.appendChild(cell);
      fragment.appendChild(empty);
    }
    ordinals.forEach(function (ordinal) {
      var c = state.cases[ordinal];
      var row = document.createElement("tr");
      row.className = "case-row";
      row.dataset.ordinal = String(ordinal);
      var chip = document.createElement("span");
      chip.className = "verdict-chip " + verdictClass(c.verdict);
      chip.title = VERDICT_LABELS[c.verdict] || c.verdict;
      chip.textContent = c.verdict;
      var cells = [
        [String(ordinal), "num"],
        [c.kind, ""],
        [chip, ""],
        [fmtDuration(c.time_ms), "num"],
        [fmtMemory(c.memory_kb), "num"],
        [c.message || "", "case-message"],
      ];
      cells.forEach(function (spec) {
        var td = document.createElement("td");
        if (spec[1]) td.className = spec[1];
        if (typeof spec[0] === "string") td.textContent = spec[0];
        else td.appendChild(spec[0]);
        row.appendChild(td);
      });
      fragment.appendChild(row);
    });
    body.replaceChildren(fragment);
  }

  function allCasesPassed() {
    return Object.keys(state.cases).every(function (ordinal) {
      return state.cases[ordinal].verdict === "AC";
    });
  }

  function passedCount() {
    return Object.keys(state.cases).filter(function (ordinal) {
      return state.cases[ordinal].verdict === "AC";
    }).length;
  }

  // Judging stops at the first failing test: "5 / 17 tests passed", never "17 / 17" for a WA.
  function progressText(final) {
    if (final) {
      return passedCount() + " / " + state.total + " tests passed";
    }
    return state.done + " / " + state.total + " tests run";
  }

  function render() {
    var verdict = document.getElementById("verdict");
    var final = isFinal();
    verdict.className = "verdict " + (final && state.verdict ? verdictClass(state.verdict) : "pending");
    verdict.dataset.verdict = state.verdict;
    verdict.dataset.status = state.status;
    // "efficiency-begin" marks the efficiency run (status G); a page that missed the event (it
    // loaded in between) still knows the run starts exactly when every test has passed.
    var shownStatus = state.status;
    if (shownStatus === "P" && state.total && state.done >= state.total && allCasesPassed()) {
      shownStatus = "G";
    }
    var measuring = !final && shownStatus === "G" && state.verdict === "AC";
    if (measuring) verdict.className = "verdict " + verdictClass("AC");
    verdict.textContent = final
      ? VERDICT_LABELS[state.verdict] || state.verdict
      : measuring
        ? (VERDICT_LABELS.AC || "Accepted") + " · " + (STATUS_LABELS.G || "measuring efficiency")
        : STATUS_LABELS[shownStatus] || shownStatus;
    verdict.dataset.final = final ? "1" : "0";

    var percent = state.total ? Math.min(100, Math.round((100 * state.done) / state.total)) : final ? 100 : 0;
    var bar = document.getElementById("progress-bar");
    bar.style.width = percent + "%";
    bar.className = "progress-bar" + (final ? " " + verdictClass(state.verdict || "ie") : " running");
    var progress = document.getElementById("progress");
    progress.setAttribute("aria-valuemax", String(state.total));
    progress.setAttribute("aria-valuenow", String(state.done));
    setText("progress-text", progressText(final));

    var message = document.getElementById("verdict-message");
    message.hidden = !state.message;
    setText("verdict-message", state.message);

    setText("stat-time", fmtDuration(state.time_ms));
    setText("stat-memory", fmtMemory(state.memory_kb));
    setText("stat-cost", fmtCost(state.cost, state.cost_unit));
    SCORE_KEYS.forEach(function (key) {
      var value = state.scores[key];
      setText("score-" + key, fmtScore(value));
      var meter = document.getElementById("meter-" + key);
      if (meter) meter.style.width = (value === null || value === undefined ? 0 : Math.round(value * 100)) + "%";
    });
    renderCases();
    renderChart();
    document.title = (final ? state.verdict : "…") + " · Submission · CodeArena";
  }

  // --- the cost chart ------------------------------------------------------------------------
  // The server builds the figure (arena/selectors/plots.py); the page asks for it again whenever
  // the cost or the verdict changes: first when the "efficiency" event brings the cost (the
  // verdict is not stored yet, so the request says what the event said), again once it is final
  // (this submission is then one of the accepted solutions). plots.js draws it when visible.
  var chartSection = document.getElementById("cost-chart");
  var chartTarget = document.getElementById("plot-cost");
  var chartRequests = 0;
  var chartFailures = 0;

  function chartKey() {
    if (state.cost === null || state.cost === undefined) return "";
    return [state.cost, state.cost_unit, isFinal() ? state.verdict : ""].join("|");
  }
  // A chart the server drew into the page is already the one for this state.
  var chartShown = chartSection && !chartSection.hidden ? chartKey() : "";

  function renderChart() {
    if (!chartSection || !chartTarget) return;
    var key = chartKey();
    if (key === chartShown) return;
    chartShown = key;
    var request = ++chartRequests;
    if (!key) {
      chartSection.hidden = true; // a rejudge started over: the old cost no longer stands
      return;
    }
    var query = new URLSearchParams({ cost: String(state.cost), unit: state.cost_unit, meter: state.cost_meter });
    fetch(chartTarget.dataset.src + "?" + query.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (request !== chartRequests || !answer || !answer.figure || !window.CodeArenaPlots) return;
        chartFailures = 0;
        chartSection.hidden = false;
        window.CodeArenaPlots.show(chartTarget, answer.figure);
      })
      .catch(function () {
        // Offline for a moment: try again, a few times (no more events may come once final).
        if (request !== chartRequests || ++chartFailures > 3) return;
        chartShown = "";
        window.setTimeout(renderChart, 5000 * chartFailures);
      });
  }

  // --- transport: WebSocket first, polling as the fallback -----------------------------------
  var socket = null;
  var failures = 0;
  var reconnectTimer = null;
  var pollTimer = null;
  var pollEvery = 0;
  var finished = false;

  function setConnection(text) {
    setText("connection", text);
  }

  function finish() {
    if (finished) return;
    finished = true;
    setConnection("final");
    window.clearTimeout(reconnectTimer);
    stopPolling();
    if (socket) {
      var s = socket;
      socket = null;
      s.close(1000);
    }
  }

  // Each polling period gets a generation number, so a fetch that was in flight when the
  // period changed cannot start a second timer chain.
  var pollGeneration = 0;

  function poll(generation) {
    if (finished || generation !== pollGeneration) return;
    fetch(root.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          setConnection("signed out — reload the page");
          stopPolling();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (snapshot) {
        if (snapshot && generation === pollGeneration) apply(snapshot);
      })
      .catch(function () {
        /* offline for a moment: the next poll retries */
      })
      .then(function () {
        if (!finished && generation === pollGeneration) {
          pollTimer = window.setTimeout(poll, pollEvery, generation);
        }
      });
  }

  function startPolling(everyMs) {
    if (finished || pollEvery === everyMs) return;
    stopPolling();
    pollEvery = everyMs;
    pollTimer = window.setTimeout(poll, everyMs === POLL_FAST_MS ? 0 : everyMs, pollGeneration);
  }

  function stopPolling() {
    pollGeneration += 1;
    window.clearTimeout(pollTimer);
    pollTimer = null;
    pollEvery = 0;
  }

  function connect() {
    reconnectTimer = null;
    if (finished) return;
    if (!("WebSocket" in window)) {
      setConnection("polling");
      startPolling(POLL_FAST_MS);
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws;
    try {
      ws = new WebSocket(scheme + window.location.host + root.dataset.stream);
    } catch (err) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = function () {
      failures = 0;
      setConnection("live");
      startPolling(POLL_SLOW_MS);
    };
    ws.onmessage = function (event) {
      var msg;
      try {
        msg = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      apply(msg);
    };
    ws.onclose = function () {
      if (socket !== ws) return; // replaced or closed by finish()
      socket = null;
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (finished) return;
    failures += 1;
    // The snapshot sent on reconnect covers whatever was missed, so reconnecting is enough;
    // after a few failures poll meanwhile, in case WebSockets are blocked on this network.
    if (failures >= 3) {
      setConnection("polling");
      startPolling(POLL_FAST_MS);
    } else {
      setConnection("reconnecting…");
    }
    var delay = Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, failures));
    reconnectTimer = window.setTimeout(connect, delay);
  }

  // --- read-only source view -------------------------------------------------------------------
  var source = document.getElementById("source-view");
  if (source && window.CodeMirror) {
    // The language's CodeMirror mode (a name or a MIME type), its script loaded by the page.
    var mode = source.getAttribute("data-mode") || "python";
    var view = window.CodeMirror.fromTextArea(source, {
      mode: mode === "python" ? { name: "python", version: 3 } : mode,
      lineNumbers: true,
      readOnly: true,
      viewportMargin: Infinity,
      screenReaderLabel: "Submitted code (read-only)",
      // A phone wraps long lines instead of scrolling sideways inside the page.
      lineWrapping: window.matchMedia("(max-width: 600px)").matches,
    });
    view.getWrapperElement().classList.add("read-only");
  }

  render();
  if (nothingMoreToCome()) {
    finish();
  } else {
    connect();
  }
})();
