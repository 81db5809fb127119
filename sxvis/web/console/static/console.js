// SXVİS console: the live inbox. An element with data-live="<url>" listens to the server-sent events of
// the referral stream. An event names the referral that arrived or moved: the page fetches that row
// alone (data-rows="<url>", one logged read of that referral) and htmx swaps it out of band, in place or
// first in its table. Events are gathered for a moment, so a burst costs one request, not one each.
(function () {
  "use strict";
  var GATHER_MS = 250; // wait this long after an event for others
  var LONGEST_MS = 1000; // but never longer than this after the first
  var ROWS_AT_ONCE = 20; // beyond this, refresh the whole list (as the server does)

  function refreshAll() {
    document.body.dispatchEvent(new CustomEvent("sxvis:referral"));
  }

  function rowOf(id) {
    return document.getElementById("referral-" + id.replace(/\+/g, "-").replace(/\//g, "_"));
  }

  // Counts, and the "None." line, follow the rows a swap added.
  function recount(element) {
    element.querySelectorAll("table.inbox").forEach(function (table) {
      var rows = table.tBodies.length ? table.tBodies[0].rows.length : 0;
      var section = table.closest("section");
      table.hidden = rows === 0;
      var empty = section && section.querySelector(".empty");
      if (empty) { empty.hidden = rows > 0; }
      var count = section && section.querySelector(".count-value");
      if (count) { count.textContent = rows.toLocaleString(document.documentElement.lang || undefined); }
    });
  }

  function listen(element) {
    var source = new EventSource(element.getAttribute("data-live"));
    var rowsUrl = element.getAttribute("data-rows");
    var status = document.getElementById("live-status");
    var ready = false;
    var moved = new Set();
    var timer = null;
    var firstAt = 0;
    var fetching = false;

    function announce() {
      if (status) { status.textContent = status.getAttribute("data-message") || ""; }
    }

    function schedule() {
      var now = Date.now();
      if (!firstAt) { firstAt = now; }
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(flush, Math.max(0, Math.min(GATHER_MS, firstAt + LONGEST_MS - now)));
    }

    function flush() {
      timer = null;
      if (fetching) { schedule(); return; } // one request at a time; what came meanwhile waits its turn
      firstAt = 0;
      var ids = Array.from(moved);
      moved.clear();
      if (!ids.length) { return; }
      if (!rowsUrl || ids.length > ROWS_AT_ONCE) { refreshAll(); announce(); return; }
      var query = new URLSearchParams();
      ids.forEach(function (id) {
        query.append("id", id);
        if (rowOf(id)) { query.append("shown", id); }
      });
      fetching = true;
      htmx.ajax("GET", rowsUrl + "?" + query.toString(), { target: "#inbox-sink", swap: "innerHTML" })
        .then(function () { recount(element); announce(); })
        .finally(function () { fetching = false; });
    }

    // "ready": the server listens for this page from now on. After a reconnection, ask once for the
    // whole list: moves made while the stream was down are not replayed.
    source.addEventListener("ready", function () {
      if (ready) { refreshAll(); }
      ready = true;
      element.setAttribute("data-live-ready", "true");
    });
    source.addEventListener("referral", function (event) {
      var data = {};
      try { data = JSON.parse(event.data); } catch (ignored) { data = {}; }
      if (data.referral) { moved.add(data.referral); schedule(); } else { refreshAll(); announce(); }
    });
    source.addEventListener("expired", function () { source.close(); window.location.reload(); });
    source.addEventListener("refused", function () { source.close(); });
    window.addEventListener("pagehide", function () { source.close(); });
    element.addEventListener("htmx:afterSwap", function () { recount(element); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(listen);
  });
})();
