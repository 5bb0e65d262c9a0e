/* Kindred: a map of the points on the page ([data-point] elements), drawn with the vendored Leaflet.
   The page is complete without it: the map box stays hidden when Leaflet or JavaScript is missing,
   and tiles load only when the browser is online. On results pages ([data-numbered]) each marker shows
   its card's number; hovering or focusing one highlights the other, and phones get a list/map toggle. */
(function () {
  "use strict";

  var ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright" rel="noopener">OpenStreetMap contributors</a>';

  function points(box) {
    var found = [];
    var scope = box.closest("main") || document;
    var nodes = scope.querySelectorAll("[data-point]");
    for (var i = 0; i < nodes.length; i++) {
      var lat = parseFloat(nodes[i].getAttribute("data-lat"));
      var lon = parseFloat(nodes[i].getAttribute("data-lon"));
      if (isFinite(lat) && isFinite(lon)) {
        found.push({
          lat: lat,
          lon: lon,
          title: nodes[i].getAttribute("data-title") || "",
          href: nodes[i].getAttribute("data-href") || "",
          number: nodes[i].getAttribute("data-number") || "",
          card: nodes[i]
        });
      }
    }
    return found;
  }

  /* A message in the page's language, from the map box's data-msg-* attributes. */
  function message(box, name, fallback) {
    return box.getAttribute("data-msg-" + name) || fallback;
  }

  function note(box, text) {
    var el = box.querySelector("[data-map-note]");
    if (el) {
      el.textContent = text;
    }
  }

  function popup(point) {
    var wrap = document.createElement("div");
    if (point.href) {
      var link = document.createElement("a");
      link.href = point.href;
      link.textContent = point.title;
      wrap.appendChild(link);
    } else {
      wrap.textContent = point.title;
    }
    return wrap;
  }

  function draw(box) {
    var list = points(box);
    if (!list.length || typeof window.L === "undefined") {
      return;
    }
    box.hidden = false;
    var L = window.L;
    var map = L.map(box.querySelector(".map"), { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: message(box, "zoom-in", "Zoom in"),
                     zoomOutTitle: message(box, "zoom-out", "Zoom out") }).addTo(map);
    map.on("popupopen", function () {
      var close = box.querySelector(".leaflet-popup-close-button");
      if (close) {
        close.setAttribute("aria-label", message(box, "close", "Close popup"));
      }
    });
    var tiles = box.getAttribute("data-tiles");
    if (tiles && navigator.onLine !== false) {
      var layer = L.tileLayer(tiles, { maxZoom: 19, attribution: ATTRIBUTION });
      layer.on("tileerror", function () {
        note(box, message(box, "tiles-failed",
          "The map background could not load. The list has everything the map shows."));
      });
      layer.addTo(map);
    } else {
      note(box, message(box, "offline",
        "The map background needs an internet connection. The list has everything the map shows."));
    }
    var group = [];
    for (var g = 0; g < list.length; g++) {
      group.push([list[g].lat, list[g].lon]);
    }
    /* The view first: Leaflet draws markers (and so their elements exist to link) once the map has one. */
    if (group.length === 1) {
      map.setView(group[0], 15);
    } else {
      map.fitBounds(group, { padding: [24, 24], maxZoom: 15 });
    }
    var numbered = box.hasAttribute("data-numbered");
    for (var i = 0; i < list.length; i++) {
      var marker;
      if (numbered && list[i].number) {
        marker = L.marker([list[i].lat, list[i].lon], {
          icon: L.divIcon({ className: "map-marker", html: list[i].number, iconSize: [30, 30], iconAnchor: [15, 15] }),
          title: list[i].number + ". " + list[i].title,
          alt: list[i].number + ". " + list[i].title,
          riseOnHover: true
        });
      } else {
        marker = L.circleMarker([list[i].lat, list[i].lon], {
          radius: 8, weight: 2, color: "#1f5c50", fillColor: "#3f8f7d", fillOpacity: 0.85
        });
      }
      marker.bindPopup(popup(list[i]));
      marker.addTo(map);
      if (numbered && list[i].number) {
        link(marker, list[i]);
      }
    }
    box.leafletMap = map;
    box.setAttribute("data-map-ready", "true");
  }

  /* Marker N and card N: each names the other (data-card / data-marker) and lights it up. */
  function link(marker, point) {
    var icon = marker.getElement();
    var card = point.card;
    if (!icon || !card) {
      return;
    }
    icon.setAttribute("data-number", point.number);
    icon.setAttribute("data-card", card.id);
    icon.setAttribute("aria-label", point.number + ". " + point.title);
    card.setAttribute("data-marker", point.number);
    function on() {
      icon.classList.add("is-active");
      card.classList.add("is-active");
      marker.setZIndexOffset(1000);
    }
    function off() {
      icon.classList.remove("is-active");
      card.classList.remove("is-active");
      marker.setZIndexOffset(0);
    }
    card.addEventListener("mouseenter", on);
    card.addEventListener("mouseleave", off);
    card.addEventListener("focusin", on);
    card.addEventListener("focusout", off);
    icon.addEventListener("mouseenter", on);
    icon.addEventListener("mouseleave", off);
    icon.addEventListener("focus", on);
    icon.addEventListener("blur", off);
  }

  /* Phones: show the list or the map, not one after the other (a toggle above the results). */
  function toggle(box) {
    var bar = document.querySelector("[data-view-toggle]");
    var layout = document.querySelector("[data-results-layout]");
    if (!bar || !layout || box.hidden) {
      return;
    }
    bar.hidden = false;
    var buttons = bar.querySelectorAll("[data-view]");
    function show(view) {
      layout.setAttribute("data-view", view);
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-view") === view));
      }
      if (view === "map" && box.leafletMap) {
        box.leafletMap.invalidateSize();
      }
    }
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        show(event.currentTarget.getAttribute("data-view"));
      });
    }
    show("list");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-map]");
    for (var i = 0; i < boxes.length; i++) {
      draw(boxes[i]);
      if (boxes[i].hasAttribute("data-numbered")) {
        toggle(boxes[i]);
      }
    }
  });
})();
