// Proofroom's page script: instant favorites, ordering beside the photo, a keyboard- and
// swipe-friendly lightbox with a slideshow, and thumbnail pickers for package photos.
// Everything here enhances pages that already work without it.
(function () {
  "use strict";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";
  // Phones and tablets (a touch screen and no mouse): no keyboard hints.
  var touch = navigator.maxTouchPoints > 0 && !window.matchMedia("(any-hover: hover)").matches;

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
    }, function () {
      throw new Error("The studio's site could not be reached; check the connection and try again.");
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

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // Quantity steppers: − and + beside a number field.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-step]");
    if (!button) { return; }
    var field = button.parentNode.querySelector('input[type="number"]');
    var value = (parseInt(field.value, 10) || 1) + parseInt(button.dataset.step, 10);
    field.value = String(Math.min(Math.max(value, 1), parseInt(field.max, 10) || 999));
    field.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // A file is bought once: no quantity beside it.
  function fitStepper(form) {
    var chosen = form.querySelector('input[name="sku"]:checked');
    var stepper = form.querySelector(".stepper");
    if (!stepper) { return; }
    var file = !!(chosen && chosen.hasAttribute("data-file"));
    stepper.hidden = file;
    if (file) { stepper.querySelector('input[type="number"]').value = "1"; }
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "sku" && event.target.closest(".buy-form")) {
      fitStepper(event.target.closest(".buy-form"));
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll(".buy-form"), fitStepper);

  function setCartCount(count) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-cart-count]"), function (c) {
      c.textContent = String(count);
    });
  }

  // "Added ✓ — View cart · Keep browsing" in `box`, after an answer of the cart.
  function showAdded(box, answer, keepBrowsing) {
    box.textContent = "";
    var more = answer.to_pick > 0
      ? " Pick the other " + (answer.to_pick === 1 ? "photo" : answer.to_pick + " photos") + " in the cart."
      : "";
    box.appendChild(document.createTextNode("Added ✓ " + answer.name + "." + more + " "));
    box.appendChild(el("a", { href: answer.cart }, "View cart"));
    box.appendChild(document.createTextNode(" · "));
    var keep = el("button", { type: "button", "class": "link" }, "Keep browsing");
    keep.addEventListener("click", keepBrowsing);
    box.appendChild(keep);
    box.hidden = false;
  }

  // Puts what the buy form says in the cart; resolves with the server's answer.
  function addToCart(action, form, imageId) {
    var fields = {
      sku: (form.querySelector('input[name="sku"]:checked') || {}).value || "",
      quantity: form.querySelector('input[name="quantity"]').value,
      image_id: imageId
    };
    return post(action, fields).then(function (answer) {
      setCartCount(answer.count);
      // The next photo starts again at one.
      form.querySelector('input[name="quantity"]').value = "1";
      return answer;
    });
  }

  // The photo page's buy panel.
  var photoBuy = document.querySelector("form[data-buy]");
  if (photoBuy) {
    photoBuy.addEventListener("submit", function (event) {
      event.preventDefault();
      var added = photoBuy.querySelector("[data-added]");
      var imageId = photoBuy.querySelector('input[name="image_id"]').value;
      addToCart(photoBuy.getAttribute("action"), photoBuy, imageId).then(function (answer) {
        showAdded(added, answer, function () {
          var back = document.querySelector('.photo-nav a');
          if (back) { window.location.href = back.href; }
        });
      }).catch(function (e) { say(e.message); });
    });
  }

  // Package photo pickers (cart, prepaid package): the preview follows the choice at once, and
  // "Choose from photos" opens the thumbnails, favorites first.
  var picker = null;
  function openPicker(select) {
    if (!picker) {
      picker = el("dialog", { "class": "picker", "aria-labelledby": "picker-title" });
      picker.innerHTML = '<div class="picker-head"><h2 id="picker-title"></h2>' +
        '<button type="button" class="secondary picker-close">Close</button></div><div class="picker-body"></div>';
      picker.querySelector(".picker-close").addEventListener("click", function () { picker.close(); });
      document.body.appendChild(picker);
    }
    picker.querySelector("#picker-title").textContent = "Photo for " + select.dataset.slotLabel;
    var body = picker.querySelector(".picker-body");
    body.textContent = "";
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      body.appendChild(el("h3", {}, group.label));
      var list = el("ul", { "class": "picker-grid" });
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        var item = el("li");
        var choose = el("button", { type: "button", "class": "picker-choice", "aria-pressed": option.selected ? "true" : "false" });
        var img = el("img", { src: option.dataset.thumb, alt: "", loading: "lazy" });
        choose.appendChild(img);
        choose.appendChild(el("span", {}, option.textContent));
        choose.addEventListener("click", function () {
          select.value = option.value;
          select.dispatchEvent(new Event("input", { bubbles: true }));
          select.dispatchEvent(new Event("change", { bubbles: true }));
          picker.close();
          select.focus();
        });
        item.appendChild(choose);
        list.appendChild(item);
      });
      body.appendChild(list);
    });
    picker.showModal();
    var chosen = body.querySelector('[aria-pressed="true"]') || body.querySelector("button");
    if (chosen) { chosen.focus(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("select[data-slot-label]"), function (select) {
    var slot = select.closest(".slot-pick");
    var preview = slot.querySelector(".slot-preview");
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (option && option.dataset.thumb) { preview.src = option.dataset.thumb; }
    });
    var open = el("button", { type: "button", "class": "secondary picker-open", "data-slot": select.dataset.slotLabel }, "Choose from photos");
    open.appendChild(el("span", { "class": "visually-hidden" }, " for " + select.dataset.slotLabel));
    open.addEventListener("click", function () { openPicker(select); });
    slot.appendChild(open);
  });

  // A public event's share button: the phone's own share sheet, else the link copied.
  var share = document.querySelector("[data-share]");
  if (share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      var url = location.origin + location.pathname;
      var title = document.querySelector("h1") ? document.querySelector("h1").textContent : document.title;
      if (navigator.share && touch) {
        navigator.share({ title: title, url: url }).catch(function () {});
        return;
      }
      var copied = navigator.clipboard && navigator.clipboard.writeText
        ? navigator.clipboard.writeText(url)
        : Promise.reject(new Error("no clipboard"));
      copied.then(function () { say("Link copied: " + url); }, function () {
        // No clipboard here: the link, selected, to copy by hand.
        var field = document.getElementById("share-link") || el("input", { id: "share-link", readonly: "", "aria-label": "Link to this gallery" });
        field.value = url;
        share.insertAdjacentElement("afterend", field);
        field.select();
        say("Copy the link shown");
      });
    });
  }

  var grid = document.querySelector(".grid[data-event]");
  if (!grid) { return; }
  var eventUrl = grid.dataset.event;
  var tiles = Array.prototype.slice.call(grid.querySelectorAll(".tile"));
  var canFavorite = grid.hasAttribute("data-can-favorite");
  // How many photos the session asks to choose, if it does: the lightbox counts "12 of 30".
  var choose = grid.dataset.choose ? parseInt(grid.dataset.choose, 10) : 0;
  var shopData = document.getElementById("shop-data");
  var shop = shopData ? JSON.parse(shopData.dataset.shop) : null;
  var counter = document.querySelector("[data-favorite-count]");

  // How many of the grid's photos are favorites, said on the page's counter and the lightbox's
  // "12 of 30 chosen".
  function countChosen() {
    var chosen = tiles.filter(function (t) { return t.classList.contains("is-favorite"); }).length;
    if (counter) { counter.textContent = String(chosen); }
    var lbCount = box && box.querySelector(".lb-count");
    if (lbCount) { lbCount.textContent = chosen + " of " + choose + " chosen"; }
  }

  function setFavorite(tile, on) {
    tile.classList.toggle("is-favorite", on);
    var button = tile.querySelector(".heart");
    if (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "♥" : "♡";
    }
    var field = tile.querySelector('.heart-form input[name="on"]');
    if (field) { field.value = on ? "0" : "1"; }
    countChosen();
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

  // The lightbox. `current` is the photo on screen; `wanted` the one being loaded.
  var box = null, current = null, wanted = null, image, spinner, caption, heart, noteForm,
    noteField, shopPanel, shopToggle, playButton, playTimer = null;
  var SLIDE_MS = 4000;

  function hint(text, key) { return touch ? text : text + " (" + key + ")"; }

  function buildShop() {
    var panel = el("section", { "class": "lb-shop", id: "lb-shop", "aria-labelledby": "lb-shop-title" });
    panel.appendChild(el("h2", { id: "lb-shop-title" }, "Order this photo"));
    if (shop.signed_in) {
      var form = el("form", { "class": "buy-form" });
      var products = el("fieldset", { "class": "products" });
      products.appendChild(el("legend", { "class": "visually-hidden" }, "What to order"));
      shop.items.forEach(function (item, i) {
        var label = el("label", { "class": "product" });
        var radio = el("input", { type: "radio", name: "sku", value: item.sku });
        if (i === 0) { radio.checked = true; }
        if (item.file) { radio.setAttribute("data-file", ""); }
        label.appendChild(radio);
        var name = el("span", { "class": "product-name" }, item.name);
        if (item.prints) {
          name.appendChild(el("small", {}, item.images + " photos: " + item.prints + ". This one first; you pick the others in the cart."));
        }
        if (item.file) {
          name.appendChild(el("small", {}, "Full resolution, no watermark: download it once paid."));
        }
        label.appendChild(name);
        label.appendChild(el("span", { "class": "product-price" }, item.price));
        products.appendChild(label);
      });
      form.appendChild(products);
      var row = el("div", { "class": "buy-row" });
      row.innerHTML = '<div class="stepper" role="group" aria-label="Quantity">' +
        '<button type="button" class="secondary" data-step="-1" aria-label="One fewer">−</button>' +
        '<input type="number" name="quantity" value="1" min="1" max="999" inputmode="numeric" aria-label="Quantity">' +
        '<button type="button" class="secondary" data-step="1" aria-label="One more">+</button></div>' +
        '<button type="submit" class="buy-add">Add to cart</button>';
      form.appendChild(row);
      fitStepper(form);
      var added = el("p", { "class": "added", role: "status", hidden: "" });
      form.appendChild(added);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        addToCart(eventUrl + "/cart", form, current.dataset.id).then(function (answer) {
          showAdded(added, answer, function () {
            added.hidden = true;
            if (!wide()) { setShopOpen(false); }
          });
        }).catch(function (e) { say(e.message); });
      });
      panel.appendChild(form);
    } else {
      var list = el("ul", { "class": "products price-list" });
      shop.items.forEach(function (item) {
        var li = el("li");
        li.appendChild(el("span", { "class": "product-name" }, item.name));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", { "class": "product-price" }, item.price));
        list.appendChild(li);
      });
      panel.appendChild(list);
      var order = el("button", { type: "button", "class": "lb-gate-open", "aria-expanded": "false", "aria-controls": "lb-gate" }, "Order");
      var gate = el("div", { id: "lb-gate", "class": "order-gate-text", hidden: "" });
      gate.appendChild(el("p", {}, "Sign in or register as a guest to order. You come back to this photo."));
      var links = el("p", { "class": "gate-links" });
      links.appendChild(el("a", { "class": "button lb-sign-in" }, "Sign in"));
      if (shop.register) {
        links.appendChild(document.createTextNode(" "));
        links.appendChild(el("a", { "class": "button secondary lb-register" }, "Register as a guest"));
      }
      gate.appendChild(links);
      order.addEventListener("click", function () {
        gate.hidden = !gate.hidden;
        order.setAttribute("aria-expanded", gate.hidden ? "false" : "true");
      });
      panel.appendChild(order);
      panel.appendChild(gate);
    }
    return panel;
  }

  // Wide screens show the buy panel beside the photo; phones open it from the bar.
  function wide() { return window.matchMedia("(min-width: 900px)").matches; }

  function setShopOpen(on) {
    if (!shopPanel) { return; }
    box.classList.toggle("shop-open", on);
    shopToggle.setAttribute("aria-expanded", on ? "true" : "false");
  }

  function build() {
    box = el("div", { "class": "lightbox", role: "dialog", "aria-modal": "true", "aria-label": "Photo viewer", tabindex: "-1" });
    box.innerHTML =
      '<div class="lb-stage">' +
      '<button type="button" class="lb-close"></button>' +
      '<button type="button" class="lb-prev">‹</button>' +
      '<figure><div class="lb-frame"><img alt=""><span class="lb-spinner" role="progressbar" aria-label="Loading the photo" hidden></span></div>' +
      '<figcaption></figcaption></figure>' +
      '<button type="button" class="lb-next">›</button>' +
      '</div>' +
      '<div class="lb-bar">' +
      (canFavorite ? '<button type="button" class="lb-heart" aria-pressed="false"></button>' +
        (choose ? '<span class="lb-count" aria-live="polite"></span>' : '') +
        '<form class="lb-note"><label>Note <input name="note" maxlength="1000" autocomplete="off"></label><button type="submit">Save note</button></form>' : '') +
      (shop ? '<button type="button" class="lb-shop-toggle" aria-controls="lb-shop" aria-expanded="false">Order</button>' : '') +
      '<button type="button" class="lb-play secondary" aria-pressed="false">▶ Slideshow</button>' +
      '<a class="lb-download button" download hidden>Download</a>' +
      '<a class="lb-open">Open photo page</a></div>';
    box.querySelector(".lb-close").setAttribute("aria-label", hint("Close", "Esc"));
    box.querySelector(".lb-prev").setAttribute("aria-label", hint("Previous photo", "←"));
    box.querySelector(".lb-next").setAttribute("aria-label", hint("Next photo", "→"));
    document.body.appendChild(box);
    image = box.querySelector(".lb-frame img");
    spinner = box.querySelector(".lb-spinner");
    caption = box.querySelector("figcaption");
    heart = box.querySelector(".lb-heart");
    noteForm = box.querySelector(".lb-note");
    noteField = noteForm ? noteForm.querySelector("input") : null;
    playButton = box.querySelector(".lb-play");
    if (shop) {
      shopPanel = buildShop();
      box.appendChild(shopPanel);
      shopToggle = box.querySelector(".lb-shop-toggle");
      shopToggle.addEventListener("click", function () {
        setShopOpen(!box.classList.contains("shop-open"));
        if (box.classList.contains("shop-open")) {
          var first = shopPanel.querySelector("input, button");
          if (first) { first.focus(); }
        }
      });
    }
    box.querySelector(".lb-close").addEventListener("click", close);
    box.querySelector(".lb-prev").addEventListener("click", function () { stopSlideshow(); step(-1); });
    box.querySelector(".lb-next").addEventListener("click", function () { stopSlideshow(); step(1); });
    playButton.addEventListener("click", function () { if (playTimer) { stopSlideshow(); } else { startSlideshow(); } });
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
    box.addEventListener("touchstart", function (e) {
      startX = e.target.closest(".lb-stage") ? e.touches[0].clientX : null;
    }, { passive: true });
    box.addEventListener("touchend", function (e) {
      if (startX === null) { return; }
      var dx = e.changedTouches[0].clientX - startX;
      startX = null;
      if (Math.abs(dx) > 50) { stopSlideshow(); step(dx < 0 ? 1 : -1); }
    });
    window.addEventListener("resize", function () { if (current && box.classList.contains("open")) { fit(current); } });
  }

  function showFavorite() {
    if (!heart) { return; }
    var on = current.classList.contains("is-favorite");
    heart.setAttribute("aria-pressed", on ? "true" : "false");
    heart.textContent = hint(on ? "♥ Favorite" : "♡ Favorite", "F");
    countChosen();
  }

  // Sizes the photo to the stage, so a thumbnail standing in for the proof shows as large.
  function fit(tile) {
    var stage = box.querySelector(".lb-frame").parentNode.parentNode;
    var w = parseInt(tile.dataset.w, 10) || 3, h = parseInt(tile.dataset.h, 10) || 2;
    var maxW = stage.clientWidth - (wide() ? 112 : 0), maxH = stage.clientHeight - 40;
    var scale = Math.min(maxW / w, maxH / h, 1);
    image.style.width = Math.max(1, Math.floor(w * scale)) + "px";
    image.style.height = Math.max(1, Math.floor(h * scale)) + "px";
  }

  // Resolves true once `src` can be shown, false when it cannot be loaded.
  function loaded(src) {
    var img = new Image();
    img.src = src;
    return img.decode().then(function () { return true; }, function () { return false; });
  }

  // The caption, heart, note, links and buy panel: only for the photo on screen.
  function present(tile) {
    var changed = current !== tile;
    current = tile;
    image.alt = tile.dataset.name;
    caption.textContent = tile.dataset.name + " · " + (tiles.indexOf(tile) + 1) + " of " + tiles.length;
    box.querySelector(".lb-open").href = tile.dataset.photo;
    // Only the photos this person may download carry a link (signed for them, for hours).
    var download = box.querySelector(".lb-download");
    if (tile.dataset.download) { download.href = tile.dataset.download; } else { download.removeAttribute("href"); }
    download.hidden = !tile.dataset.download;
    if (noteField) { noteField.value = tile.dataset.note || ""; }
    showFavorite();
    if (shopPanel) {
      var added = shopPanel.querySelector(".added");
      if (added && changed) { added.hidden = true; }
      var quantity = shopPanel.querySelector('input[name="quantity"]');
      if (quantity && changed) { quantity.value = "1"; }
      var signIn = shopPanel.querySelector(".lb-sign-in");
      if (signIn) { signIn.href = "/login?next=" + encodeURIComponent(tile.dataset.photo); }
      var register = shopPanel.querySelector(".lb-register");
      if (register) {
        register.href = "/register?event=" + encodeURIComponent(eventUrl.split("/").pop()) +
          "&next=" + encodeURIComponent(tile.dataset.photo);
      }
    }
    box.dataset.showing = tile.dataset.id;
  }

  // Puts `src` of `tile` on screen, sized to the stage, and its caption and controls with it.
  function put(tile, src, standin) {
    fit(tile);
    image.src = src;
    image.classList.toggle("is-standin", standin);
    present(tile);
  }

  function show(tile) {
    wanted = tile;
    spinner.hidden = false;
    delete box.dataset.proofOf;
    // The thumbnail (usually cached) stands in, scaled, while the proof loads.
    loaded(tile.dataset.thumb).then(function () {
      if (wanted !== tile || box.dataset.proofOf === tile.dataset.id) { return; }
      put(tile, tile.dataset.thumb, true);
    });
    loaded(tile.dataset.proof).then(function (ok) {
      if (wanted !== tile) { return; }
      spinner.hidden = true;
      box.dataset.proofOf = tile.dataset.id;
      // A proof that cannot be loaded: the thumbnail stays, with the photo's name.
      put(tile, ok ? tile.dataset.proof : tile.dataset.thumb, !ok);
      // The neighbours, so that the next step shows at once.
      [tiles.indexOf(tile) - 1, tiles.indexOf(tile) + 1].forEach(function (i) {
        if (tiles[i]) { (new Image()).src = tiles[i].dataset.proof; }
      });
    });
  }

  function step(delta) {
    var from = wanted || current;
    var i = tiles.indexOf(from) + delta;
    if (i >= 0 && i < tiles.length) { show(tiles[i]); }
  }

  function startSlideshow() {
    playButton.setAttribute("aria-pressed", "true");
    playButton.textContent = "❚❚ Pause";
    playTimer = setInterval(function () {
      var i = tiles.indexOf(wanted || current);
      show(tiles[(i + 1) % tiles.length]);
    }, SLIDE_MS);
  }

  function stopSlideshow() {
    if (!playTimer) { return; }
    clearInterval(playTimer);
    playTimer = null;
    playButton.setAttribute("aria-pressed", "false");
    playButton.textContent = "▶ Slideshow";
  }

  // While the lightbox is open, the page behind it is inert (no focus, no clicks, hidden from
  // screen readers); the announcer stays live.
  function setBehindInert(on) {
    Array.prototype.forEach.call(document.body.children, function (node) {
      if (node !== box && node.id !== "live") { node.inert = on; }
    });
  }

  function focusable() {
    return Array.prototype.filter.call(
      box.querySelectorAll("button, input, a[href]"),
      function (node) { return node.offsetParent !== null; });
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
    stopSlideshow();
    setShopOpen(false);
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
      // Esc leaves a field (the lightbox keeps the focus); a second Esc closes it.
      if (event.key === "Escape") { box.focus(); event.preventDefault(); }
      return;
    }
    if (event.key === "Escape") { close(); }
    else if (event.key === "ArrowRight") { stopSlideshow(); step(1); }
    else if (event.key === "ArrowLeft") { stopSlideshow(); step(-1); }
    else if ((event.key === "f" || event.key === "F") && canFavorite && current) { toggleFavorite(current); }
    else { return; }
    event.preventDefault();
  });
})();
