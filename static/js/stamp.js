// Fair limits (tipline/fairness.py): when the server asks this form for a short proof of work,
// the browser computes it while the person fills the form in, and sends the form once it is done.
// Without this script (or without Web Crypto) the server takes the form after a short wait instead.
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

  document.querySelectorAll("input[data-stamp-bits]").forEach(function (stamp) {
    var bits = +stamp.getAttribute("data-stamp-bits");
    var form = stamp.form;
    var work = form && form.querySelector("input[name$='stamp_work']");
    if (!bits || !work || !stamp.value) return;
    var note = form.querySelector(".stamp-note");
    var done = false, waiting = null;

    solve(stamp.value, bits).then(function (answer) {
      work.value = String(answer);
      done = true;
      if (waiting) {
        var submitter = waiting === true ? undefined : waiting;
        waiting = null;
        form.requestSubmit(submitter);
      }
    });

    // Before the form's other handlers (capture): hold the sending until the work is done.
    form.addEventListener("submit", function (event) {
      if (done) return;
      var submitter = event.submitter;
      if (submitter && /find_platform$/.test(submitter.name)) return;  // a registry search needs none
      event.preventDefault();
      event.stopImmediatePropagation();
      waiting = submitter || true;
      if (note) {
        note.setAttribute("role", "status");
        note.textContent = stamp.getAttribute("data-working");
      }
    }, true);
  });
})();
