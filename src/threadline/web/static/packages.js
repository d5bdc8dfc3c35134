// A package build runs on the server in the background: start it, then poll its progress
// (step k of n, item i of t) until it is built, then show the packages with the new one.
// Without this script the form posts and the page waits for the build instead.
(function () {
  "use strict";
  var box = document.getElementById("build-progress");
  if (!box) { return; }
  var form = document.querySelector("form.build-package");
  var button = form ? form.querySelector("button[type=submit]") : null;
  var bar = document.getElementById("build-progress-bar");
  var label = document.getElementById("build-progress-label");
  var detail = document.getElementById("build-progress-detail");
  var error = document.getElementById("build-error");
  var country = box.getAttribute("data-country");
  var POLL_MS = 500;

  function answer(r) {
    return r.json().then(function (body) { return { ok: r.ok, body: body }; });
  }

  function problem(body, fallback) {
    return body && body.error && body.error.message ? body.error.message : fallback;
  }

  function show(s) {
    var pct = Math.max(0, Math.min(100, s.percent || 0));
    box.hidden = false;
    box.setAttribute("data-state", s.state);
    bar.value = pct;
    bar.textContent = pct + " %";
    bar.setAttribute("aria-valuenow", String(pct));
    bar.setAttribute("aria-valuetext", s.message || "");
    if (s.state === "done") {
      label.textContent = "The " + country + " package is built (" + s.elapsed_s + " s)";
      detail.textContent = "Listing the new package…";
    } else {
      // Only the step is in the live region: items change too often to be read out.
      if (label.getAttribute("data-step") !== s.step_text) {
        label.setAttribute("data-step", s.step_text);
        label.textContent = "Building the " + country + " package: " + s.step_text;
      }
      detail.textContent = (s.item_text ? s.item_text + " · " : "") +
        Math.round(s.elapsed_s || 0) + " s";
    }
  }

  function fail(message) {
    box.hidden = false;
    box.setAttribute("data-state", "failed");
    label.textContent = "The " + country + " package was not built";
    error.textContent = message;
    error.hidden = false;
    if (button) { button.disabled = false; }
  }

  function poll() {
    fetch(box.getAttribute("data-status"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(answer).then(function (res) {
      if (!res.ok) { fail(problem(res.body, "the build's progress could not be read")); return; }
      var s = res.body;
      if (s.state === "failed") { fail(s.error || "the build failed"); return; }
      if (s.state === "idle") { fail("the build is no longer known to the server"); return; }
      show(s);
      if (s.state === "done") {
        window.location.assign("/packages?built=" + encodeURIComponent(s.build));
      } else {
        window.setTimeout(poll, POLL_MS);
      }
    }).catch(function () {
      window.setTimeout(poll, 4 * POLL_MS); // the server may be busy: try again a little later
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button) { button.disabled = true; }
      error.hidden = true;
      label.removeAttribute("data-step");
      show({ state: "running", percent: 0, step_text: "starting", item_text: "", elapsed_s: 0,
             message: "starting the build" });
      var token = form.querySelector("input[name=csrf_token]");
      fetch(form.getAttribute("data-start"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": token ? token.value : "" }
      }).then(answer).then(function (res) {
        if (!res.ok) { fail(problem(res.body, "the build could not be started")); return; }
        if (res.body.state === "failed") { fail(res.body.error || "the build failed"); return; }
        show(res.body);
        poll();
      }).catch(function () { fail("the server could not be reached; try again"); });
    });
  }
  if (box.getAttribute("data-state") === "running") { poll(); }
}());
