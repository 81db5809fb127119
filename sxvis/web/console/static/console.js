// SXVİS console: the live inbox. An element with data-live="<url>" listens to the server-sent events of
// the referral stream; each event asks htmx to refresh the element (hx-trigger="sxvis:referral from:body").
(function () {
  "use strict";
  function listen(element) {
    var source = new EventSource(element.getAttribute("data-live"));
    var status = document.getElementById("live-status");
    var ready = false;
    // "ready": the server listens for this page from now on. After a reconnection, ask once for the
    // list: moves made while the stream was down are not replayed.
    source.addEventListener("ready", function () {
      if (ready) { document.body.dispatchEvent(new CustomEvent("sxvis:referral")); }
      ready = true;
      element.setAttribute("data-live-ready", "true");
    });
    source.addEventListener("referral", function () {
      document.body.dispatchEvent(new CustomEvent("sxvis:referral"));
      if (status) { status.textContent = status.getAttribute("data-message") || ""; }
    });
    source.addEventListener("expired", function () { source.close(); window.location.reload(); });
    source.addEventListener("refused", function () { source.close(); });
    window.addEventListener("pagehide", function () { source.close(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(listen);
  });
})();
