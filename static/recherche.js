/* The search page, enhanced: a map beside the list, "Autour de moi", and results fetched from
   /api/proches (the same query string as the page) without reloading. Without JavaScript the
   form is a plain GET form and the server renders the same results. */
(function () {
  "use strict";
  var form = document.getElementById("recherche");
  var data = window.LieuxCarte && LieuxCarte.readData();
  if (!form || !data) return;
  var liste = document.getElementById("liste");
  var entete = document.getElementById("resultats-entete");
  var modele = document.getElementById("modele-resultat");
  var partage = document.getElementById("partage");
  var lienPartage = document.getElementById("lien-partage");
  var lienApi = document.getElementById("lien-api");
  var lienFiche = document.getElementById("lien-fiche");
  var plus = document.getElementById("plus");
  var conteneur = liste.parentNode;
  var q = document.getElementById("q");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var autour = document.getElementById("autour-de-moi");
  var copier = document.getElementById("copier-lien");
  var legende = document.getElementById("legende-approximative");
  var quand = document.getElementById("ouvert");
  var quandDate = document.getElementById("quand-date");
  var ouvertDate = document.getElementById("ouvert_date");
  var DEFAULT_N = data.n_defaut, MAX_N = data.n_max;
  var carte = null;
  var markers = [];

  function formatDistance(km) {
    if (km == null) return "";
    if (km < 1) return Math.max(10, Math.round(km * 100) * 10) + " m";
    if (km < 10) return km.toFixed(1).replace(".", ",") + " km";
    return Math.round(km) + " km";
  }

  /* As lieux/display.py distance_text: a point that is not the place's own never shows "à 10 m". */
  var APPROXIMATE_FAR_KM = 5;
  function distanceText(km, approximate, commune) {
    if (!approximate) return km != null ? "à " + formatDistance(km) : "";
    var text = (commune ? "dans la commune de " + commune : "dans sa commune") + " (position approximative)";
    if (km != null && km >= APPROXIMATE_FAR_KM) text = "à environ " + formatDistance(km) + ", " + text;
    return text;
  }

  var WEEKDAYS = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"];
  var MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                "novembre", "décembre"];
  /* "ouverts le samedi 12 décembre 2026 à 10 h (heure locale de chaque lieu)", as lieux/search.py moment_label. */
  function momentLabel(value) {
    if (value === "maintenant") return "ouverts maintenant";
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value || "");
    if (!m) return "ouverts à la date choisie";
    var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    var minutes = m[5] === "00" ? "" : " " + m[5];
    return "ouverts le " + WEEKDAYS[day.getUTCDay()] + " " + (+m[3] === 1 ? "1er" : String(+m[3])) + " " +
      MONTHS[+m[2] - 1] + " " + m[1] + " à " + (+m[4]) + " h" + minutes + " (heure locale de chaque lieu)";
  }

  function plural(count, singular, pluralForm) {
    var number = String(count).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return number + "\u00a0" + (Math.abs(count) < 2 ? singular : pluralForm);
  }

  function asList(value) {
    if (value == null || value === "") return [];
    if (Array.isArray(value)) return value;
    try { var parsed = JSON.parse(value); if (Array.isArray(parsed)) return parsed; } catch (e) { /* plain text */ }
    return [String(value)];
  }

  function paramsFromForm() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") params.append(key, String(value).trim());
    });
    if (params.get("lat") && params.get("lon")) {
      params.delete("q"); params.delete("commune"); params.delete("code_postal");
    }
    // "quand ?": the API takes ouvert=maintenant or ouvert=YYYY-MM-DDTHH:MM, never the form's "autre".
    if (params.get("ouvert") === "autre") {
      if (params.get("ouvert_date")) params.set("ouvert", params.get("ouvert_date").slice(0, 16));
      else params.delete("ouvert");
    }
    params.delete("ouvert_date");
    return params;
  }

  function ensureMap() {
    if (!carte) carte = LieuxCarte.create(document.getElementById("carte"), data);
    return carte;
  }

  /* One result at a time is "active": its card is outlined and its marker turns red. */
  function highlight(index) {
    Array.prototype.forEach.call(liste.children, function (li, i) { li.classList.toggle("actif", i === index); });
    markers.forEach(function (marker, i) {
      var icon = marker && marker.getElement() && marker.getElement().querySelector(".marqueur-numero");
      if (icon) icon.classList.toggle("actif", i === index);
    });
  }

  liste.addEventListener("focusin", function (event) { activate(event.target); });
  liste.addEventListener("mouseover", function (event) { activate(event.target); });
  function activate(target) {
    var li = target.closest && target.closest("li.resultat");
    if (li) highlight(Array.prototype.indexOf.call(liste.children, li));
  }

  function drawMap(centre, lieux) {
    if (!ensureMap()) return;
    conteneur.classList.toggle("vide", lieux.length === 0);
    carte.map.invalidateSize();
    legende.hidden = !lieux.some(function (l) { return l.approximative; });
    markers = LieuxCarte.draw(carte, centre, lieux.map(function (l) {
      return { id: l.id, nom: l.nom, lat: l.lat, lon: l.lon, url: l.url, distance: l.distance,
               approximative: l.approximative };
    }), true);
    markers.forEach(function (marker, i) {
      if (!marker) return;
      marker.on("click", function () {
        highlight(i);
        var li = liste.children[i];
        if (li && window.matchMedia("(min-width: 62em)").matches) li.scrollIntoView({ block: "nearest" });
      });
    });
  }

  /* A place's page; with a date asked, the page shows its hours at that date. */
  function pageUrl(id, params) {
    var moment = params && params.get("ouvert");
    return data.page + encodeURIComponent(id) +
      (moment && moment !== "maintenant" ? "?ouvert=" + encodeURIComponent(moment) : "");
  }

  function card(lieu, number, params) {
    var li = modele.content.firstElementChild.cloneNode(true);
    function slot(name) { return li.querySelector('[data-champ="' + name + '"]'); }
    li.setAttribute("data-id", lieu.id);
    slot("numero").textContent = String(number);
    var nom = slot("nom");
    var T = window.LieuxTexte;  // names and addresses as the public reads them (static/texte.js)
    if (T && data.texte) T.setup(data.texte);
    nom.textContent = T ? T.nom(lieu.nom) : lieu.nom;
    nom.href = pageUrl(lieu.id, params);
    // "à 1 408 km, à Mayotte" from the API for a lieu too far or across the sea, unless its point is approximate.
    slot("distance").textContent = lieu.distance_libelle && lieu.position_approximative !== true ? lieu.distance_libelle
      : distanceText(lieu.distance_km, lieu.position_approximative === true, lieu.commune);
    slot("distance").classList.toggle("approximative", lieu.position_approximative === true);
    var rue = T ? T.adresse(lieu.adresse) : lieu.adresse;
    var adresse = [rue, [lieu.code_postal, T ? T.nom(lieu.commune) : lieu.commune].filter(Boolean).join(" ")].filter(Boolean).join(", ");
    slot("adresse").textContent = adresse;
    var ouvert = lieu.ouvert_maintenant !== undefined ? lieu.ouvert_maintenant : lieu.ouvert;
    var recoit = !T || T.accueilPublic(asList(lieu.modalites_acces));
    if (!recoit) ouvert = null;  // hours to reach it, not opening hours (README)
    var sansPublic = slot("sans-public");
    if (sansPublic) sansPublic.hidden = recoit;
    slot("ouvert").hidden = ouvert !== true;
    slot("ferme").hidden = ouvert !== false;
    slot("ferie").hidden = !(lieu.jour_ferie && ouvert == null && lieu.horaires);
    var frais = asList(lieu.frais_a_charge);
    slot("frais").textContent = frais.join(", ");
    slot("frais").hidden = frais.length === 0;
    var services = asList(lieu.services);
    slot("services").textContent = services.join(" · ");
    slot("services").hidden = services.length === 0;
    return li;
  }

  function centreOf(body, params) {
    var c = body.centre || null;
    var label = params.get("lat") ? "votre position" : (c && (c.libelle || c.label)) ||
      params.get("q") || params.get("commune") || params.get("code_postal");
    if (c && c.lat != null) return { lat: c.lat, lon: c.lon, label: label };
    if (c && c.latitude != null) return { lat: c.latitude, lon: c.longitude, label: label };
    if (params.get("lat")) return { lat: parseFloat(params.get("lat")), lon: parseFloat(params.get("lon")), label: label };
    return { lat: null, lon: null, label: label };
  }

  function setHeading(text, detail, isError) {
    entete.textContent = "";
    var h2 = document.createElement("h2");
    h2.id = "resultats-titre";
    h2.textContent = text;
    if (isError) h2.className = "erreur-titre";
    entete.appendChild(h2);
    if (detail) {
      var p = document.createElement("p");
      p.className = isError ? "erreur" : "aide";
      p.textContent = detail;
      entete.appendChild(p);
    }
  }

  function addParagraph(text, className) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    entete.appendChild(p);
    return p;
  }

  /* Several communes answer the text: offer the choice, most populous first; nothing is picked silently. */
  function showChoices(params, body) {
    document.querySelector(".introduction").classList.add("compacte");
    setHeading("Quelle commune ?", null, false);
    addParagraph(body.erreur, "");
    (body.notes || []).forEach(function (note) { addParagraph(note, "note-lieu"); });
    var ul = document.createElement("ul");
    ul.className = "candidats";
    ul.id = "candidats";
    body.candidats.forEach(function (c) {
      var chosen = new URLSearchParams(params);
      ["q", "commune", "code_postal", "lat", "lon"].forEach(function (k) { chosen.delete(k); });
      chosen.set("q", c.choix);
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "?" + chosen.toString();
      a.textContent = c.libelle;
      a.setAttribute("data-code", c.code);
      a.addEventListener("click", function (event) {
        event.preventDefault();
        q.value = c.choix;
        lat.value = ""; lon.value = "";
        search(paramsFromForm(), true, true);
      });
      li.appendChild(a);
      if (c.detail) {
        var span = document.createElement("span");
        span.className = "aide";
        span.textContent = " — " + c.detail;
        li.appendChild(span);
      }
      ul.appendChild(li);
    });
    entete.appendChild(ul);
    liste.textContent = "";
    partage.hidden = true;
    plus.hidden = true;
    if (carte) drawMap(null, []);
  }

  function showError(message) {
    document.querySelector(".introduction").classList.add("compacte");
    setHeading("Recherche impossible", message, true);
    liste.textContent = "";
    partage.hidden = true;
    plus.hidden = true;
    if (carte) drawMap(null, []);
  }

  function render(params, body) {
    var lieux = body.lieux || [];
    var centre = centreOf(body, params);
    var rayon = params.get("rayon_km");
    var filtered = !!params.get("ouvert") || Array.prototype.some.call(
      form.querySelectorAll(".filtres input:checked"), function () { return true; });
    setHeading((lieux.length ? plural(lieux.length, "lieu trouvé", "lieux trouvés") : "Aucun lieu trouvé") + " " +
      (rayon ? "à moins de " + rayon + " km " : "") + "autour de " + centre.label, null, false);
    (body.notes || []).forEach(function (note) { addParagraph(note, "note-lieu"); });
    if (body.avertissement) addParagraph(body.avertissement, "avertissement").id = "avertissement";
    if (lieux.length) {
      addParagraph((filtered ? "Avec vos filtres" + (params.get("ouvert") ? ", " + momentLabel(params.get("ouvert")) : "") + ". " : "") +
        "Les plus proches d'abord.", "aide");
    } else {
      // The server says why (a distance limit, filters) and never advises a larger distance when there is none.
      addParagraph(body.erreur || "Aucun lieu ne correspond.", "resultats-vide");
    }
    liste.textContent = "";
    lieux.forEach(function (lieu, i) { liste.appendChild(card(lieu, i + 1, params)); });
    var query = params.toString();
    lienPartage.href = location.origin + location.pathname + (query ? "?" + query : "");
    lienApi.href = data.api + (query ? "?" + query : "");
    if (lienFiche) lienFiche.href = lienFiche.dataset.base + (query ? "?" + query : "");
    partage.hidden = false;
    var n = parseInt(params.get("n") || DEFAULT_N, 10);
    if (lieux.length === n && n < MAX_N) {
      var more = new URLSearchParams(params);
      more.set("n", String(Math.min(MAX_N, n + DEFAULT_N)));
      plus.firstElementChild.href = "?" + more.toString();
      plus.hidden = false;
    } else {
      plus.hidden = true;
    }
    drawMap(centre, lieux.map(function (l) {
      return { id: l.id, nom: window.LieuxTexte ? LieuxTexte.nom(l.nom) : l.nom, lat: l.latitude, lon: l.longitude,
               url: pageUrl(l.id, params),
               distance: distanceText(l.distance_km, l.position_approximative === true, l.commune),
               approximative: l.position_approximative === true };
    }));
    document.querySelector(".introduction").classList.add("compacte");
    document.title = "Lieux autour de " + centre.label + " – Annuaire des lieux de médiation numérique";
  }

  /* After a search asked with the button or "Autour de moi", take the reader to the results
     (focus on their heading, which screen readers then read). Filter changes leave focus alone. */
  function focusResults() {
    var heading = document.getElementById("resultats-titre");
    if (!heading) return;
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
    // On a phone the results are below the form: bring them up. On a wide screen keep the form in view.
    heading.scrollIntoView({ block: window.matchMedia("(min-width: 62em)").matches ? "nearest" : "start" });
  }

  /* Only the latest search may draw: a quick succession of filter changes aborts the earlier requests,
     whose answers could otherwise arrive last and show stale results. */
  var pending = null;

  function search(params, push, moveFocus) {
    if (pending) pending.abort();
    var controller = new AbortController();
    pending = controller;
    form.setAttribute("aria-busy", "true");
    return fetch(data.api + "?" + params.toString(),
                 { headers: { Accept: "application/json" }, signal: controller.signal })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, status: response.status, body: body };
        });
      })
      .then(function (result) {
        if (pending !== controller) return;  // a newer search is under way
        if (result.status === 300 && result.body.candidats) {
          showChoices(params, result.body);
          if (push) history.pushState(null, "", "?" + params.toString());
        } else if (result.status === 404 && result.body.centre) {
          render(params, result.body);  // the place was found, no lieu answers: the honest message
          if (push) history.pushState(null, "", "?" + params.toString());
        } else if (result.status === 404) {
          var asked = params.get("q") || params.get("commune") || params.get("code_postal") || "";
          showError("Nous n'avons pas trouvé « " + asked + " ». Vérifiez l'orthographe, " +
                    "ou essayez le nom de la commune ou son code postal.");
        } else if (!result.ok) {
          showError(result.body.erreur || "La recherche n'a pas abouti.");
        } else {
          render(params, result.body);
          if (push) history.pushState(null, "", "?" + params.toString());
        }
        if (moveFocus) focusResults();
      })
      .catch(function (err) {
        if (controller.signal.aborted) return;  // replaced by a newer search
        if (window.console) console.error("Recherche par l'API impossible, envoi du formulaire :", err);
        form.submit();
      })
      .then(function () {
        if (pending === controller) {
          pending = null;
          form.removeAttribute("aria-busy");
        }
      });
  }

  form.addEventListener("submit", function (event) {
    var params = paramsFromForm();
    if (!params.get("lat") && !params.get("q") && !params.get("commune") && !params.get("code_postal")) {
      event.preventDefault();
      showError("Saisissez une commune, un code postal ou une adresse, ou utilisez « Autour de moi ».");
      q.focus();
      return;
    }
    event.preventDefault();
    search(params, true, true);
  });

  form.addEventListener("change", function (event) {
    if (event.target === q) return;
    var params = paramsFromForm();
    if (params.get("lat") || params.get("q") || params.get("commune") || params.get("code_postal")) search(params, true);
  });

  /* "Autre jour et heure…" shows the date field (always shown without JavaScript). */
  function showDate() {
    quandDate.hidden = quand.value !== "autre";
    if (!quandDate.hidden && !ouvertDate.value) {
      var d = new Date(Date.now() + 86400000);
      ouvertDate.value = d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" +
        String(d.getDate()).padStart(2, "0") + "T10:00";
    }
  }
  quand.addEventListener("change", showDate);
  showDate();

  q.addEventListener("input", function () { lat.value = ""; lon.value = ""; });
  window.addEventListener("popstate", function () { location.reload(); });

  if ("geolocation" in navigator && window.isSecureContext) {  // browsers refuse it on plain http
    autour.hidden = false;
    autour.addEventListener("click", function () {
      autour.disabled = true;
      setHeading("Recherche de votre position…", "Votre navigateur peut vous demander l'autorisation.", false);
      navigator.geolocation.getCurrentPosition(function (position) {
        autour.disabled = false;
        lat.value = position.coords.latitude.toFixed(5);
        lon.value = position.coords.longitude.toFixed(5);
        q.value = "";
        search(paramsFromForm(), true, true);
      }, function (error) {
        autour.disabled = false;
        showError(error.code === 1
          ? "Vous n'avez pas autorisé l'accès à votre position. Saisissez plutôt votre commune ou votre code postal."
          : "Votre position n'a pas pu être déterminée. Saisissez plutôt votre commune ou votre code postal.");
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
    });
  }

  if (navigator.clipboard && window.isSecureContext) {
    copier.hidden = false;
    copier.addEventListener("click", function () {
      navigator.clipboard.writeText(lienPartage.href).then(function () {
        document.getElementById("copie-faite").textContent = "Lien copié.";
      });
    });
  }

  if (data.lieux.length) drawMap(data.centre, data.lieux);
})();
