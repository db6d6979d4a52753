// Progressive enhancement: the page works without it.
document.addEventListener("DOMContentLoaded", function () {
  // A build cannot be started twice by a double click.
  document.querySelectorAll("form.build-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.textContent = "Production en cours…"; }
    });
    // Previews follow the options chosen in the form.
    form.querySelectorAll("a.preview-link").forEach(function (link) {
      link.addEventListener("click", function () {
        var params = new URLSearchParams();
        ["establishment", "meeting_date", "lang"].forEach(function (name) {
          var field = form.elements[name];
          if (field && field.value) { params.set(name, field.value); }
        });
        link.href = form.dataset.preview.replace("KIND", link.dataset.kind) + "?" + params;
      });
    });
  });
  // Edit forms: the save's messages as the rep types; pickers learn of items added meanwhile.
  document.querySelectorAll("form.edit-form").forEach(function (form) {
    var timer = null;
    var show = function (result) {
      document.querySelectorAll(".msgs").forEach(function (box) { box.textContent = ""; });
      [["errors", "field-error"], ["warnings", "field-warning"]].forEach(function (kind) {
        Object.entries(result[kind[0]] || {}).forEach(function (entry) {
          var box = document.getElementById("m-" + entry[0]) || document.getElementById("m-_");
          entry[1].forEach(function (message) {
            var line = document.createElement("p");
            line.className = "field-msg " + kind[1];
            line.textContent = message;
            box.appendChild(line);
          });
        });
      });
    };
    var check = function () {
      if (!form.dataset.check) { return; }
      fetch(form.dataset.check, {method: "POST", body: new FormData(form), credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (result) { if (result) { show(result); } })
        .catch(function () {});
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(check, 600); };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    window.addEventListener("focus", function () {
      fetch(form.dataset.choices, {cache: "no-store", credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (tables) {
          form.querySelectorAll(".picker[data-table]").forEach(function (picker) {
            var list = picker.querySelector(".pick-list");
            var name = picker.querySelector("input[type=checkbox]");
            var field = name ? name.name : picker.closest("[data-field]").dataset.field;
            var known = {};
            list.querySelectorAll("input").forEach(function (input) { known[input.value] = true; });
            (tables[picker.dataset.table] || []).forEach(function (choice) {
              if (known[choice[0]]) { return; }
              var label = document.createElement("label");
              label.className = "pick";
              var box = document.createElement("input");
              box.type = "checkbox"; box.name = field; box.value = choice[0];
              var code = document.createElement("code");
              code.textContent = choice[0];
              label.append(box, " ", code, " " + choice[1]);
              list.appendChild(label);
            });
          });
        }).catch(function () {});
    });
  });
  // The progress page follows the build until it ends.
  var job = document.getElementById("job");
  if (job && job.dataset.status === "running") {
    var poll = function () {
      fetch(job.dataset.statusUrl, {cache: "no-store"}).then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.status !== "running") { location.reload(); return; }
          var bar = document.getElementById("progress");
          bar.max = s.total || 1; bar.value = s.done;
          document.getElementById("progress-text").textContent =
            "En cours : " + s.done + " / " + (s.total || "…") + " document(s)";
          setTimeout(poll, 500);
        }).catch(function () { setTimeout(poll, 1000); });
    };
    setTimeout(poll, 300);
  }
});
