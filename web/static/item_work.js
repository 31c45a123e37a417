// Keyboard shortcuts for the item work page (the page works without them): 1–5 choose the n-th
// option, A / B / T choose A, B or tie (pairwise), Enter submits. Keys typed into a text field
// stay text, except Enter in the one-line password field, which submits as it always does.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) { return; }
  function options() { return form.querySelectorAll("input[data-key]"); }
  function choose(input) {
    if (!input) { return; }
    input.checked = input.type === "checkbox" ? !input.checked : true;
    input.focus();
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = event.target.tagName;
    var typing = tag === "TEXTAREA" || (tag === "INPUT" && event.target.type !== "radio" && event.target.type !== "checkbox");
    if (event.key === "Enter") {
      if (tag === "TEXTAREA" || tag === "BUTTON" || event.target.form !== form && tag === "INPUT") { return; }
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (typing) { return; }
    var key = event.key.toLowerCase();
    var byLetter = { a: "A", b: "B", t: "tie" };
    if (byLetter[key]) {
      choose(form.querySelector('input[name="choice"][value="' + byLetter[key] + '"]'));
      event.preventDefault();
    } else if (/^[1-5]$/.test(key)) {
      choose(options()[Number(key) - 1]);
      event.preventDefault();
    }
  });
})();
