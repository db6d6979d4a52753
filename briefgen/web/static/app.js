// Progressive enhancement: every page works without this file.
// No text a person reads is written here: it comes, translated, from the data-msg-*
// attributes of <body> (e.g. data-msg-filter is read as say("msgFilter")).
"use strict";

/** The page's text for `key`, its %(name)s placeholders filled from `params`; "" if absent. */
function say(key, params) {
  const text = document.body.dataset[key] || "";
  return text.replace(/%\((\w+)\)s/g, (whole, name) =>
    params && name in params ? String(params[name]) : whole);
}

/** Lower case without accents, so that "securite" finds "Sécurité". */
function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** Tell screen readers `message` through the page's live region, unless it says it already. */
function announce(message) {
  const live = document.getElementById("live");
  if (live && message && live.textContent !== message) { live.textContent = message; }
}

/** Make sure `element` is described by the element `id` (kept once in aria-describedby). */
function describeBy(element, id) {
  const ids = (element.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  if (!ids.includes(id)) { element.setAttribute("aria-describedby", ids.concat(id).join(" ")); }
}

/** A paragraph of class `className` saying `text`. */
function paragraph(className, text) {
  const line = document.createElement("p");
  line.className = className;
  line.textContent = text;
  return line;
}

// Pickers: a list of checkboxes, each in its row (div.pick-row > label.pick), a filter box
// above it, and in a picker marked data-ordered, buttons that order the checked items.

const pickers = {
  rows: (list) => Array.from(list.querySelectorAll(".pick-row")),
  checked: (list) => pickers.rows(list).filter((row) => row.querySelector("input").checked),
  text: (row) => (row.querySelector(".pick-text") || row.querySelector("label")).textContent.trim(),
};

/** Put `label` (a label.pick) in a row of its own, where its move buttons can go. */
function pickRow(label) {
  const row = document.createElement("div");
  row.className = "pick-row";
  label.replaceWith(row);
  row.append(label);
  return row;
}

/** Show the rows whose text contains what is typed in the picker's filter, and checked ones. */
function filterPicker(picker) {
  const input = picker.querySelector(".pick-filter input");
  if (!input) { return; }
  const wanted = fold(input.value.trim());
  let matching = 0;
  pickers.rows(picker.querySelector(".pick-list")).forEach((row) => {
    const matches = fold(pickers.text(row)).includes(wanted);
    row.hidden = !matches && !row.querySelector("input").checked;
    matching += matches ? 1 : 0;
  });
  picker.querySelector(".pick-empty").textContent = wanted && !matching ? say("msgNoMatch") : "";
}

let filters = 0;

/** The filter box at the top of a picker: a labelled search input and its "no match" line. */
function addFilter(picker) {
  const list = picker.querySelector(".pick-list");
  const box = document.createElement("div");
  box.className = "pick-filter";
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.type = "search";
  input.id = "pick-filter-" + ++filters;
  input.autocomplete = "off";
  label.htmlFor = input.id;
  label.textContent = say("msgFilter");
  const empty = paragraph("pick-empty", "");
  empty.setAttribute("role", "status");
  box.append(label, input, empty);
  list.before(box);
  // Filtering changes nothing in the form: no check of the form for it.
  input.addEventListener("input", (event) => {
    event.stopPropagation();
    filterPicker(picker);
  });
  // Enter in the filter would submit the whole form.
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); }
  });
}

/** The « Monter » / « Descendre » buttons of a checked row; their names include its text. */
function moveButtons(row) {
  const moves = document.createElement("span");
  moves.className = "pick-moves";
  [["msgUp", "-1"], ["msgDown", "1"]].forEach(([key, step]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.dataset.move = step;
    const item = document.createElement("span");
    item.className = "sr-only";
    item.textContent = " " + pickers.text(row);
    button.append(say(key), item);
    moves.append(button);
  });
  return moves;
}

/** Give the checked rows of an ordered list their move buttons, and take them from the others. */
function updateMoves(list) {
  const checked = pickers.checked(list);
  pickers.rows(list).forEach((row) => {
    let moves = row.querySelector(".pick-moves");
    const index = checked.indexOf(row);
    if (index < 0) {
      if (moves) { moves.remove(); }
      return;
    }
    if (!moves) {
      moves = moveButtons(row);
      row.append(moves);
    }
    // aria-disabled, not disabled: a button that just moved its item to the top keeps the focus.
    const [up, down] = moves.querySelectorAll("button");
    up.setAttribute("aria-disabled", String(index === 0));
    down.setAttribute("aria-disabled", String(index === checked.length - 1));
  });
}

/** Ordered pickers: checked items come first, in the order the form submits them. */
function orderPicker(list) {
  list.addEventListener("change", (event) => {
    const box = event.target;
    if (box.type !== "checkbox") { return; }
    // A newly checked item goes after the checked ones; an unchecked one leaves them.
    const row = box.closest(".pick-row");
    const others = pickers.checked(list).filter((other) => other !== row);
    if (others.length) { others[others.length - 1].after(row); } else { list.prepend(row); }
    box.focus();
    updateMoves(list);
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-move]");
    if (!button) { return; }
    const row = button.closest(".pick-row");
    const checked = pickers.checked(list);
    const step = Number(button.dataset.move);
    const other = checked[checked.indexOf(row) + step];
    if (!other) { return; }
    if (step < 0) { other.before(row); } else { other.after(row); }
    button.focus();
    updateMoves(list);
  });
  updateMoves(list);
}

/** Pickers learn of items added meanwhile in another tab (choices: table → [id, text] pairs). */
function addChoices(form, tables) {
  form.querySelectorAll(".picker[data-table]").forEach((picker) => {
    const list = picker.querySelector(".pick-list");
    const first = picker.querySelector("input[type=checkbox]");
    const field = picker.closest("[data-field]");
    const name = first ? first.name : field && field.dataset.field;
    if (!name) { return; }
    const known = new Set(Array.from(list.querySelectorAll("input"), (input) => input.value));
    (tables[picker.dataset.table] || []).forEach(([id, text]) => {
      if (known.has(id)) { return; }
      const label = document.createElement("label");
      label.className = "pick";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = name;
      box.value = id;
      const words = document.createElement("span");
      words.className = "pick-text";
      words.textContent = text;
      label.append(box, " ", words);
      list.append(label);
      pickRow(label);
    });
    if (pickers.rows(list).length) {
      // The line saying there is nothing to choose from yet goes; a filter comes.
      list.querySelectorAll(":scope > p").forEach((line) => line.remove());
      if (!picker.querySelector(".pick-filter") && say("msgFilter")) { addFilter(picker); }
    }
    filterPicker(picker);
  });
}

function enhancePickers() {
  document.querySelectorAll("fieldset.picker").forEach((picker) => {
    const list = picker.querySelector(".pick-list");
    if (!list) { return; }
    list.querySelectorAll("label.pick").forEach(pickRow);
    if (pickers.rows(list).length && say("msgFilter")) { addFilter(picker); }
    if ("ordered" in picker.dataset && say("msgUp")) { orderPicker(list); }
  });
}

// Fields: the length as one types, a date typed wrong, the save's messages as one types.

/** A counter below each field with data-max; past the limit it warns, and nothing is cut. */
function addCounter(field, number) {
  const max = Number(field.dataset.max);
  if (!max || !say("msgCount")) { return; }
  const counter = paragraph("counter", "");
  counter.id = "count-" + number;
  field.after(counter);
  describeBy(field, counter.id);
  let wasOver = false;
  const update = () => {
    const count = Array.from(field.value).length;
    const over = count > max;
    counter.textContent = say("msgCount", {count: count, max: max});
    if (over) { counter.prepend(say("msgTooLong", {max: max}) + " "); }
    counter.classList.toggle("counter-over", over);
    if (over && !wasOver) { announce(say("msgTooLong", {max: max})); }
    wasOver = over;
  };
  field.addEventListener("input", update);
  update();
}

/** aria-invalid on `input` when its message box holds an error or `errors` names it.
    The box describes the input, or the picker for its checkboxes (said once, not for each). */
function markInvalid(input, errors) {
  const box = document.getElementById("m-" + input.name);
  const picker = input.type === "checkbox" && input.closest("fieldset.picker");
  if (box) { describeBy(picker || input, box.id); }
  if ((errors[input.name] || []).length || (box && box.querySelector(".field-error"))) {
    input.setAttribute("aria-invalid", "true");
  } else {
    input.removeAttribute("aria-invalid");
  }
}

/** A date the browser cannot read (31 February, a missing year) says so in its message box. */
function checkDate(input) {
  const box = document.getElementById("m-" + input.name);
  if (!box) { return; }
  box.querySelectorAll(".bad-date").forEach((line) => line.remove());
  if (input.validity.badInput && say("msgBadDate")) {
    box.append(paragraph("field-msg field-error bad-date", say("msgBadDate")));
  }
  markInvalid(input, {});
}

/** The messages a save would give, beside their fields, and a short summary for screen readers. */
function showChecks(form, result) {
  const errors = result.errors || {};
  document.querySelectorAll(".msgs").forEach((box) => { box.textContent = ""; });
  [[errors, "field-error"], [result.warnings || {}, "field-warning"]].forEach(([found, kind]) => {
    Object.entries(found).forEach(([field, messages]) => {
      const box = document.getElementById("m-" + field) || document.getElementById("m-_");
      if (!box) { return; }
      messages.forEach((message) => box.append(paragraph("field-msg " + kind, message)));
    });
  });
  form.querySelectorAll("input[type=date]").forEach(checkDate);
  form.querySelectorAll("input[name]:not([type=hidden]), select[name], textarea[name]")
    .forEach((input) => markInvalid(input, errors));
  const count = document.querySelectorAll(".msgs .field-error").length;
  if (count === 0) { announce(say("msgNoErrors")); }
  else { announce(say(count === 1 ? "msgErrorsOne" : "msgErrorsMany", {num: count})); }
}

function enhanceEditForm(form) {
  let timer = null;
  let asked = 0;
  const check = () => {
    if (!form.dataset.check) { return; }
    const ask = ++asked;
    fetch(form.dataset.check, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then((response) => (response.ok ? response.json() : null))
      // An answer to an older question is dropped: a newer one is on its way.
      .then((result) => { if (result && ask === asked) { showChecks(form, result); } })
      .catch(() => {});
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(check, 600); };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  if (form.dataset.choices) {
    window.addEventListener("focus", () => {
      fetch(form.dataset.choices, {cache: "no-store", credentials: "same-origin"})
        .then((response) => response.json())
        .then((tables) => addChoices(form, tables))
        .catch(() => {});
    });
  }
}

// Producing the documents.

/** A build cannot be started twice by a double click; previews follow the options chosen. */
function enhanceBuildForm(form) {
  form.querySelectorAll("a.preview-link").forEach((link) => {
    link.addEventListener("click", () => {
      const params = new URLSearchParams();
      ["establishment", "meeting_date", "lang"].forEach((name) => {
        const field = form.elements[name];
        if (field && field.value) { params.set(name, field.value); }
      });
      link.href = form.dataset.preview.replace("KIND", link.dataset.kind) + "?" + params;
    });
  });
  const button = form.querySelector("button[type=submit]");
  if (!button) { return; }
  const label = button.textContent;
  form.addEventListener("submit", () => {
    button.disabled = true;
    if (say("msgProducing")) { button.textContent = say("msgProducing"); }
  });
  // Back to this page from the browser's history: the button works again.
  window.addEventListener("pageshow", () => {
    button.disabled = false;
    button.textContent = label;
  });
}

/** The progress page follows the build until it ends, then shows its outcome: each
 * request is answered as soon as a document is done or the build is over. */
function followJob(job) {
  let done = -1;
  const poll = () => {
    const asked = Date.now();
    const url = job.dataset.statusUrl + "?" + new URLSearchParams({wait: 10, done: done});
    fetch(url, {cache: "no-store"})
      .then((response) => response.json())
      .then((status) => {
        if (status.status !== "running") { location.reload(); return; }
        // News, or a server that held the request: ask again at once; else in a while.
        const again = status.done !== done || Date.now() - asked > 5000 ? 0 : 500;
        done = status.done;
        const bar = document.getElementById("progress");
        if (bar) { bar.max = status.total || 1; bar.value = status.done; }
        const text = document.getElementById("progress-text");
        const said = say("msgProgress", {done: status.done, total: status.total || "…"});
        // Rewritten only when it changes: it is a live region, read again at each change.
        if (text && said && text.textContent !== said) { text.textContent = said; }
        setTimeout(poll, again);
      })
      .catch(() => setTimeout(poll, 1000));
  };
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  enhancePickers();
  document.querySelectorAll("input[data-max], textarea[data-max]").forEach(addCounter);
  document.querySelectorAll("input[type=date]").forEach((input) => {
    input.addEventListener("change", () => checkDate(input));
    input.addEventListener("blur", () => checkDate(input));
  });
  document.querySelectorAll("form.edit-form").forEach(enhanceEditForm);
  document.querySelectorAll("form.build-form").forEach(enhanceBuildForm);
  const job = document.getElementById("job");
  if (job && job.dataset.status === "running") { followJob(job); }
});
