// The webhook pages' small helpers (issue 15): no build step, no framework, loaded from 'self' so the CSP holds.
// Every page works without it; this adds relative times in the reader's zone, focus on a form's first error or on
// a posted action's result, Copy/Hide of a revealed secret, and the delivery log's live view of pending rows.
(function () {
  "use strict";

  function relative(date, now) {
    var seconds = Math.round((now - date) / 1000);
    var future = seconds < 0;
    var s = Math.abs(seconds);
    var amount;
    if (s < 5) return "just now";
    if (s < 60) amount = s + " s";
    else if (s < 3600) amount = Math.floor(s / 60) + " min";
    else if (s < 86400) amount = Math.floor(s / 3600) + " h";
    else if (s < 604800) amount = Math.floor(s / 86400) + " d";
    else return date.toISOString().slice(0, 10);
    return future ? "in " + amount : amount + " ago";
  }

  function times(root) {
    var now = Date.now();
    root.querySelectorAll("time[data-relative]").forEach(function (t) {
      var date = new Date(t.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      t.textContent = relative(date, now);
      // dateStyle/timeStyle cannot be combined with timeZoneName: the fields are spelled out.
      t.title = date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" });
    });
  }

  function focusFirst() {
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); return; }
    // A posted action's result: rendered in the page ([data-result]) or, after a redirect, the layout's flash message.
    var result = document.querySelector("[data-result]") || document.querySelector("p.flash[role='status']");
    if (result) {
      result.setAttribute("tabindex", "-1");
      result.focus({ preventScroll: false });
      result.scrollIntoView({ block: "center" });
    }
  }

  function secrets() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy"));
        if (!target || !navigator.clipboard) return;
        navigator.clipboard.writeText(target.textContent.trim()).then(function () {
          var said = document.getElementById(button.getAttribute("data-copied"));
          if (said) said.textContent = "Copied to the clipboard.";
        });
      });
    });
    document.querySelectorAll("[data-hide]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-hide"));
        if (target) target.remove();
      });
    });
  }

  function live() {
    var body = document.querySelector("tbody[data-live-url]");
    var status = document.getElementById("live-status");
    if (!body) return;
    function pending() {
      return Array.prototype.map.call(body.querySelectorAll("tr[data-pending='true']"), function (r) { return r.getAttribute("data-delivery-id"); });
    }
    function tick() {
      var ids = pending();
      if (ids.length === 0) {
        if (status && status.textContent) status.textContent = "Live view: every delivery shown has finished.";
        return;
      }
      if (status) status.textContent = "Live view: " + ids.length + " pending " + (ids.length === 1 ? "delivery updates" : "deliveries update") + " by themselves.";
      fetch(body.getAttribute("data-live-url") + "&ids=" + ids.join(","), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (html) {
            var template = document.createElement("template");
            template.innerHTML = "<table><tbody>" + html + "</tbody></table>";
            template.content.querySelectorAll("tr[data-delivery-id]").forEach(function (row) {
              var old = body.querySelector("tr[data-delivery-id='" + row.getAttribute("data-delivery-id") + "']");
              if (old) old.replaceWith(row);
            });
            times(body);
          }
          window.setTimeout(tick, 2000);
        }, function () { window.setTimeout(tick, 5000); });
    }
    window.setTimeout(tick, 2000);
  }

  function start() {
    // Each helper on its own: one failing (an old browser) leaves the others working.
    [function () { times(document); }, focusFirst, secrets, live].forEach(function (step) {
      try { step(); } catch (e) { if (window.console) window.console.error(e); }
    });
    window.setInterval(function () { times(document); }, 30000);
    // Scrolling to the URL's #fragment after load moves focus away (HTML's "scroll to the fragment"): focus again then.
    window.addEventListener("load", function () { window.setTimeout(focusFirst, 0); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
