/* Datasette's SQL editor (CodeMirror) replaces the labelled <textarea> with its own unlabelled one: give it the
   label's name, once the editor exists. */
window.addEventListener("load", function () {
  setTimeout(function () {
    document.querySelectorAll(".CodeMirror textarea").forEach(function (input) {
      if (!input.hasAttribute("aria-label")) input.setAttribute("aria-label", "Requête SQL");
    });
  }, 0);
});
