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
