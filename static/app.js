// Every page: after a form comes back with errors, the keyboard focus goes to the error summary
// (or, where a form has none, to its first invalid field), and a link of the summary moves the
// focus to the field it names, so keyboard and screen-reader users start where the problem is.
(function () {
  "use strict";
  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) { return false; }
    if (field.tagName === "FIELDSET") { field = field.querySelector("input, select, textarea") || field; }
    field.focus();
    return document.activeElement === field;
  }
  document.addEventListener("DOMContentLoaded", function () {
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
