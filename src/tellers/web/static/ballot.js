/* Ranking by drag and drop and by keyboard: an enhancement of the ballot form.
 * Without JavaScript the voter uses one select per preference; with it, the selects are
 * hidden and kept in step with the list, so the form submits exactly the same fields. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.querySelectorAll("[data-prevent-double-click]").forEach(function (button) {
    button.form.addEventListener("submit", function () {
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });
  var form = document.getElementById("ballot-form");
  if (!form || form.dataset.style !== "RANKING") return;
  var selects = Array.prototype.slice.call(form.querySelectorAll("#rank-selects select"));
  var widget = document.getElementById("rank-widget");
  var ranked = document.getElementById("ranked");
  var pool = document.getElementById("unranked");
  var status = document.getElementById("rank-status");
  if (!selects.length || !widget) return;
  var options = Array.prototype.slice.call(selects[0].options)
    .filter(function (o) { return o.value; })
    .map(function (o) { return { key: o.value, name: o.textContent }; });
  var order = selects.map(function (s) { return s.value; }).filter(function (v) { return v; });
  order = order.filter(function (v, i) { return order.indexOf(v) === i; });

  function nameOf(key) {
    for (var i = 0; i < options.length; i++) if (options[i].key === key) return options[i].name;
    return key;
  }
  function sync() {
    selects.forEach(function (s, i) { s.value = order[i] || ""; });
  }
  function say(text) { status.textContent = text; }
  function button(label, text, handler) {
    var b = document.createElement("button");
    b.type = "button"; b.textContent = text; b.setAttribute("aria-label", label);
    b.addEventListener("click", handler); return b;
  }
  function move(key, delta) {
    var i = order.indexOf(key), j = i + delta;
    if (i < 0 || j < 0 || j >= order.length) return;
    order.splice(i, 1); order.splice(j, 0, key);
    render(key); say(nameOf(key) + " is now preference " + (j + 1));
  }
  function toggle(key) {
    var i = order.indexOf(key);
    if (i >= 0) { order.splice(i, 1); say(nameOf(key) + " removed from your ranking"); }
    else { order.push(key); say(nameOf(key) + " added as preference " + order.length); }
    render(key);
  }
  function item(key, index) {
    var li = document.createElement("li");
    li.className = "rank-item"; li.tabIndex = 0; li.draggable = true; li.dataset.key = key;
    var badge = document.createElement("span");
    badge.className = "num-badge"; badge.textContent = index >= 0 ? String(index + 1) : "–";
    badge.setAttribute("aria-hidden", "true");
    var name = document.createElement("span");
    name.className = "name"; name.textContent = nameOf(key);
    li.appendChild(badge); li.appendChild(name);
    var n = nameOf(key);
    if (index >= 0) {
      li.setAttribute("aria-label", "Preference " + (index + 1) + ": " + n);
      li.appendChild(button("Move " + n + " up", "↑", function () { move(key, -1); }));
      li.appendChild(button("Move " + n + " down", "↓", function () { move(key, 1); }));
      li.appendChild(button("Remove " + n, "Remove", function () { toggle(key); }));
    } else {
      li.setAttribute("aria-label", n + ", not ranked");
      li.appendChild(button("Add " + n + " to your ranking", "Add", function () { toggle(key); }));
    }
    li.addEventListener("keydown", function (e) {
      if (e.target !== li) return;
      if (e.key === "ArrowUp" && index >= 0) { e.preventDefault(); move(key, -1); }
      else if (e.key === "ArrowDown" && index >= 0) { e.preventDefault(); move(key, 1); }
      else if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(key); }
    });
    li.addEventListener("dragstart", function (e) {
      li.classList.add("dragging"); e.dataTransfer.setData("text/plain", key); e.dataTransfer.effectAllowed = "move";
    });
    li.addEventListener("dragend", function () { li.classList.remove("dragging"); });
    return li;
  }
  function dropIndex(list, y) {
    var items = Array.prototype.slice.call(list.querySelectorAll(".rank-item:not(.dragging)"));
    for (var i = 0; i < items.length; i++) {
      var r = items[i].getBoundingClientRect();
      if (y < r.top + r.height / 2) return i;
    }
    return items.length;
  }
  [ranked, pool].forEach(function (list) {
    list.addEventListener("dragover", function (e) { e.preventDefault(); list.classList.add("drop-target"); });
    list.addEventListener("dragleave", function () { list.classList.remove("drop-target"); });
    list.addEventListener("drop", function (e) {
      e.preventDefault(); list.classList.remove("drop-target");
      var key = e.dataTransfer.getData("text/plain");
      if (!key) return;
      var at = dropIndex(list, e.clientY);
      var was = order.indexOf(key);
      if (was >= 0) order.splice(was, 1);
      if (list === ranked) {
        if (was >= 0 && was < at) at = Math.max(0, at);
        order.splice(Math.min(at, order.length), 0, key);
        say(nameOf(key) + " is now preference " + (order.indexOf(key) + 1));
      } else { say(nameOf(key) + " removed from your ranking"); }
      render(key);
    });
  });
  function render(focusKey) {
    ranked.innerHTML = ""; pool.innerHTML = "";
    order.forEach(function (k, i) { ranked.appendChild(item(k, i)); });
    options.forEach(function (o) { if (order.indexOf(o.key) < 0) pool.appendChild(item(o.key, -1)); });
    sync();
    if (focusKey) {
      var el = widget.querySelector('.rank-item[data-key="' + focusKey.replace(/"/g, '\\"') + '"]');
      if (el) el.focus();
    }
  }
  document.getElementById("rank-selects").hidden = true;
  widget.hidden = false;
  render(null);
  form.addEventListener("submit", sync);
})();
