// Small progressive enhancement for the KTP console. Every page works without it.
(function () {
  "use strict";

  // Follow a print job: fetch its status block until the job ends, then reload for the next actions.
  var panel = document.querySelector("[data-poll]");
  // The actions the page was drawn with: when the job's allow others, the page is drawn again.
  var actionsOf = function () {
    var inner = panel && panel.querySelector("[data-actions]");
    return inner ? inner.getAttribute("data-actions") : null;
  };
  var drawnWith = actionsOf();
  // "Tried again in N s": counted down every second between refreshes, from the seconds the server gave
  // (never from this PC's clock, which may be off).
  window.setInterval(function () {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = parseInt(el.getAttribute("data-countdown"), 10) - 1;
      el.setAttribute("data-countdown", String(left));
      el.textContent = left > 0
        ? el.getAttribute("data-text-later").replace("{n}", String(left))
        : el.getAttribute("data-text-now");
    });
  }, 1000);
  if (panel) {
    var url = panel.getAttribute("data-poll");
    var tick = function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) {
          if (r.redirected || !r.ok) { window.location.reload(); return null; }
          return r.text();
        })
        .then(function (html) {
          if (html === null) { return; }
          panel.innerHTML = html;
          var inner = panel.querySelector("[data-terminal]");
          if (inner && inner.getAttribute("data-terminal") === "yes") { window.location.reload(); return; }
          if (actionsOf() !== drawnWith) { window.location.reload(); return; }
          window.setTimeout(tick, 1200);
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    };
    window.setTimeout(tick, 800);
  }

  // A long operation (closing a month): its progress from the server every 500 ms; once it has ended, the
  // operation's page (which the server turns into the result, with a message) is loaded.
  var operation = document.querySelector("[data-operation]");
  if (operation) {
    var opUrl = operation.getAttribute("data-operation");
    var follow = function () {
      fetch(opUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (op) {
          if (!op) { window.location.reload(); return; }
          operation.querySelector("[data-op-bar]").value = op.percent;
          operation.querySelector("[data-op-percent]").textContent = String(op.percent);
          if (op.step_text) { operation.querySelector("[data-op-step]").textContent = op.step_text; }
          op.steps.forEach(function (s) {
            var li = operation.querySelector('[data-op-key="' + s.key + '"]');
            if (li) { li.className = s.done ? "done" : (s.key === op.step ? "current" : ""); }
          });
          if (op.next) { window.location.assign(op.next); return; }
          window.setTimeout(follow, 500);
        })
        .catch(function () { window.setTimeout(follow, 1500); });
    };
    follow();
  }

  // Kelurahan/desa list follows the chosen kecamatan.
  document.querySelectorAll("select[data-follows]").forEach(function (desa) {
    var kec = document.getElementById(desa.getAttribute("data-follows"));
    if (!kec) { return; }
    var sync = function () {
      desa.querySelectorAll("optgroup").forEach(function (g) {
        var match = !kec.value || g.getAttribute("data-kecamatan") === kec.value;
        g.hidden = !match;
        g.disabled = !match;
      });
      var chosen = desa.options[desa.selectedIndex];
      if (chosen && chosen.parentElement && chosen.parentElement.disabled) { desa.value = ""; }
    };
    kec.addEventListener("change", sync);
    sync();
  });

  // Filters apply as soon as a choice is made.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // Live validation: the form is checked by the server (same rules as saving) once a field is left.
  document.querySelectorAll("form[data-check]").forEach(function (form) {
    var touched = {};
    var timer = null;
    var check = function () {
      fetch(form.getAttribute("data-check"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          form.querySelectorAll("[data-field]").forEach(function (box) {
            var name = box.getAttribute("data-field");
            if (!touched[name]) { return; }
            var msg = data.errors[name] || "";
            var out = box.querySelector(".error");
            var input = box.querySelector("input, select");
            if (out) { out.textContent = msg; }
            box.classList.toggle("invalid", !!msg);
            if (input) { if (msg) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); } }
          });
        })
        .catch(function () { /* the server checks again on submit */ });
    };
    form.addEventListener("change", function (ev) {
      var box = ev.target.closest("[data-field]");
      if (box) { touched[box.getAttribute("data-field")] = true; }
      if (ev.target.name === "tanggal_lahir" || ev.target.name === "jenis_kelamin") { touched.nik = true; }
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 250);
    });
  });
})();

// Before uploading: the chosen photo as the card will crop it (3:4, centred), without leaving the page.
document.querySelectorAll("figure[data-crop-for]").forEach(function (fig) {
  var input = document.getElementById(fig.getAttribute("data-crop-for"));
  var img = fig.querySelector("img");
  if (!input || !img || !window.URL) { return; }
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) { fig.hidden = true; return; }
    img.src = window.URL.createObjectURL(file);
    fig.hidden = false;
  });
});

// A "print" button (the resident's access report): the browser's own print, with the print styles.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
// Buttons show that their form is on its way, and a second click sends nothing twice. The button that was
// pressed still sends its name and value (a disabled button would not): a hidden copy carries them.
(function () {
  "use strict";
  var busyText = document.body.getAttribute("data-busy-text") || "Memproses...";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || (form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    var pressed = ev.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (pressed && pressed.name) {
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = pressed.name;
      copy.value = pressed.value;
      copy.setAttribute("data-busy-copy", "");
      form.appendChild(copy);
    }
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    if (pressed) {
      pressed.setAttribute("data-label", pressed.textContent);
      pressed.textContent = pressed.getAttribute("data-busy") || busyText;
      pressed.setAttribute("aria-busy", "true");
    }
  });
  // Back to a page kept by the browser: its buttons work again.
  window.addEventListener("pageshow", function (ev) {
    if (!ev.persisted) { return; }
    document.querySelectorAll("[data-busy-copy]").forEach(function (c) { c.remove(); });
    document.querySelectorAll("button[aria-busy]").forEach(function (b) {
      b.textContent = b.getAttribute("data-label");
      b.removeAttribute("aria-busy");
    });
    document.querySelectorAll("form button:disabled").forEach(function (b) { b.disabled = false; });
  });
})();

// The session warning: the page knows from the server how long its session holds; shortly before the end
// it says so, with a button that extends it. Another tab may have used the session meanwhile, so the
// server is asked again before warning.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box) { return; }
  var text = box.querySelector(".session-text");
  var form = box.querySelector("form");
  var lead = parseInt(box.getAttribute("data-warn"), 10) * 1000;
  var deadline = Date.now() + parseInt(box.getAttribute("data-left"), 10) * 1000;
  var lastAsked = 0;
  var ask = function () {
    lastAsked = Date.now();
    return fetch("/session/status", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.left > 0) { deadline = Date.now() + data.left * 1000; } })
      .catch(function () { /* keep the page's own count */ });
  };
  var tick = function () {
    var left = deadline - Date.now();
    if (left <= lead && Date.now() - lastAsked > 20000) { ask().then(tick); return; }
    if (left <= 0) {
      text.textContent = box.getAttribute("data-ended");
      if (form) { form.hidden = true; }
      box.hidden = false;
      return;
    }
    if (left <= lead) {
      text.textContent = box.getAttribute("data-text").replace("__N__", String(Math.ceil(left / 60000)));
      box.hidden = false;
    } else {
      box.hidden = true;
    }
    window.setTimeout(tick, 1000);
  };
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.left > 0) { deadline = Date.now() + data.left * 1000; lastAsked = Date.now(); }
          tick();
        })
        .catch(function () { form.submit(); });
    });
  }
  tick();
})();
