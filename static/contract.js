// The contract page's signature pad: the client may draw a signature with a finger or a mouse;
// it goes with the form as a PNG file. Without this script the typed name alone signs.
(function () {
  "use strict";
  var pad = document.getElementById("signature-pad");
  var form = document.getElementById("sign-form");
  if (!pad || !form || typeof DataTransfer === "undefined") { return; }
  var canvas = pad.querySelector("canvas");
  var input = pad.querySelector('input[type="file"]');
  var ctx = canvas.getContext("2d");
  pad.hidden = false;
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#1a1a40";
  var drawing = false;
  var drawn = false;
  // A drawing still being turned into a file: the form waits for it before it goes.
  var pending = null;

  function at(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
  }

  function keep() {
    if (!drawn) { input.files = new DataTransfer().files; return; }
    pending = new Promise(function (done) {
      canvas.toBlob(function (blob) {
        if (blob) {
          var files = new DataTransfer();
          files.items.add(new File([blob], "signature.png", { type: "image/png" }));
          input.files = files.files;
        }
        done();
      }, "image/png");
    });
    var mine = pending;
    mine.then(function () { if (pending === mine) { pending = null; } });
  }

  form.addEventListener("submit", function (e) {
    if (!pending) { return; }
    e.preventDefault();
    pending.then(function () { pending = null; form.requestSubmit(); });
  });

  canvas.addEventListener("pointerdown", function (e) {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    var p = at(e);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
    ctx.lineTo(p.x + 0.1, p.y + 0.1);
    ctx.stroke();
    drawn = true;
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) { return; }
    var p = at(e);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    e.preventDefault();
  });
  function end() {
    if (!drawing) { return; }
    drawing = false;
    keep();
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  document.getElementById("clear-signature").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    keep();
  });
})();
