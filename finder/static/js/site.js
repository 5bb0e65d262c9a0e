/* Kindred: "use my location" for the search form, and the visitor's time zone for online times.
   The site works without this file. Messages come from the page (data-msg-* attributes) in its language. */
(function () {
  "use strict";

  var ZONE_COOKIE = "tz";
  var ZONE_NAME = /^[A-Za-z0-9_+\-\/]{1,64}$/;

  function message(el, name, fallback) {
    return (el && el.getAttribute("data-msg-" + name)) || fallback;
  }

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].indexOf(name + "=") === 0) {
        return parts[i].slice(name.length + 1);
      }
    }
    return "";
  }

  /* Tell the server the browser's zone (a cookie) so that online times show in it. When the zone is new
     and this page shows online times in another zone, load the page once more to show them in it. */
  function rememberZone() {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return;
    }
    if (!ZONE_NAME.test(zone) || cookie(ZONE_COOKIE) === zone) {
      return;
    }
    document.cookie = ZONE_COOKIE + "=" + zone + "; path=/; max-age=31536000; samesite=lax";
    if (cookie(ZONE_COOKIE) !== zone) {
      return;
    }
    var shown = document.querySelectorAll("[data-visitor-time]");
    for (var i = 0; i < shown.length; i++) {
      if (shown[i].getAttribute("data-zone") !== zone) {
        window.location.reload();
        return;
      }
    }
  }

  function setup(form) {
    var button = form.querySelector("[data-locate]");
    var where = form.querySelector("#where");
    var lat = form.querySelector("[data-lat-input]");
    var lon = form.querySelector("[data-lon-input]");
    var status = form.querySelector("#where-status");
    /* Leave empty fields out of the address, so shared links stay short. */
    form.addEventListener("submit", function () {
      var fields = form.querySelectorAll("input[name], select[name]");
      for (var i = 0; i < fields.length; i++) {
        if (fields[i].value === "" && fields[i].type !== "checkbox" && fields[i].type !== "radio") {
          fields[i].disabled = true;
        }
      }
      window.setTimeout(function () {
        for (var j = 0; j < fields.length; j++) {
          fields[j].disabled = false;
        }
      }, 0);
    });
    if (!where || !lat || !lon) {
      return;
    }
    /* Typing a place replaces coordinates from an earlier "use my location". */
    where.addEventListener("input", function () {
      lat.value = "";
      lon.value = "";
      if (status) {
        status.textContent = "";
      }
    });
    if (!button || !("geolocation" in navigator)) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      if (status) {
        status.textContent = message(form, "finding", "Finding your location…");
      }
      navigator.geolocation.getCurrentPosition(
        function (position) {
          /* Rounded to about 100 m: enough to find things nearby, no more. */
          lat.value = position.coords.latitude.toFixed(3);
          lon.value = position.coords.longitude.toFixed(3);
          where.value = "";
          where.placeholder = message(form, "your-location", "Your location");
          if (status) {
            status.textContent = message(form, "using", "Using your location.");
          }
          button.disabled = false;
          if (form.requestSubmit) {
            form.requestSubmit();
          } else {
            form.submit();
          }
        },
        function () {
          button.disabled = false;
          if (status) {
            status.textContent = message(form, "failed",
              "We could not get your location. Please type a town or postcode instead.");
          }
          where.focus();
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  /* A card's picture lives on its source's server: when it cannot be loaded, drop it (and its space). */
  function dropPicture(img) {
    var card = img.closest(".card");
    if (card) {
      card.classList.remove("has-image");
    }
    img.parentNode.removeChild(img);
  }

  document.addEventListener("error", function (event) {
    if (event.target && event.target.hasAttribute && event.target.hasAttribute("data-card-img")) {
      dropPicture(event.target);
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    var pictures = document.querySelectorAll("img[data-card-img]");
    for (var p = 0; p < pictures.length; p++) {
      if (pictures[p].complete && pictures[p].naturalWidth === 0) {
        dropPicture(pictures[p]);
      }
    }
    rememberZone();
    var forms = document.querySelectorAll("form.search-form");
    for (var i = 0; i < forms.length; i++) {
      setup(forms[i]);
    }
  });
})();
