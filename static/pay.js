// The payment page: Stripe.js turns the card into a token in the browser, the server pays the
// order's PaymentIntent with it, and the page waits for Stripe's webhook to mark the order paid.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  if (!form || typeof Stripe === "undefined") { return; }
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var button = document.getElementById("pay-button");
  var message = document.getElementById("pay-message");

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? "error" : "hint";
  }

  function waitUntilPaid(tries) {
    fetch(form.dataset.state, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.paid) {
          window.location.assign(form.dataset.done);
        } else if (tries > 0) {
          setTimeout(function () { waitUntilPaid(tries - 1); }, 1000);
        } else {
          say("Your payment is being confirmed; this page will show it once Stripe has told us.", false);
          button.disabled = false;
        }
      })
      .catch(function () { setTimeout(function () { waitUntilPaid(tries - 1); }, 1000); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    say("Paying…", false);
    stripe.createToken(card).then(function (result) {
      if (result.error || !result.token) {
        throw new Error((result.error && result.error.message) || "Check the card details.");
      }
      var body = new URLSearchParams();
      body.append("csrf", form.querySelector("input[name=csrf]").value);
      body.append("token", result.token.id);
      return fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (answer) {
          if (!r.ok) { throw new Error(answer.message || "The payment did not go through."); }
          return answer;
        });
      });
    }).then(function (answer) {
      if (answer.status === "requires_action") {
        return stripe.confirmCardPayment(answer.client_secret).then(function (result) {
          if (result.error) { throw new Error(result.error.message || "The card was not confirmed."); }
        });
      }
    }).then(function () {
      say("Payment sent; confirming…", false);
      waitUntilPaid(60);
    }).catch(function (error) {
      say(error.message, true);
      button.disabled = false;
    });
  });
})();
