/* Forms marked data-confirm ask before they submit (deleting a schedule, for one). */
document.addEventListener("submit", function (event) {
  "use strict";
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
