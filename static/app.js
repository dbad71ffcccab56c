// Proofroom's page script: instant favorites and a keyboard- and swipe-friendly lightbox.
// Everything here enhances pages that already work without it.
(function () {
  "use strict";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set("csrf", csrf);
    return fetch(url, {
      method: "POST",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body,
      credentials: "same-origin"
    }).then(function (r) {
      if (!r.ok) { return r.json().catch(function () { return {}; }).then(function (e) { throw new Error(e.message || "Could not save; try again."); }); }
      return r.json();
    });
  }

  function say(message) {
    var live = document.getElementById("live");
    if (!live) {
      live = document.createElement("div");
      live.id = "live";
      live.className = "toast";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    live.textContent = message;
    live.classList.add("show");
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { live.classList.remove("show"); }, 2500);
  }

  var grid = document.querySelector(".grid[data-event]");
  if (!grid) { return; }
  var tiles = Array.prototype.slice.call(grid.querySelectorAll(".tile"));
  var canFavorite = grid.hasAttribute("data-can-favorite");
  var canOrder = grid.hasAttribute("data-can-order");
  var counter = document.querySelector("[data-favorite-count]");

  function setFavorite(tile, on) {
    tile.classList.toggle("is-favorite", on);
    var button = tile.querySelector(".heart");
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
    var field = tile.querySelector('.heart-form input[name="on"]');
    if (field) { field.value = on ? "0" : "1"; }
    if (counter) { counter.textContent = String(tiles.filter(function (t) { return t.classList.contains("is-favorite"); }).length); }
  }

  function toggleFavorite(tile) {
    var on = !tile.classList.contains("is-favorite");
    setFavorite(tile, on);
    if (box && current === tile) { showFavorite(); }
    return post(tile.dataset.photo + "/favorite", { on: on ? "1" : "0" }).then(function () {
      // Named, so that each save reads (and is announced) as news, not as the same words again.
      say(tile.dataset.name + (on ? " added to favorites" : " removed from favorites"));
    }).catch(function (e) {
      setFavorite(tile, !on);
      if (box && current === tile) { showFavorite(); }
      say(e.message);
    });
  }

  grid.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("heart-form")) { return; }
    event.preventDefault();
    toggleFavorite(form.closest(".tile"));
  });

  // The lightbox.
  var box = null, current = null, image, caption, heart, noteForm, noteField;

  function build() {
    box = document.createElement("div");
    box.className = "lightbox";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-label", "Photo viewer");
    box.tabIndex = -1;
    box.innerHTML =
      '<button type="button" class="lb-close" aria-label="Close (Esc)">×</button>' +
      '<button type="button" class="lb-prev" aria-label="Previous photo (←)">‹</button>' +
      '<figure><img alt=""><figcaption></figcaption></figure>' +
      '<button type="button" class="lb-next" aria-label="Next photo (→)">›</button>' +
      '<div class="lb-bar">' +
      (canFavorite ? '<button type="button" class="lb-heart" aria-pressed="false">♡ Favorite (F)</button>' +
        '<form class="lb-note"><label>Note <input name="note" maxlength="1000" autocomplete="off"></label><button type="submit">Save note</button></form>' : '') +
      (canOrder ? '<a class="lb-order">Order prints</a>' : '') +
      '<a class="lb-open">Open photo page</a></div>';
    document.body.appendChild(box);
    image = box.querySelector("img");
    caption = box.querySelector("figcaption");
    heart = box.querySelector(".lb-heart");
    noteForm = box.querySelector(".lb-note");
    noteField = noteForm ? noteForm.querySelector("input") : null;
    box.querySelector(".lb-close").addEventListener("click", close);
    box.querySelector(".lb-prev").addEventListener("click", function () { step(-1); });
    box.querySelector(".lb-next").addEventListener("click", function () { step(1); });
    if (heart) { heart.addEventListener("click", function () { toggleFavorite(current); }); }
    if (noteForm) {
      noteForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var tile = current, note = noteField.value;
        post(tile.dataset.photo + "/note", { note: note }).then(function () {
          tile.dataset.note = note;
          setFavorite(tile, true);
          showFavorite();
          say("Note saved");
        }).catch(function (e) { say(e.message); });
      });
    }
    var startX = null;
    box.addEventListener("touchstart", function (e) { startX = e.touches[0].clientX; }, { passive: true });
    box.addEventListener("touchend", function (e) {
      if (startX === null) { return; }
      var dx = e.changedTouches[0].clientX - startX;
      startX = null;
      if (Math.abs(dx) > 50) { step(dx < 0 ? 1 : -1); }
    });
  }

  function showFavorite() {
    if (!heart) { return; }
    var on = current.classList.contains("is-favorite");
    heart.setAttribute("aria-pressed", on ? "true" : "false");
    heart.textContent = on ? "♥ Favorite (F)" : "♡ Favorite (F)";
  }

  function show(tile) {
    current = tile;
    image.src = tile.dataset.proof;
    image.alt = tile.dataset.name;
    caption.textContent = tile.dataset.name + " · " + (tiles.indexOf(tile) + 1) + " of " + tiles.length;
    box.querySelector(".lb-open").href = tile.dataset.photo;
    var order = box.querySelector(".lb-order");
    if (order) { order.href = tile.dataset.photo + "#order"; }
    if (noteField) { noteField.value = tile.dataset.note || ""; }
    showFavorite();
    var next = tiles[tiles.indexOf(tile) + 1];
    if (next) { (new Image()).src = next.dataset.proof; }
  }

  function step(delta) {
    var i = tiles.indexOf(current) + delta;
    if (i >= 0 && i < tiles.length) { show(tiles[i]); }
  }

  // While the lightbox is open, the page behind it is inert (no focus, no clicks, hidden from
  // screen readers); the announcer stays live.
  function setBehindInert(on) {
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (el !== box && el.id !== "live") { el.inert = on; }
    });
  }

  function focusable() {
    return Array.prototype.filter.call(
      box.querySelectorAll("button, input, a[href]"),
      function (el) { return el.offsetParent !== null; });
  }

  var opener = null;
  function open(tile) {
    if (!box) { build(); }
    opener = document.activeElement;
    box.classList.add("open");
    document.body.classList.add("lightbox-open");
    setBehindInert(true);
    show(tile);
    box.querySelector(".lb-close").focus();
  }

  function close() {
    box.classList.remove("open");
    document.body.classList.remove("lightbox-open");
    setBehindInert(false);
    // Back to the photo last shown (where the person is now), else to what opened the box.
    var link = current && current.querySelector(".tile-link");
    if (opener && grid.contains(opener) && link) { link.focus(); }
    else if (opener) { opener.focus(); }
  }

  grid.addEventListener("click", function (event) {
    var link = event.target.closest(".tile-link");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) { return; }
    event.preventDefault();
    open(link.closest(".tile"));
  });

  document.addEventListener("keydown", function (event) {
    if (!box || !box.classList.contains("open")) { return; }
    if (event.key === "Tab") {
      // Tab and Shift+Tab go round the lightbox's controls, never behind it.
      var items = focusable(), first = items[0], last = items[items.length - 1];
      var inside = box.contains(document.activeElement) && document.activeElement !== box;
      if (event.shiftKey && (!inside || document.activeElement === first)) { last.focus(); }
      else if (!event.shiftKey && (!inside || document.activeElement === last)) { first.focus(); }
      else { return; }
      event.preventDefault();
      return;
    }
    if (event.target && event.target.tagName === "INPUT") {
      // Esc leaves the note field (the lightbox keeps the focus); a second Esc closes it.
      if (event.key === "Escape") { box.focus(); event.preventDefault(); }
      return;
    }
    if (event.key === "Escape") { close(); }
    else if (event.key === "ArrowRight") { step(1); }
    else if (event.key === "ArrowLeft") { step(-1); }
    else if ((event.key === "f" || event.key === "F") && canFavorite) { toggleFavorite(current); }
    else { return; }
    event.preventDefault();
  });
})();
