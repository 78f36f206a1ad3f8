// TechLink portal: the one script, no build step. After a refused form: every input whose error element holds a
// message is marked aria-invalid and the first one takes the focus (which scrolls it into view). After an action: its
// result message takes the focus, so it is in view and read out.
(function () {
  "use strict";
  // A table that is not laid out as stacked rows on a phone scrolls inside its own labelled, focusable region, so that
  // it never widens the page.
  document.querySelectorAll("main table:not(.stack)").forEach(function (table, i) {
    if (table.parentElement.classList.contains("table-scroll")) return;
    var region = document.createElement("div");
    region.className = "table-scroll";
    region.setAttribute("role", "region");
    region.setAttribute("tabindex", "0");
    var caption = table.querySelector("caption");
    region.setAttribute("aria-label", caption && caption.textContent.trim() ? caption.textContent.trim() : "Table " + (i + 1) + " (scrolls sideways)");
    table.parentNode.insertBefore(region, table);
    region.appendChild(table);
  });
  // The current tab in view when the tabs scroll sideways (phones).
  var tab = document.querySelector(".tabs [aria-current=page]");
  if (tab && tab.parentElement && tab.parentElement.parentElement) {
    var list = tab.parentElement.parentElement;
    if (list.scrollWidth > list.clientWidth) list.scrollLeft = tab.parentElement.offsetLeft - 16;
  }
  var first = null;
  document.querySelectorAll(".field-errors").forEach(function (errors) {
    if (!errors.querySelector(".field-error")) return;
    document.querySelectorAll("[aria-describedby]").forEach(function (input) {
      if (input.getAttribute("aria-describedby").split(/\s+/).indexOf(errors.id) < 0) return;
      input.setAttribute("aria-invalid", "true");
      if (!first) first = input;
    });
  });
  var target = first || document.querySelector(".error-summary") || document.querySelector(".flash");
  if (!target) return;
  if (target !== first && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
  if (target.scrollIntoView) target.scrollIntoView({ block: "center" });
})();
