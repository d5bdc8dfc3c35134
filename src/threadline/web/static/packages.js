// Building a package takes seconds: say so while it runs (the page reloads when it is done).
(function () {
  "use strict";
  var status = document.getElementById("build-progress");
  document.querySelectorAll("form.build-package").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      var started = Date.now();
      if (button) { button.disabled = true; }
      if (!status) { return; }
      status.hidden = false;
      var tick = function () {
        var s = Math.round((Date.now() - started) / 1000);
        status.textContent = "Building the package: gathering targets, evidence and custody records (" + s + " s)…";
        status.setAttribute("data-elapsed", String(s));
      };
      tick();
      window.setInterval(tick, 1000);
    });
  });
}());
