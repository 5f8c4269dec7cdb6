/* The reviewer's rubric by keyboard (templates/review.html): one Tab stop per criterion.

   - Tab on a criterion's level goes to the next criterion's level (Shift+Tab goes back
     through the provider's evidence links); the guidance and the comment leave the Tab
     order and are opened with G and C. Escape or Tab in a comment returns to the levels.
   - 0-3 choose that level, X "cannot judge": the radio is checked and a "change" event
     sent, so htmx saves it exactly as a click would. N jumps to the next unscored one.
   - The last criterion touched is remembered for this page (sessionStorage), and focused
     again after a reload.
   - Links to a criterion (next unscored, principles, still to score) focus its level.

   Without this script everything still works with the browser's own keys. */
(function () {
  "use strict";

  var scoring = document.getElementById("scoring");
  if (!scoring || !scoring.querySelector("[data-autosave] .levels input")) {
    return;
  }
  var KEY = "qa-last-criterion:" + location.pathname;
  var LEVEL = "input[type=radio][name^='level-']";

  function criteria() {
    return Array.prototype.slice.call(scoring.querySelectorAll("article[data-criterion]"));
  }

  function articleOf(elt) {
    return elt && elt.closest ? elt.closest("article[data-criterion]") : null;
  }

  function focusLevel(article) {
    if (!article) {
      return false;
    }
    var level = article.querySelector(LEVEL + ":checked") || article.querySelector(LEVEL);
    if (!level) {
      return false;
    }
    article.scrollIntoView({ block: "start" });
    level.focus({ preventScroll: true });
    return true;
  }

  function step(article, by) {
    var all = criteria();
    return all[all.indexOf(article) + by] || null;
  }

  function pick(article, value) {
    var radio = article.querySelector(LEVEL + "[value='" + value + "']");
    if (!radio) {
      return;
    }
    radio.focus();
    if (!radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function nextUnscored() {
    var link = document.querySelector("#next-unscored [data-focus-criterion]");
    return link ? document.getElementById("c-" + link.getAttribute("data-focus-criterion")) : null;
  }

  scoring.querySelectorAll(".guidance > summary, .score textarea").forEach(function (elt) {
    elt.setAttribute("tabindex", "-1");
  });

  scoring.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    var article = articleOf(target);
    if (!article) {
      return;
    }
    if (target.matches("textarea")) {
      if (event.key === "Escape" || (event.key === "Tab" && !event.shiftKey)) {
        event.preventDefault();
        focusLevel(event.key === "Escape" ? article : step(article, 1) || article);
      }
      return;
    }
    if (!target.matches(LEVEL)) {
      return;
    }
    var key = event.key.toLowerCase();
    var handled = true;
    if (key === "0" || key === "1" || key === "2" || key === "3") {
      pick(article, key);
    } else if (key === "x") {
      pick(article, "cj");
    } else if (key === "c") {
      article.querySelector(".score textarea").focus();
    } else if (key === "g") {
      var guidance = article.querySelector(".guidance");
      guidance.open = !guidance.open;
    } else if (key === "n") {
      handled = focusLevel(nextUnscored());
    } else if (key === "tab" && !event.shiftKey) {
      handled = focusLevel(step(article, 1));
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
    }
  });

  scoring.addEventListener("focusin", function (event) {
    var article = articleOf(event.target);
    if (article) {
      try {
        sessionStorage.setItem(KEY, article.getAttribute("data-criterion"));
      } catch (e) {
        /* storage may be off: nothing to remember then */
      }
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-focus-criterion]");
    if (!link) {
      return;
    }
    var article = document.getElementById("c-" + link.getAttribute("data-focus-criterion"));
    if (focusLevel(article)) {
      event.preventDefault();
    }
  });

  var remembered = null;
  try {
    remembered = sessionStorage.getItem(KEY);
  } catch (e) {
    remembered = null;
  }
  var start = remembered || (location.hash.indexOf("#c-") === 0 ? location.hash.slice(3) : "");
  if (start) {
    focusLevel(document.getElementById("c-" + start));
  }
})();
