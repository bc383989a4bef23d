// Large-type mode (适老化): remembered on this device.
(function () {
  var root = document.documentElement;
  if (localStorage.getItem("linli-large-type") === "1") root.classList.add("large-type");
  var toggle = document.getElementById("large-type-toggle");
  if (!toggle) return;
  toggle.setAttribute("aria-pressed", root.classList.contains("large-type") ? "true" : "false");
  toggle.addEventListener("click", function () {
    var on = root.classList.toggle("large-type");
    localStorage.setItem("linli-large-type", on ? "1" : "0");
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
  });
})();
// Confirm before a destructive action: <form data-confirm="...">.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// An htmx action the server refuses with a reason (422, 429: e.g. the hourly reveal limit) shows
// the reason in place of its target instead of failing silently.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 422 || status === 429) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// Resident picker (people/widgets.py): a click on a result fills the hidden id and the search box.
document.addEventListener("click", function (event) {
  var choice = event.target.closest("[data-pick-value]");
  if (!choice) return;
  var picker = choice.closest("[data-picker]");
  if (!picker) return;
  picker.querySelector('input[type="hidden"]').value = choice.getAttribute("data-pick-value");
  picker.querySelector('input[type="search"]').value = choice.getAttribute("data-pick-label");
  choice.parentNode.innerHTML = "";
});
// ...and its search box sends what is typed as ?q= (htmx evaluates no script: allowEval is off).
document.addEventListener("htmx:configRequest", function (event) {
  var elt = event.detail.elt;
  if (elt.hasAttribute && elt.hasAttribute("data-picker-search")) {
    event.detail.parameters.q = elt.value;
  }
});

// No inline event handlers (the Content-Security-Policy forbids them): behaviour hangs on data-*.
// A choice that applies at once: <select data-autosubmit> submits its form; <select data-navigate>
// reloads the page with ?name=value.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (!el.hasAttribute) return;
  if (el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
  if (el.hasAttribute("data-navigate")) {
    window.location.search = encodeURIComponent(el.name) + "=" + encodeURIComponent(el.value);
  }
});
// After an htmx request, <form data-reset-after-request="selector"> is cleared and the field the
// selector names takes the focus (the till's barcode box).
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-reset-after-request")) return;
  form.reset();
  var field = form.querySelector(form.getAttribute("data-reset-after-request"));
  if (field) field.focus();
});

// Print the page: <button data-print>.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// Drafts that survive a reload on a poor connection: <form data-draft="key"> keeps its fields
// in localStorage as they are typed; a page with <div data-draft-clear="prefix"> (shown once the
// server has saved) forgets every draft whose key starts with the prefix.
(function () {
  var store;
  try { store = window.localStorage; } catch (e) { return; }
  document.querySelectorAll("[data-draft-clear]").forEach(function (el) {
    var prefix = el.getAttribute("data-draft-clear");
    Object.keys(store).forEach(function (key) {
      if (key.indexOf(prefix) === 0) { store.removeItem(key); }
    });
  });
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = form.getAttribute("data-draft");
    var fields = function () {
      return Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "file" && el.type !== "hidden" || el.name && el.type === "hidden" && el.closest("[data-picker]");
      });
    };
    var saved = store.getItem(key);
    var hasErrors = form.querySelector(".is-invalid, .invalid-feedback");
    if (saved && !hasErrors) {
      var data = JSON.parse(saved);
      fields().forEach(function (el) {
        if (!(el.name in data)) { return; }
        if (el.type === "radio" || el.type === "checkbox") { el.checked = data[el.name] === el.value; }
        else { el.value = data[el.name]; }
      });
      var note = document.querySelector("[data-draft-restored]");
      if (note) { note.classList.remove("d-none"); }
    }
    form.addEventListener("input", function () {
      var data = {};
      fields().forEach(function (el) {
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
        data[el.name] = el.value;
      });
      store.setItem(key, JSON.stringify(data));
    });
  });
})();

// Phone photos are larger than the server takes (LINLI_IMAGE_MAX_BYTES, 5 MB; 2560 px are kept):
// <input type="file" accept="image/*" data-shrink-images[="max bytes"]> makes each chosen image
// that is larger than the limit or than 2560 px on its long side a JPEG (quality 0.85, at most
// 2560 px) in the browser, as soon as it is chosen. A browser that cannot (no canvas.toBlob, no
// DataTransfer, an image it cannot draw) sends the file as it is, and the server refuses it
// clearly. A form submitted while photos are still being made smaller waits for them.
(function () {
  var MAX_SIDE = 2560;
  var QUALITIES = [0.85, 0.7, 0.5];
  if (!window.DataTransfer || !window.HTMLCanvasElement || !HTMLCanvasElement.prototype.toBlob) return;
  var pending = new WeakMap();

  // Decoded without a blob: URL (the policy's img-src has none): createImageBitmap, else a data: URL.
  function load(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        return { image: bitmap, width: bitmap.width, height: bitmap.height,
                 done: function () { if (bitmap.close) bitmap.close(); } };
      });
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = function () { reject(new Error("unreadable")); };
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          resolve({ image: img, width: img.naturalWidth, height: img.naturalHeight,
                    done: function () {} });
        };
        img.onerror = function () { reject(new Error("unreadable")); };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }
  function encode(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }
  function shrink(file, limit) {
    if (file.type && !/^image\//.test(file.type)) return Promise.resolve(file);
    return load(file).then(function (loaded) {
      var w = loaded.width, h = loaded.height;
      if (!w || !h || (file.size <= limit && Math.max(w, h) <= MAX_SIDE)) {
        loaded.done();
        return file;
      }
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // a transparent PNG on white, as the server does
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(loaded.image, 0, 0, canvas.width, canvas.height);
      loaded.done();
      var attempt = function (i) {
        return encode(canvas, QUALITIES[i]).then(function (blob) {
          if (!blob) return file;
          if (blob.size > limit && i + 1 < QUALITIES.length) return attempt(i + 1);
          var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
          return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
        });
      };
      return attempt(0);
    }).catch(function () { return file; });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('input[type="file"][data-shrink-images]')) return;
    if (!input.files || !input.files.length) return;
    var limit = parseInt(input.getAttribute("data-shrink-images"), 10) || 5 * 1024 * 1024;
    var chosen = Array.prototype.slice.call(input.files);
    var form = input.form;
    var job = Promise.all(chosen.map(function (f) { return shrink(f, limit); }))
      .then(function (files) {
        if (!files.some(function (f, i) { return f !== chosen[i]; })) return;
        try {
          var transfer = new DataTransfer();
          files.forEach(function (f) { transfer.items.add(f); });
          input.files = transfer.files;
        } catch (e) { /* the browser keeps the chosen files; the server decides */ }
      })
      .then(function () { if (form && pending.get(form) === job) pending.delete(form); });
    if (form) pending.set(form, job);
  });
  // Runs before the other submit handlers (capture): a form waits for its photos, then is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var job = pending.get(form);
    if (!job) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter;
    job.then(function () {
      pending.delete(form);
      if (form.requestSubmit) form.requestSubmit(submitter || undefined);
      else form.submit();
    });
  }, true);
})();

// A form that moves value carries an idempotency key ({% idempotency_field %}): the server does
// it once however often it is sent; here its submit buttons are also disabled once it is sent,
// so a double click does not even send it twice (re-enabled when the page is shown from cache).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || !form.querySelector("[data-idempotency-key]")) return;
  window.setTimeout(function () {
    form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]')
      .forEach(function (button) { button.disabled = true; });
  }, 0);
});
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  document.querySelectorAll("form [data-idempotency-key]").forEach(function (field) {
    field.form.querySelectorAll("button, input[type=submit]").forEach(function (b) { b.disabled = false; });
  });
});
