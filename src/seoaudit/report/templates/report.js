(function () {
  "use strict";
  var root = document.documentElement;
  var text = document.getElementById("filter-text");
  var prio = document.getElementById("filter-priority");
  var owner = document.getElementById("filter-owner");
  var shown = document.getElementById("shown");
  var issues = Array.prototype.slice.call(document.querySelectorAll("details.issue"));
  function apply() {
    var q = (text && text.value || "").toLowerCase();
    var p = prio && prio.value || "";
    var o = owner && owner.value || "";
    var count = 0;
    issues.forEach(function (el) {
      var ok = (!q || el.getAttribute("data-search").indexOf(q) !== -1) &&
        (!p || el.getAttribute("data-priority") === p) &&
        (!o || el.getAttribute("data-owner") === o);
      el.classList.toggle("hidden", !ok);
      if (ok) { count += 1; }
    });
    if (shown) { shown.textContent = String(count); }
  }
  [text, prio, owner].forEach(function (el) {
    if (el) { el.addEventListener("input", apply); el.addEventListener("change", apply); }
  });
  var expand = document.getElementById("expand-all");
  if (expand) {
    expand.addEventListener("click", function () {
      var open = expand.getAttribute("aria-pressed") !== "true";
      issues.forEach(function (el) { el.open = open; });
      expand.setAttribute("aria-pressed", open ? "true" : "false");
      expand.textContent = open ? "Collapse all" : "Expand all";
    });
  }
  function openTarget() {
    // report.html#issue-<id> (linked from tickets) opens that issue
    var id = decodeURIComponent(window.location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    if (el && el.tagName === "DETAILS") { el.open = true; el.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openTarget);
  apply();
  openTarget();
  root.setAttribute("data-ready", "1");
})();
