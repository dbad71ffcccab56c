// The album viewer: one page (or spread) at a time with a strip of thumbnails, ← → keys and
// swipe; and, while the revision is open, sticky notes — tap a page to put one there, drag it
// to move it, tap it to change or delete it, and optionally pick a session photo to swap in.
// The page works without this script: every page shows with its comment box.
(function () {
  "use strict";
  var form = document.getElementById("album-form");
  if (!form) { return; }
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";
  var albumUrl = form.dataset.album;
  var revision = form.dataset.revision;
  var editable = form.hasAttribute("data-editable");
  var sections = Array.prototype.slice.call(form.querySelectorAll(".album-page"));
  var strip = document.getElementById("album-strip");
  var links = strip ? Array.prototype.slice.call(strip.querySelectorAll("a[data-page]")) : [];
  if (!sections.length) { return; }
  Array.prototype.forEach.call(document.querySelectorAll(".with-script"), function (e) { e.hidden = false; });

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set("csrf", csrf);
    body.set("revision", revision);
    return fetch(url, {
      method: "POST",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body,
      credentials: "same-origin"
    }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (e) {
          throw new Error(e.message || "Could not save; try again.");
        });
      }
      return r.json();
    }, function () {
      throw new Error("The studio's site could not be reached; check the connection and try again.");
    });
  }

  function say(message) {
    var live = document.getElementById("album-live");
    if (!live) {
      live = el("div", { id: "album-live", "class": "toast", role: "status", "aria-live": "polite" });
      document.body.appendChild(live);
    }
    live.textContent = message;
    live.classList.add("show");
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { live.classList.remove("show"); }, 3000);
  }

  // --- The viewer -------------------------------------------------------------------------
  var current = 0;
  form.classList.add("viewer");
  var nav = el("div", { "class": "album-nav" });
  var prev = el("button", { type: "button", "class": "secondary", id: "album-prev" }, "← Previous");
  var where = el("span", { id: "album-where", "aria-live": "polite" });
  var next = el("button", { type: "button", "class": "secondary", id: "album-next" }, "Next →");
  nav.appendChild(prev);
  nav.appendChild(where);
  nav.appendChild(next);
  form.insertBefore(nav, sections[0]);

  function show(index, moveFocus) {
    current = Math.max(0, Math.min(sections.length - 1, index));
    sections.forEach(function (s, i) { s.classList.toggle("shown", i === current); });
    links.forEach(function (a, i) {
      if (i === current) {
        a.setAttribute("aria-current", "true");
        if (a.scrollIntoView) { a.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      } else { a.removeAttribute("aria-current"); }
    });
    where.textContent = "Page " + (current + 1) + " of " + sections.length;
    prev.disabled = current === 0;
    next.disabled = current === sections.length - 1;
    if (history.replaceState) { history.replaceState(null, "", "#page-" + sections[current].dataset.page); }
    if (moveFocus) {
      var heading = sections[current].querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }

  prev.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { show(current + 1, true); });
  links.forEach(function (a, i) {
    a.addEventListener("click", function (event) { event.preventDefault(); show(i, true); });
  });
  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.isContentEditable)) { return; }
    if (event.key === "ArrowLeft") { show(current - 1); }
    if (event.key === "ArrowRight") { show(current + 1); }
  });
  var start = /^#page-(\d+)$/.exec(location.hash);
  var first = start ? sections.findIndex(function (s) { return s.dataset.page === start[1]; }) : 0;
  show(first < 0 ? 0 : first);

  // Swipe left or right on a page (touch only: a mouse click places a note).
  var swipe = null;
  form.addEventListener("touchstart", function (event) {
    if (event.touches.length !== 1 || event.target.closest(".pin, .note-editor")) { swipe = null; return; }
    swipe = { x: event.touches[0].clientX, y: event.touches[0].clientY, at: Date.now() };
  }, { passive: true });
  form.addEventListener("touchend", function (event) {
    if (!swipe || !event.changedTouches.length) { return; }
    var dx = event.changedTouches[0].clientX - swipe.x;
    var dy = event.changedTouches[0].clientY - swipe.y;
    if (Math.abs(dx) > 60 && Math.abs(dy) < 50 && Date.now() - swipe.at < 800) {
      // A swipe is no tap: no note from it.
      if (event.cancelable) { event.preventDefault(); }
      show(current + (dx < 0 ? 1 : -1));
    }
    swipe = null;
  });

  if (!editable) { return; }

  // --- Sticky notes -------------------------------------------------------------------------
  var photos = null;

  function fractionOf(canvas, clientX, clientY) {
    var r = canvas.getBoundingClientRect();
    return {
      x: Math.max(0, Math.min(1, (clientX - r.left) / r.width)),
      y: Math.max(0, Math.min(1, (clientY - r.top) / r.height))
    };
  }

  function place(pin, x, y) {
    pin.style.left = (x * 100).toFixed(3) + "%";
    pin.style.top = (y * 100).toFixed(3) + "%";
    pin.dataset.x = String(x);
    pin.dataset.y = String(y);
  }

  function renumber(section) {
    var pins = section.querySelectorAll(".pin[data-note]");
    Array.prototype.forEach.call(pins, function (pin, i) {
      pin.textContent = String(i + 1);
      pin.setAttribute("aria-label", "Note " + (i + 1));
      var item = section.querySelector('.page-notes li[data-note="' + pin.dataset.note + '"]');
      if (item) { item.value = i + 1; }
    });
  }

  function listItem(section, note) {
    var list = section.querySelector(".page-notes");
    var item = list.querySelector('li[data-note="' + note.id + '"]');
    if (!item) {
      item = el("li", { "data-note": note.id });
      list.appendChild(item);
    }
    item.value = note.number;
    item.textContent = "";
    item.appendChild(el("span", { "class": "note-text" }, note.text));
    if (note.swap_name) {
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", { "class": "swap" }, "Swap in: " + note.swap_name));
      item.dataset.swap = note.swap_id;
    } else {
      delete item.dataset.swap;
    }
  }

  function closeEditor(section) {
    var open = section.querySelector(".note-editor");
    if (open) { open.remove(); }
    var draft = section.querySelector(".pin.draft");
    if (draft) { draft.remove(); }
  }

  function loadPhotos() {
    if (photos) { return Promise.resolve(photos); }
    return fetch(albumUrl + "/photos", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("Could not load the photos."); } return r.json(); })
      .then(function (body) { photos = body.photos; return photos; });
  }

  // The editor for a new note at (x, y), or for `pin`'s note.
  function openEditor(section, canvas, x, y, pin) {
    closeEditor(section);
    var noteId = pin ? pin.dataset.note : null;
    var item = noteId ? section.querySelector('.page-notes li[data-note="' + noteId + '"]') : null;
    var swapId = item && item.dataset.swap ? item.dataset.swap : "";
    if (!pin) {
      var draft = el("span", { "class": "pin draft", "aria-hidden": "true" }, "+");
      place(draft, x, y);
      canvas.appendChild(draft);
    }
    var editor = el("div", { "class": "note-editor", role: "group", "aria-label": noteId ? "Change the note" : "New note" });
    var label = el("label", { "for": "note-text" }, noteId ? "Your note" : "What should change here?");
    var text = el("textarea", { id: "note-text", maxlength: "2000", rows: "3" });
    text.value = item ? (item.querySelector(".note-text") || {}).textContent || "" : "";
    var error = el("p", { "class": "error", role: "alert", hidden: "" });
    var chosen = el("p", { "class": "hint", id: "swap-chosen" });
    var picker = el("div", { "class": "swap-picker", hidden: "" });
    var row = el("div", { "class": "button-row" });
    var save = el("button", { type: "button", id: "note-save" }, "Save note");
    var swap = el("button", { type: "button", "class": "secondary", id: "note-swap" }, "Swap a photo…");
    var cancel = el("button", { type: "button", "class": "secondary", id: "note-cancel" }, "Cancel");
    row.appendChild(save);
    row.appendChild(swap);
    if (noteId) { row.appendChild(el("button", { type: "button", "class": "secondary", id: "note-delete" }, "Delete note")); }
    row.appendChild(cancel);
    [label, text, chosen, picker, error, row].forEach(function (n) { editor.appendChild(n); });
    canvas.parentNode.insertBefore(editor, canvas.nextSibling);
    text.focus();

    function showChosen() {
      var photo = photos && photos.find(function (p) { return p.id === swapId; });
      chosen.textContent = swapId ? "Swap in: " + (photo ? photo.name : (item && item.querySelector(".swap") ? item.querySelector(".swap").textContent.replace(/^Swap in: /, "") : "the chosen photo")) : "";
    }
    showChosen();

    function fail(e) { error.textContent = e.message; error.hidden = false; }

    swap.addEventListener("click", function () {
      if (!picker.hidden) { picker.hidden = true; return; }
      loadPhotos().then(function (list) {
        picker.textContent = "";
        list.forEach(function (p) {
          var b = el("button", { type: "button", "aria-pressed": String(p.id === swapId), title: p.name, "data-photo": p.id });
          b.appendChild(el("img", { src: p.thumb_url, alt: p.name, loading: "lazy" }));
          if (p.favorite) { b.appendChild(el("span", { "class": "fav", "aria-hidden": "true" }, "♥")); }
          b.addEventListener("click", function () {
            swapId = swapId === p.id ? "" : p.id;
            Array.prototype.forEach.call(picker.querySelectorAll("button"), function (o) {
              o.setAttribute("aria-pressed", String(o.dataset.photo === swapId));
            });
            showChosen();
          });
          picker.appendChild(b);
        });
        picker.hidden = false;
      }, fail);
    });
    cancel.addEventListener("click", function () { closeEditor(section); });
    editor.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { closeEditor(section); }
    });
    save.addEventListener("click", function () {
      save.disabled = true;
      var fields = { text: text.value, swap: swapId };
      var url = albumUrl + "/notes";
      if (noteId) { url += "/" + encodeURIComponent(noteId); } else {
        fields.page = section.dataset.page;
        fields.x = String(x);
        fields.y = String(y);
      }
      post(url, fields).then(function (note) {
        closeEditor(section);
        var target = pin;
        if (!target) {
          target = el("button", { type: "button", "class": "pin", "data-note": note.id });
          canvas.appendChild(target);
          wirePin(section, canvas, target);
        }
        place(target, note.x, note.y);
        listItem(section, note);
        renumber(section);
        say(noteId ? "Note changed." : "Note " + note.number + " added to page " + section.dataset.page + ".");
      }, function (e) { save.disabled = false; fail(e); });
    });
    var del = editor.querySelector("#note-delete");
    if (del) {
      del.addEventListener("click", function () {
        post(albumUrl + "/notes/" + encodeURIComponent(noteId) + "/delete", {}).then(function () {
          closeEditor(section);
          pin.remove();
          if (item) { item.remove(); }
          renumber(section);
          say("Note deleted.");
        }, fail);
      });
    }
  }

  // A pin: drag to move (saved when let go), tap or Enter to change it.
  function wirePin(section, canvas, pin) {
    var drag = null;
    pin.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      event.preventDefault();
      event.stopPropagation();
      drag = { x: event.clientX, y: event.clientY, moved: false, id: event.pointerId };
      pin.setPointerCapture(event.pointerId);
    });
    pin.addEventListener("pointermove", function (event) {
      if (!drag || event.pointerId !== drag.id) { return; }
      if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 4) {
        drag.moved = true;
        pin.classList.add("dragging");
      }
      if (drag.moved) {
        var at = fractionOf(canvas, event.clientX, event.clientY);
        place(pin, at.x, at.y);
      }
    });
    function end(event) {
      if (!drag || event.pointerId !== drag.id) { return; }
      var moved = drag.moved;
      drag = null;
      pin.classList.remove("dragging");
      if (!moved) {
        openEditor(section, canvas, Number(pin.dataset.x), Number(pin.dataset.y), pin);
        return;
      }
      post(albumUrl + "/notes/" + encodeURIComponent(pin.dataset.note), { x: pin.dataset.x, y: pin.dataset.y })
        .then(function (note) { place(pin, note.x, note.y); say("Note " + note.number + " moved."); },
          function (e) { say(e.message); });
    }
    pin.addEventListener("pointerup", end);
    pin.addEventListener("pointercancel", end);
    pin.addEventListener("click", function (event) {
      event.stopPropagation();
      // Keyboard (Enter, Space) clicks have no pointer before them.
      if (event.detail === 0) { openEditor(section, canvas, Number(pin.dataset.x), Number(pin.dataset.y), pin); }
    });
  }

  sections.forEach(function (section) {
    var canvas = section.querySelector(".page-canvas");
    canvas.classList.add("markable");
    Array.prototype.forEach.call(canvas.querySelectorAll(".pin[data-note]"), function (pin) {
      wirePin(section, canvas, pin);
    });
    canvas.addEventListener("click", function (event) {
      if (event.target.closest(".pin")) { return; }
      var at = fractionOf(canvas, event.clientX, event.clientY);
      openEditor(section, canvas, at.x, at.y, null);
    });
  });

  // Page comments and the general comment are kept as a draft as soon as they change.
  Array.prototype.forEach.call(form.querySelectorAll("textarea[name]"), function (area) {
    area.addEventListener("change", function () {
      var fields = {};
      fields[area.name] = area.value;
      post(albumUrl + "/comments", fields).then(function () { say("Comment saved as a draft."); },
        function (e) { say(e.message); });
    });
  });
})();
