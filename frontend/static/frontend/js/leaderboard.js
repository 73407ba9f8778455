// Leaderboard: when /ws/leaderboard/ says the standings changed, fetch this page again and swap
// the table in place. Bursts of verdicts are coalesced into one refresh.
(function () {
  "use strict";

  var container = document.getElementById("leaderboard-table");
  if (!container || !("WebSocket" in window) || !window.DOMParser) {
    return;
  }
  var note = document.getElementById("leaderboard-live");
  var refreshTimer = null;
  var failures = 0;
  var openedBefore = false;

  function refresh() {
    refreshTimer = null;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("leaderboard-table");
        if (fresh) container.replaceChildren.apply(container, Array.prototype.slice.call(fresh.childNodes));
      })
      .catch(function () {
        /* the next change tries again */
      });
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + container.dataset.stream);
    ws.onopen = function () {
      failures = 0;
      if (note) note.hidden = false;
      if (openedBefore) refresh(); // changes may have happened while disconnected
      openedBefore = true;
    };
    ws.onmessage = function (event) {
      var msg;
      try {
        msg = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (msg.type === "standings-changed" && refreshTimer === null) {
        refreshTimer = window.setTimeout(refresh, 1000);
      }
    };
    ws.onclose = function () {
      if (note) note.hidden = true;
      failures += 1;
      // Never give up: after an outage (Redis restarting, a deploy) the feed comes back by itself.
      window.setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
    };
  }

  connect();
})();
