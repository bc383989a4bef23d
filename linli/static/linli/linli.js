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

// Print the page: <button data-print>.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
