// The queue's "select all on this page" box for bulk triage.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  var picks = function () { return document.querySelectorAll("#bulk-form input.pick"); };
  all.addEventListener("change", function () {
    picks().forEach(function (p) { p.checked = all.checked; });
  });
  document.addEventListener("change", function (e) {
    if (!e.target.classList || !e.target.classList.contains("pick")) { return; }
    var boxes = picks(), on = 0;
    boxes.forEach(function (p) { if (p.checked) { on += 1; } });
    all.checked = on === boxes.length;
    all.indeterminate = on > 0 && on < boxes.length;
  });
}());
