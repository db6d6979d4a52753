// The « PDF preview » panel beside a form: the document's HTML preview at once, then its
// PDF, made again whenever the dossier changes (a save here or in another tab). The server
// starts the PDF as soon as a save lands and stops a render a newer save made useless.
"use strict";
(() => {
  const panel = document.querySelector(".pdf-panel");
  if (!panel) return;
  const frame = panel.querySelector(".pdf-frame");
  const select = panel.querySelector("#pdf-kind");
  const state = panel.querySelector(".pdf-state");
  const error = panel.querySelector(".pdf-error");
  const remembered = "briefgen-panel-" + panel.dataset.dossier;
  const EVERY = 2000; // ms between two looks at the dossier
  let shown = null; // "kind hash" of the PDF in the frame
  let busy = false;

  const url = (name, kind) => panel.dataset[name].replace("__kind__", encodeURIComponent(kind));
  const kind = () => select.value;

  const fail = (message) => {
    error.hidden = false;
    error.querySelector(".pdf-message").textContent = message;
    frame.hidden = true;
    state.textContent = "";
    shown = null;
  };

  const show = (src, message) => {
    error.hidden = true;
    frame.hidden = false;
    if (frame.getAttribute("src") !== src) frame.src = src;
    state.textContent = message;
  };

  async function status(wanted) {
    const response = await fetch(url("status", wanted), { cache: "no-store" });
    return response.ok ? response.json() : null;
  }

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const wanted = kind();
      let now = await status(wanted);
      if (!now || wanted !== kind()) return;
      if (!now.ok) return fail(now.message);
      if (shown === wanted + " " + now.hash) return;
      show(url("preview", wanted), panel.dataset.msgMaking);
      const pdf = url("pdf", wanted) + "?v=" + encodeURIComponent(now.hash);
      const response = await fetch(pdf, { cache: "no-store" });
      if (wanted !== kind() || response.status === 409) return; // superseded: ignored
      if (response.ok) {
        show(pdf, panel.dataset.msgReady);
        shown = wanted + " " + now.hash;
        return;
      }
      now = await status(wanted);
      if (now && !now.ok) fail(now.message);
    } catch (_) {
      // the server is restarting or gone: the next look tries again
    } finally {
      busy = false;
    }
  }

  const saved = localStorage.getItem(remembered);
  if (saved && [...select.options].some((o) => o.value === saved)) select.value = saved;
  select.addEventListener("change", () => {
    localStorage.setItem(remembered, kind());
    shown = null;
    refresh();
  });
  document.addEventListener("visibilitychange", refresh);
  setInterval(refresh, EVERY);
  refresh();
})();
