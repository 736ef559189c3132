// @mentions in a note: type @ and the start of a colleague's name, then pick them from a list.
// Any <textarea data-mentions="URL"> gets it; URL answers ?q=... with [{name, handle, department}].
// Without this script the same works by typing @ and the name in full.
(function () {
  "use strict";
  // The @word just before the caret: an @ at the start or after a space or punctuation (not inside an
  // email address), then letters, digits, _ . - (what cases/operations.py reads as a handle).
  var TOKEN = /(^|[^\p{L}\p{N}\p{M}_.\-@])@([\p{L}\p{N}\p{M}_.\-]{1,100})$/u;
  var WAIT_MS = 150;

  document.querySelectorAll("textarea[data-mentions]").forEach(enhance);

  function enhance(box, n) {
    var url = box.getAttribute("data-mentions");
    if (!url) return;
    if (!box.id) box.id = "mentions-box-" + n;
    var list = document.createElement("ul");
    list.id = box.id + "-mentions";
    list.className = "suggestions mentions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var label = document.querySelector('label[for="' + CSS.escape(box.id) + '"]');
    if (label) {
      if (!label.id) label.id = box.id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    }
    box.insertAdjacentElement("afterend", list);
    // A textarea may not be a combobox (nor carry aria-expanded): it says a list may open, which one,
    // and which option is active.
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-haspopup", "listbox");
    box.setAttribute("aria-controls", list.id);

    var items = [], active = -1, timer = null, pending = null, dismissed = null, answers = {};

    function token() {
      if (box.selectionStart !== box.selectionEnd) return null;
      var before = box.value.slice(0, box.selectionStart);
      var found = TOKEN.exec(before);
      if (!found) return null;
      return { start: before.length - found[2].length - 1, end: before.length, query: found[2] };
    }

    function close() {
      list.hidden = true;
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var nodes = list.querySelectorAll("li[role=option]");
      if (!nodes.length) return;
      active = (index + nodes.length) % nodes.length;
      nodes.forEach(function (node, i) { node.setAttribute("aria-selected", i === active ? "true" : "false"); });
      box.setAttribute("aria-activedescendant", nodes[active].id);
      nodes[active].scrollIntoView({ block: "nearest" });
    }

    function choose(item) {
      var at = token();
      close();
      if (!at) return;
      var end = box.value.charAt(at.end) === " " ? at.end + 1 : at.end;  // no double space
      box.setRangeText("@" + item.handle + " ", at.start, end, "end");
      box.focus();
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function render(results) {
      items = results;
      list.textContent = "";
      if (!results.length) { close(); return; }
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.appendChild(document.createTextNode(item.name + " "));
        var handle = document.createElement("span");
        handle.className = "handle";
        handle.textContent = "@" + item.handle;
        li.appendChild(handle);
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = item.department;
        li.appendChild(meta);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });  // the text box keeps the focus
        li.addEventListener("click", function () { choose(item); });
        list.appendChild(li);
      });
      list.hidden = false;
      highlight(0);
    }

    function lookup() {
      var at = token();
      if (!at || at.start === dismissed) { close(); return; }
      var query = at.query.toLowerCase();
      if (answers[query]) { render(answers[query]); return; }
      if (pending) pending.abort();
      pending = new AbortController();
      var address = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
      fetch(address, { signal: pending.signal, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (results) {
          results = Array.isArray(results) ? results : [];
          answers[query] = results;
          var now = token();
          if (now && now.start === at.start && now.query.toLowerCase() === query && document.activeElement === box) {
            render(results);
          }
        })
        .catch(function () { /* signed out or offline: the @name can still be typed in full */ });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(lookup, WAIT_MS);
    }

    box.addEventListener("input", function (e) {
      if (e.isComposing) return;  // an input method is still composing; compositionend looks it up
      var at = token();
      if (!at) { dismissed = null; close(); return; }
      later();
    });
    box.addEventListener("compositionend", later);
    box.addEventListener("keydown", function (e) {
      if (e.isComposing || e.keyCode === 229 || list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if ((e.key === "Enter" || e.key === "Tab") && active >= 0 && items[active]) {
        e.preventDefault();
        choose(items[active]);
      } else if (e.key === "Escape") {
        e.preventDefault();
        var at = token();
        dismissed = at ? at.start : null;
        close();
      }
    });
    // Moving the caret out of the @word closes the list.
    box.addEventListener("click", function () { if (!token()) close(); });
    box.addEventListener("keyup", function (e) {
      if (/^(ArrowLeft|ArrowRight|Home|End|PageUp|PageDown)$/.test(e.key) && !token()) close();
    });
    box.addEventListener("blur", function () { setTimeout(close, 150); });
  }
})();
