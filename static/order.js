// The cart and checkout pages' script: each change to the cart is saved as it is made, and the
// checkout's amounts follow every choice. Every amount comes from the server; nothing here
// adds up money. Both pages work without it ("Update cart", "Update total").
(function () {
  "use strict";

  // Posts `body`, asking for JSON; rejects with the server's message (and its answer).
  function send(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (answer) {
        if (!r.ok) {
          var e = new Error(answer.message || "The studio's site could not be reached; try again.");
          e.answer = answer;
          throw e;
        }
        return answer;
      });
    }, function () {
      throw new Error("The studio's site could not be reached; check the connection and try again.");
    });
  }

  // Shows (or, with no message, hides) an error; the field it is about, if any, is marked.
  function setError(field, box, message) {
    box.textContent = message || "";
    box.hidden = !message;
    if (!field) { return; }
    if (message) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
  }

  // Whether any field differs from what the server rendered (a browser restoring a form).
  function restored(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      if (el.type === "radio" || el.type === "checkbox") { return el.checked !== el.defaultChecked; }
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return el.type !== "hidden" && "defaultValue" in el && el.value !== el.defaultValue;
    });
  }

  // The cart: the whole form is saved (one request at a time) a moment after typing stops, or at
  // once when a field is left; the server answers each line's amount and the subtotal. Leaving
  // with a change not saved asks first; "Check out" and "Remove" wait for the save.
  function cartPage(form) {
    var status = document.getElementById("cart-status");
    var saveError = document.getElementById("cart-save-error");
    var problem = document.getElementById("cart-problem");
    var checkOut = document.getElementById("check-out");
    var changed = 0, saved = 0, saving = null, timer = null, passing = false, leaving = false;
    document.getElementById("update-cart").hidden = true;

    function unsaved() { return changed !== saved || saving !== null; }

    function lineErrors(byLine) {
      Array.prototype.forEach.call(form.querySelectorAll("[data-line]"), function (li) {
        setError(li.querySelector("input[name^=quantity_]"), li.querySelector(".cart-line-error"),
          byLine[li.dataset.line]);
      });
    }

    function showSaved(answer) {
      answer.lines.forEach(function (line) {
        var li = form.querySelector('[data-line="' + CSS.escape(line.id) + '"]');
        if (li) { li.querySelector("[data-line-total]").textContent = line.total; }
      });
      form.querySelector(".cart-subtotal strong").textContent = answer.subtotal;
      problem.textContent = answer.problem || "";
      problem.hidden = !answer.problem;
      checkOut.hidden = !!answer.problem;
    }

    // Saves the form as it is now; resolves once saved or refused.
    function save() {
      clearTimeout(timer);
      timer = null;
      if (saving) { return saving.then(function () { return changed !== saved ? save() : null; }); }
      var version = changed;
      status.textContent = "Saving…";
      // The status stays one short line: it is below the buttons, and a page that grows or
      // shrinks there under a finger about to tap "Check out" moves the button away.
      saving = send(form.action, new URLSearchParams(new FormData(form))).then(function (answer) {
        saving = null;
        saved = version;
        lineErrors({});
        setError(null, saveError, "");
        showSaved(answer);
        if (changed !== saved) { return save(); }
        status.textContent = "Saved";
      }, function (e) {
        saving = null;
        // Refused for what was typed before: what is typed now is asked about instead.
        if (changed !== version) { return save(); }
        var byLine = (e.answer && e.answer.lines) || {};
        var onLines = Object.keys(byLine).length > 0;
        lineErrors(byLine);
        setError(null, saveError, onLines ? "" : e.message);
        status.textContent = "Not saved";
      });
      return saving;
    }

    form.addEventListener("input", function (event) {
      if (!event.target.name) { return; }
      changed += 1;
      // Being corrected: the reason goes now, while typing, not later under a finger about to
      // tap "Check out" (the button would move).
      var li = event.target.closest("[data-line]");
      if (li && event.target.name.indexOf("quantity_") === 0) {
        setError(event.target, li.querySelector(".cart-line-error"), "");
      }
      clearTimeout(timer);
      // A field just emptied is being retyped: wait for it to be left.
      if (event.target.value !== "") { timer = setTimeout(save, 700); }
    });
    form.addEventListener("change", function (event) {
      if (event.target.name && changed !== saved) { save(); }
    });
    form.addEventListener("submit", function (event) {
      if (passing) { leaving = true; return; }
      var submitter = event.submitter;
      // Enter in a field: save, stay.
      if (!submitter || (submitter.name === "then" && submitter.value === "cart")) {
        event.preventDefault();
        changed += 1;
        save();
        return;
      }
      if (!unsaved()) { leaving = true; return; }
      event.preventDefault();
      save().then(function () {
        passing = true;
        form.requestSubmit(submitter);
        passing = false;
      });
    });
    window.addEventListener("beforeunload", function (event) {
      if (leaving || !unsaved()) { return; }
      event.preventDefault();
      event.returnValue = "";
    });
    window.addEventListener("pageshow", function () { leaving = false; });
    if (restored(form)) { changed += 1; save(); }
  }

  // Checkout: the server's amounts for the shipping method and code chosen, asked at each
  // choice. `shown_total` always holds the total on screen ("pending" while asking), so an order
  // is never placed at a total the page did not show.
  function checkoutPage(form) {
    var box = document.getElementById("totals");
    var shownTotal = form.querySelector("input[name=shown_total]");
    var promotion = document.getElementById("promotion");
    var promotionError = document.getElementById("promotion-error");
    var totalsError = document.getElementById("totals-error");
    var status = document.getElementById("totals-status");
    var update = document.getElementById("update-total");
    var asked = 0, pending = null, passing = false, displayed = shownTotal.value;
    update.hidden = true;

    function row(table, label, amount, id) {
      var tr = table.insertRow();
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = label;
      var td = document.createElement("td");
      if (id) { td.id = id; }
      td.textContent = amount;
      tr.appendChild(th);
      tr.appendChild(td);
      return tr;
    }

    function show(t) {
      var table = document.createElement("table");
      table.className = "totals";
      table.setAttribute("aria-label", "Amounts");
      row(table, "Subtotal", t.subtotal, "subtotal-amount");
      if (t.promotion) { row(table, "Promotion " + t.promotion, "−" + t.discount, "discount-amount"); }
      if (t.shipping !== null) { row(table, "Shipping", t.shipping, "shipping-amount"); }
      t.taxes.forEach(function (tax) { if (!tax.included) { row(table, tax.name, tax.amount); } });
      row(table, "Total", t.total, "order-total").className = "grand";
      // A tax the prices contain is said under the total, not added to it.
      t.taxes.forEach(function (tax) {
        if (tax.included) { row(table, tax.name, tax.amount).className = "tax-included"; }
      });
      var old = box.querySelector("table.totals");
      if (old) { box.replaceChild(table, old); } else { box.insertBefore(table, box.firstChild); }
      displayed = String(t.total_cents);
      shownTotal.value = displayed;
      setError(promotion, promotionError, t.promotion_error);
      totalsError.hidden = true;
      status.textContent = "Total " + t.total;
    }

    function ask() {
      var mine = ++asked;
      box.setAttribute("aria-busy", "true");
      shownTotal.value = "pending";
      var body = new URLSearchParams();
      body.set("csrf", form.querySelector("input[name=csrf]").value);
      var chosen = form.querySelector("input[name=shipping]:checked");
      body.set("shipping", chosen ? chosen.value : "");
      body.set("promotion", promotion.value);
      pending = send(form.dataset.totals, body).then(function (totals) {
        if (mine !== asked) { return; }
        pending = null;
        box.removeAttribute("aria-busy");
        show(totals);
      }, function (e) {
        if (mine !== asked) { return; }
        pending = null;
        box.removeAttribute("aria-busy");
        // Placing now brings the page back with the server's amounts.
        shownTotal.value = "unknown";
        totalsError.textContent = e.message + " The amounts above may be out of date.";
        totalsError.hidden = false;
        update.hidden = false;
      });
      return pending;
    }

    // Resolves once the last question asked has its answer.
    function settled() { return pending ? pending.then(settled) : Promise.resolve(); }

    Array.prototype.forEach.call(form.querySelectorAll("input[name=shipping]"), function (radio) {
      radio.addEventListener("change", ask);
    });
    promotion.addEventListener("change", ask);
    promotion.addEventListener("input", function () { if (promotion.value === "") { ask(); } });
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      // Apply, Update total, Enter in a field: new amounts, no reload.
      if (!submitter || submitter.value !== "place") {
        event.preventDefault();
        ask();
        return;
      }
      if (passing || !pending) { return; }
      // Placed while the amounts were being asked: placed only if they stay as shown.
      event.preventDefault();
      var seen = displayed;
      settled().then(function () {
        if (shownTotal.value === seen) {
          passing = true;
          form.requestSubmit(submitter);
          passing = false;
        } else if (shownTotal.value !== "unknown") {
          var total = document.getElementById("order-total");
          totalsError.textContent = "The total is now " + (total ? total.textContent : "different") +
            ": check it, then place your order.";
          totalsError.hidden = false;
        }
      });
    });
    window.addEventListener("pageshow", function (event) { if (event.persisted) { ask(); } });
    if (restored(form)) { ask(); }
  }

  var cart = document.getElementById("cart-form");
  if (cart) { cartPage(cart); }
  var checkout = document.getElementById("checkout-form");
  if (checkout) { checkoutPage(checkout); }
})();
