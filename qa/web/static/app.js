/* Autosave feedback for every element marked data-autosave (a reviewer's criterion, a
   self-assessment criterion, a consensus entry).

   - "Saving…" while its request is in flight (hidden from screen readers, and shown only
     after a moment by the stylesheet, so quick saves do not flicker).
   - "Not saved" when the request got no answer from the app: no connection, a timeout or a
     server error. The answer stays on the page and is sent again as soon as the browser is
     back online, and otherwise every 20 seconds. A reviewer on a train never believes an
     answer is saved when it is not.
   - A refusal by the app itself (4xx) is shown by the app (its message and the criterion's
     own "Not saved" line), so it is left alone here.

   Served from /static: the CSP allows scripts from this site only, and nothing here needs
   inline script, eval or hx-on. */
(function () {
  "use strict";

  var failed = new Set();
  var RETRY_MS = 20000;

  function autosaving(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.matches && elt.matches("[data-autosave]") ? elt : null;
  }

  function statusOf(elt) {
    var target = elt.getAttribute("hx-target") || "";
    if (target.indexOf("find ") === 0) {
      return elt.querySelector(target.slice(5));
    }
    return target.charAt(0) === "#" ? document.querySelector(target) : null;
  }

  function say(elt, kind, text, hidden) {
    var status = statusOf(elt);
    if (!status) {
      return;
    }
    var span = document.createElement("span");
    span.className = kind;
    span.textContent = text;
    if (hidden) {
      span.setAttribute("aria-hidden", "true");
    }
    status.replaceChildren(span);
  }

  function notSaved(event) {
    var elt = autosaving(event);
    if (!elt) {
      return;
    }
    failed.add(elt);
    say(
      elt,
      "field-error",
      navigator.onLine
        ? "Not saved: the server did not answer. Your answer is still here and is sent again shortly."
        : "Not saved: you are offline. Your answer is still here and is sent when you are back online."
    );
  }

  function retry() {
    failed.forEach(function (elt) {
      failed.delete(elt);
      if (document.body.contains(elt)) {
        htmx.trigger(elt, "change");
      }
    });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = autosaving(event);
    if (elt) {
      say(elt, "saving", "Saving…", true);
    }
  });
  document.addEventListener("htmx:sendError", notSaved);
  document.addEventListener("htmx:timeout", notSaved);
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && event.detail.xhr.status >= 500) {
      notSaved(event);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = autosaving(event);
    if (!elt) {
      return;
    }
    if (event.detail.successful) {
      failed.delete(elt);
      return;
    }
    var status = statusOf(elt);
    if (status && status.querySelector(".saving")) {
      say(elt, "field-error", "Not saved.");  // refined by the handlers above
    }
  });
  // A form refused by the app: its error summary takes the focus (as on a full page), so
  // keyboard and screen reader users land on what to fix. Autosave refusals do not move it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var config = event.detail.requestConfig;
    var from = config && config.elt;
    if (!target || target.id !== "messages" || !from || from.tagName !== "FORM") {
      return;
    }
    var summary = target.querySelector(".error-summary");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  });
  // "Copy" buttons (a sign-in link, the office's public key): data-copy names the field.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    var field = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (!field) {
      return;
    }
    function done(text) {
      if (status) {
        status.textContent = text;
      }
    }
    field.select();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(
        function () { done("Copied."); },
        function () { done("Selected: press Ctrl+C (or ⌘C) to copy."); }
      );
    } else {
      done("Selected: press Ctrl+C (or ⌘C) to copy.");
    }
  });
  window.addEventListener("online", retry);
  window.setInterval(function () {
    if (failed.size && navigator.onLine) {
      retry();
    }
  }, RETRY_MS);
})();
