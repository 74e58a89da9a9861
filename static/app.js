// Every page: after a form comes back with errors, the keyboard focus goes to the error summary
// (or, where a form has none, to its first invalid field), and a link of the summary moves the
// focus to the field it names, so keyboard and screen-reader users start where the problem is.
// A table box that scrolls sideways (a narrow screen) becomes a named tab stop, so the keyboard
// can scroll it too.
(function () {
  "use strict";
  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) { return false; }
    if (field.tagName === "FIELDSET") { field = field.querySelector("input, select, textarea") || field; }
    field.focus();
    return document.activeElement === field;
  }
  function scrollingBoxes() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (caption ? caption.textContent.trim() + ", " : "") + "table, scrolls sideways");
      } else if (!scrolls && box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    scrollingBoxes();
    var waiting = false;
    window.addEventListener("resize", function () {
      if (waiting) { return; }
      waiting = true;
      window.requestAnimationFrame(function () { waiting = false; scrollingBoxes(); });
    });
    var summary = document.querySelector("[data-error-summary]");
    var target = summary || document.querySelector("main [aria-invalid=true]");
    if (target) { target.focus(); }
    if (!summary) { return; }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (link && focusField(link.getAttribute("href").slice(1))) { event.preventDefault(); }
    });
  });
})();
