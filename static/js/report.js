// The report form, enhanced: platform search-as-you-type (an ARIA combobox) and early file-limit checks.
// Without this script the form works the same through its "Search the registry" button.
(function () {
  "use strict";
  var picker = document.querySelector(".platform-picker");
  if (!picker) return;
  var input = picker.querySelector("#platform_name");
  var hidden = picker.querySelector("#platform_id");
  var list = picker.querySelector("#platform-suggestions");
  var chosen = picker.querySelector("#platform-chosen");
  if (!input || !hidden || !list) return;  // the no-script match list is showing
  picker.classList.add("enhanced");

  var url = picker.getAttribute("data-suggest-url");
  var items = [], active = -1, timer = null, lastQuery = null, pending = null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function choose(item) {
    input.value = item.name;
    hidden.value = String(item.id);
    chosen.textContent = "";
    chosen.appendChild(document.createTextNode(picker.getAttribute("data-chosen-text") + " "));
    var strong = document.createElement("strong");
    strong.textContent = item.name + (item.name_en ? " (" + item.name_en + ")" : "");
    chosen.appendChild(strong);
    lastQuery = null;  // editing the name afterwards searches again
    close();
    input.dispatchEvent(new CustomEvent("tipline:chosen"));
  }

  function highlight(index) {
    var nodes = list.querySelectorAll("li[role=option]");
    if (!nodes.length) return;
    active = (index + nodes.length) % nodes.length;
    nodes.forEach(function (node, i) { node.setAttribute("aria-selected", i === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", nodes[active].id);
    nodes[active].scrollIntoView({ block: "nearest" });
  }

  function render(results) {
    items = results;
    list.textContent = "";
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "empty";
      none.textContent = picker.getAttribute("data-none-text");
      list.appendChild(none);
    }
    results.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "platform-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = item.name + (item.name_en ? " (" + item.name_en + ")" : "");
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = [item.operator, item.region].filter(Boolean).join(" · ");
      li.appendChild(meta);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  function search() {
    var q = input.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    if (!q) { close(); return; }
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(q), { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (results) { if (input.value.trim() === q) render(results); })
      .catch(function () { /* typing on; the next keystroke searches again */ });
  }

  input.addEventListener("input", function () {
    hidden.value = "";  // a typed name is a new platform until one is chosen
    chosen.textContent = "";
    if (question) { question.remove(); question = null; }
    if (notice) notice.hidden = true;
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) {
      if (e.key === "ArrowDown" && input.value.trim()) { e.preventDefault(); lastQuery = null; search(); }
      return;
    }
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active <= 0 ? -1 : active - 1); }
    else if (e.key === "Enter" && active >= 0 && items[active]) { e.preventDefault(); choose(items[active]); }
    else if (e.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });

  // Tell the reporter when an open case already covers the chosen platform and problem.
  var notice = document.querySelector("#covered-notice");
  var category = document.querySelector("#category");
  function checkCovered() {
    if (!notice || !category) return;
    if (!hidden.value || !category.value) { notice.hidden = true; return; }
    var query = "?platform_id=" + encodeURIComponent(hidden.value) + "&category=" + encodeURIComponent(category.value);
    fetch(notice.getAttribute("data-covered-url") + query, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { covered: false }; })
      .then(function (answer) {
        notice.textContent = answer.covered ? answer.message : "";
        notice.hidden = !answer.covered;
      })
      .catch(function () { notice.hidden = true; });
  }
  if (category) category.addEventListener("change", checkCovered);
  input.addEventListener("tipline:chosen", checkCovered);
  checkCovered();

  // "Did you mean ...?" before sending a typed name the registry knows, as the server asks
  // without this script, but here on the page, so that attached files stay attached.
  var form = picker.closest("form");
  var checked = form && form.querySelector("[name=platform_checked]");
  var question = null;
  function ask(name) {
    if (question) question.remove();
    question = document.createElement("fieldset");
    question.className = "matches";
    question.id = "platform-matches";
    question.tabIndex = -1;
    var legend = document.createElement("legend");
    legend.textContent = picker.getAttribute("data-ask-title");
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = picker.getAttribute("data-ask-hint").replace("{q}", name);
    question.appendChild(legend);
    question.appendChild(hint);
    function option(text, onPick) {
      var label = document.createElement("label");
      label.className = "choice";
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "platform_guess";
      radio.addEventListener("change", onPick);
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" " + text));
      question.appendChild(label);
    }
    items.forEach(function (item) {
      var text = item.name + (item.name_en ? " (" + item.name_en + ")" : "");
      option([text, item.operator, item.region].filter(Boolean).join(" · "), function () {
        choose(item);
        checked.value = "";
      });
    });
    option(picker.getAttribute("data-ask-none"), function () {
      hidden.value = "";
      chosen.textContent = "";
      checked.value = name;
    });
    picker.insertBefore(question, picker.querySelector(".find-platform"));
    question.focus();
  }
  if (form && checked) {
    form.addEventListener("submit", function (event) {
      if (event.submitter && /find_platform$/.test(event.submitter.name)) return;
      var name = input.value.trim();
      if (hidden.value || !name || checked.value === name || lastQuery !== name || !items.length) return;
      // A name that is exactly one platform's, in Chinese or English, is that platform, as the server takes it.
      var folded = name.toLowerCase();
      var same = items.filter(function (item) {
        return item.name.toLowerCase() === folded || (item.name_en || "").toLowerCase() === folded;
      });
      if (same.length === 1) { choose(same[0]); return; }
      event.preventDefault();
      close();
      ask(name);
    });
  }

})();
