// Fair limits (tipline/fairness.py): when the server asks this form for a short proof of work,
// the browser computes it while the person fills the form in, and sends the form once it is done,
// or once the wait the server takes instead has passed, whichever comes first.
// Without this script (or without Web Crypto) the server takes the form after that wait.
(function () {
  "use strict";
  if (!window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var BATCH = 512;

  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0) return bits + Math.clz32(bytes[i]) - 24;
      bits += 8;
    }
    return bits;
  }

  // The first counter whose SHA-256 over "token:counter" starts with `bits` zero bits.
  function solve(token, bits) {
    var encoder = new TextEncoder();
    function batch(start) {
      var digests = [];
      for (var i = start; i < start + BATCH; i++) {
        digests.push(window.crypto.subtle.digest("SHA-256", encoder.encode(token + ":" + i)));
      }
      return Promise.all(digests).then(function (results) {
        for (var j = 0; j < results.length; j++) {
          if (zeroBits(new Uint8Array(results[j])) >= bits) return start + j;
        }
        return batch(start + BATCH);
      });
    }
    return batch(0);
  }

  // Send the form as its button would, in browsers without requestSubmit too.
  function send(form, submitter) {
    if (form.requestSubmit) { form.requestSubmit(submitter || undefined); return; }
    if (submitter && submitter.name) {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = submitter.name;
      field.value = submitter.value;
      form.appendChild(field);
    }
    form.submit();
  }

  document.querySelectorAll("input[data-stamp-bits]").forEach(function (stamp) {
    var bits = +stamp.getAttribute("data-stamp-bits");
    var waitMs = 1000 * +stamp.getAttribute("data-stamp-wait");
    var form = stamp.form;
    var work = form && form.querySelector("input[name$='stamp_work']");
    if (!bits || !work || !stamp.value) return;
    var note = form.querySelector(".stamp-note");
    var served = Date.now(), ready = false, waiting = null;

    function go() {
      if (!waiting) return;
      var submitter = waiting === true ? null : waiting;
      waiting = null;
      send(form, submitter);
    }
    solve(stamp.value, bits).then(function (answer) {
      work.value = String(answer);
      ready = true;
      go();
    });

    // On the document, capturing: before any handler on the form, hold the sending until
    // the work is done or the wait has passed.
    document.addEventListener("submit", function (event) {
      if (event.target !== form || ready || Date.now() - served >= waitMs) return;
      var submitter = event.submitter;
      if (submitter && /find_platform$/.test(submitter.name)) return;  // a registry search needs none
      event.preventDefault();
      event.stopPropagation();
      if (waiting) return;
      waiting = submitter || true;
      setTimeout(function () { ready = true; go(); }, waitMs - (Date.now() - served));
      if (note) {
        note.setAttribute("role", "status");
        note.textContent = stamp.getAttribute("data-working");
      }
    }, true);
  });
})();
