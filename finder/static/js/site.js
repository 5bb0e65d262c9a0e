/* Kindred: "use my location" for the search form. The form works without this file. */
(function () {
  "use strict";

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
        status.textContent = "Finding your location…";
      }
      navigator.geolocation.getCurrentPosition(
        function (position) {
          /* Rounded to about 100 m: enough to find things nearby, no more. */
          lat.value = position.coords.latitude.toFixed(3);
          lon.value = position.coords.longitude.toFixed(3);
          where.value = "";
          where.placeholder = "Your location";
          if (status) {
            status.textContent = "Using your location.";
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
            status.textContent = "We could not get your location. Please type a town or postcode instead.";
          }
          where.focus();
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form.search-form");
    for (var i = 0; i < forms.length; i++) {
      setup(forms[i]);
    }
  });
})();
