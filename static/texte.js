/* The rules of lieux/texte.py for the results the page fetches from the API: names and addresses written in
   capitals in normal case, acronyms kept. The vocabulary comes from the page's data (lieux/vocabulaire/,
   texte.for_browser()); tests/browser/test_every_page.py checks both give the same text. */
(function () {
  "use strict";
  var V = null;
  var ROMAN = /^(?=[IVXLC]{2,}$)C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$/;

  function setup(vocab) {
    V = { garder: new Set(vocab.garder), particules: new Set(vocab.particules), voies: new Set(vocab.voies),
          sansPublic: vocab.sans_public };
  }
  function isAlpha(c) { return c.toLowerCase() !== c.toUpperCase(); }
  function inCapitals(text) {
    var letters = Array.from(text).filter(isAlpha);
    var upper = letters.filter(function (c) { return c === c.toUpperCase(); }).length;
    return letters.length >= 4 && upper >= 0.9 * letters.length;
  }
  function strip(w) { return w.replace(/^[()[\]"«»,.;:]+|[()[\]"«»,.;:]+$/g, ""); }
  function capitalise(lower) {
    var chars = Array.from(lower);
    for (var i = 0; i < chars.length; i++) {
      if (isAlpha(chars[i])) { chars[i] = chars[i].toUpperCase(); break; }
    }
    return chars.join("");
  }
  function word(w, first, address) {
    if (!Array.from(w).some(isAlpha)) return w;
    var core = strip(w);
    if (core && (V.garder.has(core) || ROMAN.test(core))) return w;
    var lower = w.toLowerCase();
    var m = /^([ldjnmsc]|qu)['’](.+)$/.exec(lower);
    if (m) return (first ? capitalise(m[1]) : m[1]) + "'" + word(m[2].toUpperCase(), true, address);
    if (lower.indexOf("-") >= 0 && !(address && V.voies.has(lower.replace(/[()]/g, "")))) {
      return lower.split("-").map(function (p, i) {
        return p ? word(p.toUpperCase(), (i === 0 && first) || (i > 0 && !V.particules.has(p)), address) : p;
      }).join("-");
    }
    var bare = strip(lower);
    if (!first && (V.particules.has(bare) || (address && V.voies.has(bare)))) return lower;
    if (/^\d/.test(lower)) return lower;
    return capitalise(lower);
  }
  function normalCase(text, address) {
    if (typeof text !== "string" || !V || !inCapitals(text)) return text;
    var first = !(address && /^\s*\d/.test(text));
    return text.split(" ").map(function (w) {
      if (!w) return w;
      var out = word(w, first, address);
      if (Array.from(w).some(isAlpha)) first = false;
      return out;
    }).join(" ");
  }
  function receivesPublic(values) {
    if (!V) return true;
    var norm = function (s) { return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").trim().toLowerCase().replace("’", "'"); };
    return !(values || []).some(function (v) { return norm(v) === norm(V.sansPublic); });
  }
  window.LieuxTexte = { setup: setup, nom: function (t) { return normalCase(t, false); },
                        adresse: function (t) { return normalCase(t, true); }, accueilPublic: receivesPublic };
})();
