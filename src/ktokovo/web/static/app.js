// The ktokovo dashboard: edits a scenario (YAML-shaped data) in tables and calls the JSON API. No framework,
// no inline script or style (the service's content security policy forbids them).
"use strict";

const state = { data: null, result: null, models: {}, whatIfTimer: null, whatIfSeq: 0 };
const $ = (id) => document.getElementById(id);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

// Feedback where the user is looking: beside the control that caused it (`near`, an element's id) and in a
// toast fixed at the bottom of the window, which stays until it is closed or the next message replaces it.
function say(text, kind = "ok", near = null) {
  const box = $("message");
  box.textContent = text;
  box.className = kind;
  $("toast").className = kind;
  $("toast").hidden = false;
  if (near) {
    for (const old of document.querySelectorAll(".note")) if (old.id !== `${near}-note`) old.remove();
    const control = $(near);
    const anchor = control.closest("label") || control;
    let note = $(`${near}-note`);
    if (!note) {
      note = el("span", { id: `${near}-note`, role: "status" });
      anchor.after(note);
    }
    note.textContent = text;
    note.className = `note ${kind}`;
  }
}
const fail = (near) => (error) => say(error.message, "error", near);

async function api(path, body, { raw = false } = {}) {
  const options = body === undefined ? {} : body instanceof FormData
    ? { method: "POST", body }
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      const problems = problem.problems || [];
      // One list, once: each problem names its file, line and field (by actor and issue).
      if (problems.length > 1) detail = `${problems.length} problems:\n` + problems.map((p) => `  - ${p}`).join("\n");
      else if (problems.length === 1) detail = problems[0];
      else detail = typeof problem.detail === "string" ? problem.detail : JSON.stringify(problem.detail);
    } catch (error) { /* not JSON: keep the status */ }
    throw new Error(detail);
  }
  return raw ? response : response.json();
}

// -- estimates: a number, or {value, confidence, source} ------------------------------------------------
const valueOf = (estimate) => (estimate !== null && typeof estimate === "object" ? estimate.value : estimate);
function setValue(holder, key, value) {
  const current = holder[key];
  if (current !== null && typeof current === "object") {
    current.value = value;
    delete current.confidence; // the range was about the old value
  } else {
    holder[key] = value;
  }
}
function sourceOf(estimate) {
  const source = estimate && typeof estimate === "object" ? estimate.source : null;
  if (!source) return "";
  return [source.document, source.locator, source.quote ? `"${source.quote}"` : ""].filter(Boolean).join(", ");
}
function setSource(holder, key, text) {
  let estimate = holder[key];
  if (estimate === null || typeof estimate !== "object") estimate = holder[key] = { value: estimate ?? 0 };
  estimate.source = text ? { document: "user", note: text } : undefined;
  if (!text) delete estimate.source;
}

// -- the scenario tables ----------------------------------------------------------------------------------
function numberInput(value, onChange, attributes = {}) {
  return el("input", { type: "number", step: "any", class: "num", value: value ?? "", ...attributes,
    onchange: (event) => onChange(event.target.value === "" ? null : Number(event.target.value)) });
}
function textInput(value, onChange, wide = false) {
  return el("input", { value: value ?? "", class: wide ? "wide" : "", onchange: (event) => onChange(event.target.value) });
}

function renderScenario() {
  const data = state.data;
  $("scenario-name").value = data.name || "";
  $("scenario-title").textContent = data.title ? `· ${data.title}` : "";
  const actors = $("actors");
  actors.replaceChildren(el("tr", {}, el("th", {}, "actor"), el("th", {}, "description"),
    el("th", { class: "num" }, "capability"), el("th", {}, "source"), el("th")));
  data.actors.forEach((actor, i) => actors.append(el("tr", {},
    el("td", {}, textInput(actor.name, (v) => renameActor(i, v))),
    el("td", {}, textInput(actor.description, (v) => { actor.description = v; }, true)),
    el("td", { class: "num" }, numberInput(valueOf(actor.capability), (v) => setValue(actor, "capability", v), { min: 0 })),
    el("td", {}, textInput(sourceOf(actor.capability), (v) => setSource(actor, "capability", v), true)),
    el("td", {}, el("button", { class: "small", onclick: () => removeActor(i) }, "remove")))));
  const issues = $("issues");
  issues.replaceChildren(el("tr", {}, el("th", {}, "issue"), el("th", {}, "question"), el("th", {}, "low end"),
    el("th", {}, "high end"), el("th", { class: "num" }, "status quo"), el("th")));
  data.issues.forEach((issue, j) => issues.append(el("tr", {},
    el("td", {}, textInput(issue.name, (v) => renameIssue(j, v))),
    el("td", {}, textInput(issue.question, (v) => { issue.question = v; }, true)),
    el("td", {}, textInput(issue.low, (v) => { issue.low = v; })),
    el("td", {}, textInput(issue.high, (v) => { issue.high = v; })),
    el("td", { class: "num" }, numberInput(valueOf(issue.status_quo), (v) => {
      if (v === null) delete issue.status_quo; else setValue(issue, "status_quo", v);
    })),
    el("td", {}, el("button", { class: "small", onclick: () => removeIssue(j) }, "remove")))));
  const stances = $("stances");
  stances.replaceChildren(el("tr", {}, el("th", {}, "actor"), el("th", {}, "issue"), el("th", { class: "num" }, "position"),
    el("th", {}, "source of the position"), el("th", { class: "num" }, "salience"), el("th", {}, "source of the salience")));
  for (const actor of data.actors) {
    for (const issue of data.issues) {
      const stance = stanceFor(actor.name, issue.name);
      stances.append(el("tr", {}, el("td", {}, actor.name), el("td", {}, issue.name),
        el("td", { class: "num" }, numberInput(valueOf(stance.position), (v) => setValue(stance, "position", v))),
        el("td", {}, textInput(sourceOf(stance.position), (v) => setSource(stance, "position", v), true)),
        el("td", { class: "num" }, numberInput(valueOf(stance.salience), (v) => setValue(stance, "salience", v), { min: 0, max: 100 })),
        el("td", {}, textInput(sourceOf(stance.salience), (v) => setSource(stance, "salience", v), true))));
    }
  }
  const ledger = $("ledger");
  ledger.replaceChildren(el("tr", {}, el("th", {}, "date"), el("th", {}, "kind"), el("th", {}, "event"),
    el("th", {}, "source"), el("th", {}, "changes")));
  for (const entry of data.ledger || []) {
    ledger.append(el("tr", {}, el("td", {}, entry.date), el("td", {}, entry.kind), el("td", {}, entry.title),
      el("td", {}, sourceOf({ source: entry.source })), el("td", {}, (entry.changes || []).join(", "))));
  }
  if (!(data.ledger || []).length) ledger.append(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "no ledger")));
  renderRules();
  renderWhatIfInputs();
  const names = data.actors.map((actor) => actor.name);
  fill($("explain-actor"), names);
  fill($("cite-document"), Object.keys(data.documents || {}));
  fill($("advice-actor"), names);
}

// -- deal rules: vetoes' costs with ranges, walk-away points with ranges, delay; the talks -----------------
const rangeOf = (estimate) => (estimate !== null && typeof estimate === "object" && estimate.confidence) || null;
function walkAwayText(walk) {
  return Object.entries(walk || {}).map(([issue, estimate]) => {
    const range = rangeOf(estimate);
    return `${issue}=${valueOf(estimate)}` + (range ? `:${range[0]}-${range[1]}` : "");
  }).join(", ");
}
function parseWalkAway(text) {
  const out = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const match = part.match(/^([^=]+)=\s*(-?[\d.]+)\s*(?::\s*(-?[\d.]+)\s*-\s*(-?[\d.]+))?$/);
    if (!match) throw new Error(`walk-away "${part}": write issue=value or issue=value:low-high`);
    const value = Number(match[2]);
    out[match[1].trim()] = match[3] === undefined ? value : { value, confidence: [Number(match[3]), Number(match[4])] };
  }
  return out;
}
function setRange(holder, key, end, value) {
  let estimate = holder[key];
  if (estimate === null || typeof estimate !== "object") estimate = holder[key] = { value: estimate ?? 0 };
  const range = estimate.confidence ? [...estimate.confidence] : [estimate.value, estimate.value];
  range[end] = value ?? estimate.value;
  estimate.confidence = range;
}
function renderRules() {
  const data = state.data;
  const table = $("vetoes");
  table.replaceChildren(el("tr", {}, el("th", {}, "veto player"), el("th", { class: "num" }, "cost of no deal"),
    el("th", { class: "num" }, "low"), el("th", { class: "num" }, "high"), el("th", {}, "walk-away points"),
    el("th", { class: "num" }, "cost of each round")));
  for (const veto of data.vetoes || []) {
    const range = rangeOf(veto.cost);
    table.append(el("tr", {}, el("td", {}, veto.actor),
      el("td", { class: "num" }, numberInput(valueOf(veto.cost), (v) => setValue(veto, "cost", v ?? 0), { min: 0 })),
      el("td", { class: "num" }, numberInput(range ? range[0] : null, (v) => setRange(veto, "cost", 0, v), { min: 0 })),
      el("td", { class: "num" }, numberInput(range ? range[1] : null, (v) => setRange(veto, "cost", 1, v), { min: 0 })),
      el("td", {}, textInput(walkAwayText(veto.walk_away), (v) => {
        try { veto.walk_away = parseWalkAway(v); } catch (error) { say(error.message, "error"); }
      }, true)),
      el("td", { class: "num" }, numberInput(veto.delay ?? 0, (v) => { veto.delay = v ?? 0; }, { min: 0 }))));
  }
  if (!(data.vetoes || []).length) table.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "no veto players")));
  const talks = data.talks || {};
  const proposer = $("talks-proposer");
  proposer.replaceChildren(el("option", { value: "" }, "each veto player in turn"),
    ...data.actors.map((a) => el("option", { value: a.name }, a.name)));
  proposer.value = talks.proposer || "";
  proposer.onchange = () => {
    data.talks = { ...(data.talks || {}), proposer: proposer.value || undefined };
    if (!proposer.value) delete data.talks.proposer;
  };
  $("talks-rounds").value = talks.rounds ?? 1;
  $("talks-rounds").onchange = (event) => { data.talks = { ...(data.talks || {}), rounds: Number(event.target.value) }; };
}

function stanceFor(actor, issue) {
  let stance = state.data.stances.find((s) => s.actor === actor && s.issue === issue);
  if (!stance) {
    stance = { actor, issue, position: null, salience: 0 };
    state.data.stances.push(stance);
  }
  return stance;
}
function renameActor(i, name) {
  const old = state.data.actors[i].name;
  state.data.actors[i].name = name;
  for (const s of state.data.stances) if (s.actor === old) s.actor = name;
  renderScenario();
}
function renameIssue(j, name) {
  const old = state.data.issues[j].name;
  state.data.issues[j].name = name;
  for (const s of state.data.stances) if (s.issue === old) s.issue = name;
  renderScenario();
}
function removeActor(i) {
  const name = state.data.actors[i].name;
  state.data.actors.splice(i, 1);
  state.data.stances = state.data.stances.filter((s) => s.actor !== name);
  renderScenario();
}
function removeIssue(j) {
  const name = state.data.issues[j].name;
  state.data.issues.splice(j, 1);
  state.data.stances = state.data.stances.filter((s) => s.issue !== name);
  renderScenario();
}

// The stances table offers every actor × issue cell; cells left empty are not part of the scenario.
function cleanData() {
  const data = JSON.parse(JSON.stringify(state.data));
  data.name = $("scenario-name").value || data.name || "scenario";
  data.stances = data.stances.filter((s) => valueOf(s.position) !== null && valueOf(s.position) !== undefined);
  return data;
}
function scenarioRef() {
  const ref = { data: cleanData() };
  if ($("as-of").value) ref.as_of = $("as-of").value;
  return ref;
}

// -- loading ----------------------------------------------------------------------------------------------
// A new scenario on screen: nothing computed for the old one stays (forecast, charts, gains, what-if,
// sensitivity, comparison, drift, the run's progress).
function clearResults() {
  state.result = null;
  $("results").hidden = true;
  $("outlook").hidden = true;
  $("on-table").hidden = true;
  for (const id of ["forecast-table", "gains-table", "outlook-table", "on-table-table", "sensitivity", "whatif-table",
    "compare-table", "drift-table", "explain-list", "advice-table", "power-table", "cite-table"]) $(id).replaceChildren();
  for (const id of ["outlook-lead", "outlook-holds", "gains-model", "whatif-value"]) $(id).textContent = "";
  for (const id of ["compare-chart", "gains-chart", "rounds-chart"]) $(id).removeAttribute("src");
  $("progress").hidden = true;
  $("progress-text").textContent = "";
  $("progress-text").className = "muted";
  for (const note of document.querySelectorAll(".note")) note.remove();
}
function useScenario(data) {
  state.data = data;
  state.data.stances = state.data.stances || [];
  clearResults();
  renderScenario();
}
async function loadBuiltin() {
  const name = $("builtin").value;
  useScenario(await api(`/api/scenarios/${encodeURIComponent(name)}`));
  say(`loaded ${name}`, "ok", "load-builtin");
}
// Reads the file chosen in a file input with the service (any supported format); `use` takes the scenario data.
async function parseChosen(event, use) {
  const file = event.target.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  try {
    use(await api("/api/scenarios/parse", form), file.name);
  } catch (error) { say(`${file.name}: ${error.message}`, "error", event.target.id); }
  event.target.value = "";
}
function upload(event) {
  return parseChosen(event, (data, name) => {
    useScenario(data);
    say(`loaded ${name}`, "ok", "upload");
  });
}
function newEmpty() {
  useScenario({ name: "new-talks", title: "", actors: [{ name: "A", capability: 50 }, { name: "B", capability: 50 }],
    issues: [{ name: "issue-1", question: "", low: "", high: "" }], stances: [] });
  say("an empty scenario: name the actors and issues, then give positions and saliences", "ok", "new-empty");
}

async function download(format) {
  try {
    const response = await api(`/api/scenarios/export?format=${format}`, scenarioRef(), { raw: true });
    save(await response.blob(), `${cleanData().name}.${format}`);
  } catch (error) { say(error.message, "error", `download-${format}`); }
}
function save(blob, filename) {
  const link = el("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}

// -- running ----------------------------------------------------------------------------------------------
const chosenModels = () => [...document.querySelectorAll("#model-choice input:checked")].map((box) => box.value);
// Numbers as ktokovo.core.numbers writes them: a point on a scale with one decimal, a change signed with one
// decimal and zero unsigned (never "-0.0"), a share as a whole percentage ("<1%" and ">99%" at the ends), a
// value the user typed as given.
const round1 = (value) => Math.round(Number(value) * 10) / 10 + 0;
const fmt = (value) => (value === null || value === undefined ? "—" : (round1(value) || 0).toFixed(1));
const signed = (value) => {
  const r = round1(value) || 0;
  return r === 0 ? "0.0" : (r > 0 ? "+" : "") + r.toFixed(1);
};
const given = (value) => (value === null || value === undefined ? "—" : String(Number(value)));

async function runModels() {
  const models = chosenModels();
  if (!models.length) { say("choose at least one model", "error", "run"); return; }
  const body = { scenario: scenarioRef(), models, samples: Number($("samples").value || 0), charts: true };
  const bar = $("progress");
  bar.hidden = false;
  bar.value = 0;
  $("run").disabled = true;
  $("progress-text").className = "muted";
  $("progress-text").textContent = "starting…";
  try {
    let job = await api("/api/jobs", body);
    while (job.status === "running") {
      bar.max = job.total;
      bar.value = job.done;
      $("progress-text").textContent = `${job.done} of ${job.total} steps`;
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = await api(`/api/jobs/${job.id}`);
    }
    if (job.status === "failed") throw new Error(job.error);
    bar.value = bar.max;
    $("progress-text").textContent = `done: run ${job.result.run_id ?? "(not stored)"}`;
    state.result = job.result;
    renderResults();
    say(`ran ${models.join(", ")}`, "ok", "run");
    refreshRuns();
  } catch (error) {
    // The run could not start or failed: say so where the bar was, not only in the toast.
    bar.hidden = true;
    $("progress-text").textContent = `the run did not complete: ${error.message}`;
    $("progress-text").className = "error";
    say(error.message, "error");
  } finally {
    $("run").disabled = false;
  }
}

// The models of a forecast, in the order they ran: the keys of its "models" (each model's whole result).
const modelsOf = (result) => Object.keys(result.models);

function forecastTable(table, result, highlight = null) {
  const models = modelsOf(result);
  table.replaceChildren(el("tr", {}, el("th", {}, "issue"), ...models.map((m) => el("th", { class: "num" }, m)),
    el("th", { class: "num" }, "status quo"), el("th", {}, `nearest described point (${models[0]})`)));
  for (const issue of result.issues) {
    const cells = models.map((model) => {
      const interval = issue.intervals[model];
      const cell = el("td", { class: "num", "data-model": model, "data-issue": issue.name }, fmt(issue.forecasts[model]));
      if (interval) cell.append(el("div", { class: "interval" }, `${fmt(interval[0])} – ${fmt(interval[1])}`));
      if (highlight && highlight[issue.name] !== undefined && highlight[issue.name][model] !== issue.forecasts[model]) {
        cell.classList.add("changed");
      }
      return cell;
    });
    table.append(el("tr", {}, el("td", { title: issue.question }, issue.name), ...cells,
      el("td", { class: "num" }, given(issue.status_quo)), el("td", {}, issue.nearest[models[0]])));
  }
}

const percent = (x) => (x > 0 && x < 0.005 ? "<1%" : x >= 0.995 && x < 1 ? ">99%" : `${Math.round(100 * x)}%`);

// The forecast that counts "no deal" (present when the scenario names veto players and draws were made).
function renderOutlook(outlook) {
  $("outlook").hidden = !outlook;
  if (!outlook) return;
  const p = outlook.probability;
  const rounds = outlook.by_round.map((x, t) => `by round ${t + 1}: ${percent(x)}`).join("; ");
  const proposers = outlook.proposers.map((b) => b.proposer).join(", ");
  $("outlook-lead").textContent = `Probability of a deal: ${percent(p.share)} (95% interval ${percent(p.low95)}–` +
    `${percent(p.high95)}, ${p.draws} draws; ${rounds}), ${proposers} making the offers without knowing the ` +
    `others' limits; knowing them, ${percent(outlook.complete_information)}.`;
  const table = $("outlook-table");
  table.replaceChildren(el("tr", {}, el("th", {}, "issue"), el("th", { class: "num" }, "expected"),
    el("th", { class: "num" }, "median"), el("th", { class: "num" }, "80% interval"),
    el("th", { class: "num" }, "95% interval"), el("th", {}, "nearest described point")));
  for (const row of outlook.issues) {
    if (row.expected === null) {
      table.append(el("tr", {}, el("td", {}, row.issue), el("td", { colspan: "5" }, row.reason)));
      continue;
    }
    table.append(el("tr", {}, el("td", {}, row.issue), el("td", { class: "num" }, fmt(row.expected)),
      el("td", { class: "num" }, fmt(row.median)), el("td", { class: "num" }, `${fmt(row.low80)} – ${fmt(row.high80)}`),
      el("td", { class: "num" }, `${fmt(row.low95)} – ${fmt(row.high95)}`), el("td", {}, row.nearest)));
  }
  const held = outlook.durability;
  $("outlook-holds").textContent = held.paths
    ? `Would a deal hold? ${percent(held.holds)} of the deals made still hold after ${held.horizon_months} months.`
    : "Would a deal hold? No draw settles, so there is no deal to follow.";
}

function renderOnTable(onTable) {
  $("on-table").hidden = !onTable;
  if (!onTable) return;
  const record = onTable.deu_record;
  const views = onTable.issues;
  $("on-table-note").textContent = "mean@table: the compromise forecast moved to the nearest position on the table " +
    `within the distance learned on DEU (out-of-sample error ${record["mean@table"].mae.toFixed(1)}); choice: ` +
    "a discrete choice model of which position wins (out-of-sample error of its median " +
    `${record.choice.mae.toFixed(1)}, CRPS ${record.choice.crps.toFixed(1)}). ` +
    "Learned on EU legislation, not on peace talks: one more model, not the answer.";
  const table = $("on-table-table");
  table.replaceChildren(el("tr", {}, el("th", {}, "issue"), el("th", { class: "num" }, "mean@table"),
    el("th", { class: "num" }, "choice median"), el("th", { class: "num" }, "80% interval"),
    el("th", {}, "chance of each position (who holds it)"), el("th", { class: "num" }, "off the table")));
  for (const view of views) {
    const chances = view.positions.filter((p) => p.probability >= 0.05)
      .map((p) => `${given(p.value)} ${p.held_by.join(", ")} ${percent(p.probability)}`).join(" · ");
    table.append(el("tr", {}, el("td", {}, view.issue), el("td", { class: "num" }, fmt(view.mean_on_table)),
      el("td", { class: "num" }, fmt(view.median)),
      el("td", { class: "num" }, `${fmt(view.interval80[0])} – ${fmt(view.interval80[1])}`),
      el("td", {}, chances), el("td", { class: "num" }, percent(view.off_table))));
  }
}

function renderResults() {
  const result = state.result;
  $("results").hidden = false;
  renderOutlook(result.outlook);
  renderOnTable(result.on_table);
  forecastTable($("forecast-table"), result);
  $("compare-chart").src = result.charts.compare;
  $("gains-chart").src = result.charts.gains;
  const lead = modelsOf(result)[0];
  $("gains-model").textContent = `(under ${lead}; gain: points nearer the actor's position than the status quo, weighted by salience)`;
  const gains = $("gains-table");
  gains.replaceChildren(el("tr", {}, el("th", {}, "actor"), el("th", { class: "num" }, "gain"),
    el("th", {}, "best issue"), el("th", {}, "worst issue")));
  for (const row of result.gains[lead]) {
    gains.append(el("tr", {}, el("td", {}, row.actor), el("td", { class: "num" }, signed(row.gain)),
      el("td", {}, row.best_issue), el("td", {}, row.worst_issue)));
  }
  const roundModels = Object.keys(result.charts.rounds);
  fill($("rounds-model"), roundModels);
  fill($("rounds-issue"), result.issues.map((i) => i.name));
  showRounds();
  fill($("sensitivity-model"), modelsOf(result));
}
function showRounds() {
  const rounds = state.result && state.result.charts.rounds[$("rounds-model").value];
  $("rounds-chart").hidden = !rounds;
  if (rounds) $("rounds-chart").src = rounds[$("rounds-issue").value];
}
function fill(select, names, keep = true) {
  const before = select.value;
  select.replaceChildren(...names.map((name) => el("option", { value: name }, name)));
  if (keep && names.includes(before)) select.value = before;
}

async function runSensitivity() {
  try {
    const answer = await api("/api/sensitivity", { scenario: scenarioRef(), model: $("sensitivity-model").value, top: 5 });
    const box = $("sensitivity");
    box.replaceChildren();
    for (const [issue, found] of Object.entries(answer.issues)) {
      const table = el("table", {}, el("tr", {}, el("th", {}, `${issue} (forecast ${fmt(found.estimate)}): input`),
        el("th", { class: "num" }, "at low"), el("th", { class: "num" }, "at high"), el("th", { class: "num" }, "swing")));
      for (const row of found.factors) {
        table.append(el("tr", {}, el("td", {}, row.factor), el("td", { class: "num" }, fmt(row.low)),
          el("td", { class: "num" }, fmt(row.high)), el("td", { class: "num" }, fmt(row.swing))));
      }
      box.append(table);
      if (found.warning) box.append(el("p", { class: "warning" }, `warning: ${found.warning}`));
    }
    say(`what moves the ${$("sensitivity-model").value} forecast: ${Object.keys(answer.issues).length} issues`, "ok", "run-sensitivity");
  } catch (error) { say(error.message, "error", "run-sensitivity"); }
}

// -- why it moved, advice, voting power ------------------------------------------------------------------
async function runExplain() {
  const model = $("rounds-model").value;
  if (!["bdm", "smp", "exchange"].includes(model)) {
    say("why it moved: run bdm, smp or exchange first and pick it above", "error", "run-explain");
    return;
  }
  try {
    const answer = await api("/api/explain", { scenario: scenarioRef(), actor: $("explain-actor").value,
      issue: model === "smp" || model === "exchange" ? null : $("rounds-issue").value, model });
    $("explain-list").replaceChildren(...answer.narrative.map((line) => el("li", {}, line)));
    say(`why ${answer.actor} moved under ${model}: ${answer.rows.length} decisions`, "ok", "run-explain");
  } catch (error) { say(error.message, "error", "run-explain"); }
}
async function runAdvice() {
  const actor = $("advice-actor").value;
  const power = $("advice-power").value || null;
  if (power && !cleanData().voting) {
    say("capabilities from voting power need a voting rule (voting: {rule: ...} in the scenario's YAML)",
      "error", "run-advice");
    return;
  }
  try {
    const answer = await api("/api/advise", { scenario: scenarioRef(), actor, top: 8, power });
    const table = $("advice-table");
    table.replaceChildren(el("tr", {}, el("th", {}, "change"), ...answer.models.map((m) => el("th", { class: "num" }, m))));
    for (const row of answer.best) {
      table.append(el("tr", {}, el("td", {}, row.change),
        ...answer.models.map((m) => el("td", { class: "num" }, signed(row.improvement[m])))));
    }
    say(answer.best.length ? `advice for ${actor}: ${answer.tried} changes tried` : `no change raises ${actor}'s gain`,
      "ok", "run-advice");
  } catch (error) { say(error.message, "error", "run-advice"); }
}
async function runPower() {
  if (!cleanData().voting) {
    say("this scenario declares no voting rule (voting: {rule: ...} in its YAML; see the docs' voting power guide)",
      "error", "run-power");
    return;
  }
  try {
    const answer = await api("/api/power", { scenario: scenarioRef() });
    const table = $("power-table");
    table.replaceChildren(el("tr", {}, el("th", {}, "actor"), el("th", {}, "bloc"),
      el("th", { class: "num" }, "Shapley–Shubik"), el("th", { class: "num" }, "Banzhaf")));
    for (const row of answer.actors) {
      table.append(el("tr", {}, el("td", {}, row.actor), el("td", {}, row.bloc || "—"),
        el("td", { class: "num" }, row.shapley.toFixed(2)), el("td", { class: "num" }, row.banzhaf.toFixed(2))));
    }
    say(`voting power under the ${answer.rule} rule`, "ok", "run-power");
  } catch (error) { say(error.message, "error", "run-power"); }
}

// -- citations and the expert panel ------------------------------------------------------------------------
async function checkCitations(event) {
  const file = event.target.files[0];
  if (!file) return;
  const name = $("cite-document").value;
  try {
    const text = await file.text();
    const answer = await api("/api/cite-check", { scenario: scenarioRef(), documents: { [name]: text } });
    const table = $("cite-table");
    table.replaceChildren();
    const failed = answer.citations.filter((c) => c.status === "not-found" || c.status === "no-paragraph");
    if (failed.length) {
      table.append(el("tr", {}, el("th", {}, "cites"), el("th", {}, "where"), el("th", {}, "quote"), el("th", {}, "nearest match")));
      for (const c of failed) {
        const near = c.near === null ? "—" : `"${c.near}" (${Math.round(100 * c.similarity)}% alike, ¶${c.near_paragraph})`;
        table.append(el("tr", {}, el("td", {}, c.where), el("td", {}, `${c.document}, ${c.locator}`), el("td", {}, `"${c.quote}"`),
          el("td", {}, near)));
      }
    }
    say(`${answer.checked} quotes checked against ${name}: ${answer.checked - answer.failed} found, ${answer.failed} not found`,
      answer.failed ? "error" : "ok", "cite-upload");
  } catch (error) { say(`${file.name}: ${error.message}`, "error", "cite-upload"); }
  event.target.value = "";
}
async function runPanel(event) {
  const files = [...event.target.files];
  if (files.length < 2) { say("choose two or more experts' files", "error", "panel-upload"); return; }
  try {
    const scenarios = [];
    for (const file of files) {
      const form = new FormData();
      form.append("file", file);
      scenarios.push({ data: await api("/api/scenarios/parse", form) });
    }
    const answer = await api("/api/panel", { scenarios, labels: files.map((f) => f.name) });
    state.panel = answer.data;
    $("panel-use").disabled = false;
    const alpha = Object.entries(answer.alpha).map(([kind, a]) => `${kind} ${a === null ? "—" : a.toFixed(2)}`).join("; ");
    $("panel-alpha").textContent = `Krippendorff's alpha (interval; 1 = the same, 0 = chance): ${alpha}`;
    const table = $("panel-table");
    table.replaceChildren(el("tr", {}, el("th", {}, "where they disagree most"),
      ...answer.experts.map((e) => el("th", { class: "num" }, e)), el("th", { class: "num" }, "spread")));
    for (const row of answer.disagreements) {
      table.append(el("tr", {}, el("td", {}, row.input), ...answer.experts.map((e) => el("td", { class: "num" }, fmt(row.values[e]))),
        el("td", { class: "num" }, fmt(row.spread))));
    }
    say(`a panel of ${files.length} experts`, "ok", "panel-upload");
  } catch (error) { say(error.message, "error", "panel-upload"); }
  event.target.value = "";
}

// -- what if ----------------------------------------------------------------------------------------------
function renderWhatIfInputs() {
  const options = [];
  for (const actor of state.data.actors) options.push([`${actor.name}.capability`, valueOf(actor.capability), 0, Math.max(100, 2 * valueOf(actor.capability))]);
  for (const stance of state.data.stances) {
    const issue = state.data.issues.find((i) => i.name === stance.issue);
    if (!issue || valueOf(stance.position) === null) continue;
    const [low, high] = issue.scale || [0, 100];
    options.push([`${stance.actor}.${stance.issue}.position`, valueOf(stance.position), low, high]);
    options.push([`${stance.actor}.${stance.issue}.salience`, valueOf(stance.salience), 0, 100]);
  }
  const select = $("whatif-input");
  select.replaceChildren(...options.map(([key, value, low, high]) =>
    el("option", { value: key, "data-value": value, "data-low": low, "data-high": high }, key)));
  pickWhatIf();
}
function pickWhatIf() {
  const option = $("whatif-input").selectedOptions[0];
  if (!option) return;
  const slider = $("whatif-slider");
  slider.min = option.dataset.low;
  slider.max = option.dataset.high;
  slider.step = (Number(option.dataset.high) - Number(option.dataset.low)) / 100;
  slider.value = option.dataset.value;
  $("whatif-value").textContent = given(option.dataset.value);
}
function whatIfMoved() {
  $("whatif-value").textContent = fmt($("whatif-slider").value);
  clearTimeout(state.whatIfTimer);
  state.whatIfTimer = setTimeout(runWhatIf, 150);
}
async function runWhatIf() {
  const models = chosenModels();
  if (!models.length) return;
  const key = $("whatif-input").value;
  const value = Number($("whatif-slider").value);
  const seq = ++state.whatIfSeq;
  try {
    const ref = scenarioRef();
    const [base, changed] = await Promise.all([
      api("/api/forecast", { scenario: ref, models, store: false }),
      api("/api/forecast", { scenario: ref, models, set: { [key]: value }, store: false }),
    ]);
    if (seq !== state.whatIfSeq) return; // a later move has been asked for
    const before = Object.fromEntries(base.issues.map((issue) => [issue.name, issue.forecasts]));
    forecastTable($("whatif-table"), changed, before);
    $("whatif-table").dataset.input = `${key}=${value}`;
  } catch (error) { say(error.message, "error", "whatif-value"); }
}

// -- the ledger -------------------------------------------------------------------------------------------
const list = (text) => text.split(",").map((part) => part.trim()).filter(Boolean);

async function addEvent() {
  const entry = {
    date: $("event-date").value, kind: $("event-kind").value, title: $("event-title").value,
    actors: list($("event-actors").value), document: $("event-document").value, locator: $("event-locator").value,
    quote: $("event-quote").value, changes: list($("event-changes").value),
  };
  try {
    state.data = await api("/api/ledger/add", { data: cleanData(), entry });
    renderScenario();
    say(`added "${entry.title}" to the ledger`, "ok", "event-add");
  } catch (error) { say(error.message, "error", "event-add"); }
}

async function verifyLedger() {
  try {
    const verdict = await api("/api/ledger/verify", { data: cleanData() });
    if (verdict.ok) say(`the ledger's ${verdict.entries} entries are intact`, "ok", "ledger-verify");
    else say(`ledger entry ${verdict.bad} is bad: ${verdict.reason}`, "error", "ledger-verify");
  } catch (error) { say(error.message, "error", "ledger-verify"); }
}

async function runDrift() {
  try {
    const answer = await api("/api/drift", { scenario: scenarioRef(), model: $("drift-model").value });
    const table = $("drift-table");
    table.replaceChildren(el("tr", {}, el("th", {}, "issue"), el("th", {}, "date"), el("th", {}, "events"),
      el("th", { class: "num" }, "forecast"), el("th", { class: "num" }, "move"), el("th", {}, "put down to")));
    for (const row of answer.rows) {
      if (row.move !== null && Math.abs(row.move) < 0.005) continue; // only the moves, and where each issue starts
      table.append(el("tr", {}, el("td", {}, row.issue), el("td", {}, row.date), el("td", {}, row.events.join("; ")),
        el("td", { class: "num" }, fmt(row.forecast)), el("td", { class: "num" }, row.move === null ? "" : signed(row.move)),
        el("td", {}, row.by.filter(([, move]) => Math.abs(move) >= 0.005).map(([change, move]) => `${change} (${signed(move)})`).join(", "))));
    }
    say(`how the ${$("drift-model").value} forecast moved: ${answer.rows.length} steps`, "ok", "run-drift");
  } catch (error) { say(error.message, "error", "run-drift"); }
}

// -- compare, runs, report --------------------------------------------------------------------------------
function uploadB(event) {
  return parseChosen(event, (data, name) => {
    state.compareB = data;
    $("compare-b").append(el("option", { value: "(uploaded)" }, `uploaded: ${name}`));
    $("compare-b").value = "(uploaded)";
    say(`B is ${name}`, "ok", "compare-upload");
  });
}

async function runCompare() {
  const b = $("compare-b").value === "(uploaded)" ? { data: state.compareB } : { builtin: $("compare-b").value };
  try {
    const answer = await api("/api/diff", { a: scenarioRef(), b, model: $("compare-model").value });
    const table = $("compare-table");
    table.replaceChildren(el("tr", {}, el("th", {}, "issue"), el("th", { class: "num" }, "A"), el("th", { class: "num" }, "B"),
      el("th", { class: "num" }, "shift")));
    for (const row of answer.forecasts) {
      table.append(el("tr", {}, el("td", {}, row.issue), el("td", { class: "num" }, fmt(row.a)),
        el("td", { class: "num" }, fmt(row.b)), el("td", { class: "num" }, signed(row.shift))));
    }
    const differ = answer.inputs.length;
    say(`${differ} ${differ === 1 ? "input differs" : "inputs differ"} between A and B`, "ok", "run-compare");
  } catch (error) { say(error.message, "error", "run-compare"); }
}

async function refreshRuns() {
  try {
    const runs = await api("/api/runs?limit=20");
    const table = $("runs-table");
    table.replaceChildren(el("tr", {}, el("th", {}, "run"), el("th", {}, "started (UTC)"), el("th", {}, "command"),
      el("th", {}, "scenario"), el("th", {}, "models"), el("th", { class: "num" }, "draws"), el("th")));
    for (const run of runs) {
      table.append(el("tr", {}, el("td", {}, run.id), el("td", {}, run.started_at.slice(0, 19).replace("T", " ")),
        el("td", {}, run.command), el("td", {}, run.scenario_name), el("td", {}, run.models.join(", ")),
        el("td", { class: "num" }, run.samples || ""),
        el("td", {}, el("button", { class: "small", onclick: () => reopen(run.id) }, "reopen"))));
    }
  } catch (error) { say(error.message, "error", "refresh-runs"); }
}
async function reopen(id) {
  try {
    const run = await api(`/api/runs/${id}`);
    useScenario(run.scenario);
    say(`reopened the scenario of run ${id}`, "ok", "refresh-runs");
  } catch (error) { say(error.message, "error", "refresh-runs"); }
}

async function downloadReport() {
  const button = $("download-report");
  button.disabled = true;
  const started = Date.now();
  const tick = setInterval(() => say(`writing the report… ${Math.round((Date.now() - started) / 1000)} s`, "busy", "download-report"), 1000);
  say("writing the report… (the models, 100 draws and the charts; about 15 s)", "busy", "download-report");
  try {
    const response = await api("/api/report", { scenario: scenarioRef(), samples: 100 }, { raw: true });
    save(await response.blob(), `${cleanData().name}-report.html`);
    say(`report written in ${Math.round((Date.now() - started) / 1000)} s: ${cleanData().name}-report.html`, "ok", "download-report");
  } catch (error) { say(error.message, "error", "download-report"); } finally {
    clearInterval(tick);
    button.disabled = false;
  }
}

// -- start ------------------------------------------------------------------------------------------------
async function start() {
  const [scenarios, models] = await Promise.all([api("/api/scenarios"), api("/api/models")]);
  state.models = models;
  fill($("builtin"), Object.keys(scenarios));
  fill($("compare-b"), Object.keys(scenarios));
  fill($("compare-model"), Object.keys(models));
  fill($("drift-model"), Object.keys(models));
  $("compare-model").value = "bdm";
  $("compare-b").value = "ukraine-2025";
  $("model-choice").replaceChildren(...Object.entries(models).map(([name, text]) =>
    el("label", { title: text }, el("input", { type: "checkbox", value: name, ...(["mean", "bdm"].includes(name) ? { checked: "" } : {}) }), name)));
  $("load-builtin").addEventListener("click", () => loadBuiltin().catch(fail("load-builtin")));
  $("upload").addEventListener("change", upload);
  $("new-empty").addEventListener("click", newEmpty);
  $("toast-close").addEventListener("click", () => { $("toast").hidden = true; });
  $("add-actor").addEventListener("click", () => { state.data.actors.push({ name: `actor-${state.data.actors.length + 1}`, capability: 50 }); renderScenario(); });
  $("add-issue").addEventListener("click", () => { state.data.issues.push({ name: `issue-${state.data.issues.length + 1}`, question: "", low: "", high: "" }); renderScenario(); });
  $("download-yaml").addEventListener("click", () => download("yaml"));
  $("download-xlsx").addEventListener("click", () => download("xlsx"));
  $("run").addEventListener("click", runModels);
  $("rounds-model").addEventListener("change", showRounds);
  $("rounds-issue").addEventListener("change", showRounds);
  $("run-sensitivity").addEventListener("click", runSensitivity);
  $("run-explain").addEventListener("click", runExplain);
  $("run-advice").addEventListener("click", runAdvice);
  $("run-power").addEventListener("click", runPower);
  $("cite-upload").addEventListener("change", checkCitations);
  $("panel-upload").addEventListener("change", runPanel);
  $("panel-use").addEventListener("click", () => {
    useScenario(state.panel);
    say("the panel's scenario is loaded", "ok", "panel-use");
  });
  $("whatif-input").addEventListener("change", pickWhatIf);
  $("whatif-slider").addEventListener("input", whatIfMoved);
  $("run-compare").addEventListener("click", runCompare);
  $("compare-upload").addEventListener("change", uploadB);
  $("event-add").addEventListener("click", addEvent);
  $("ledger-verify").addEventListener("click", verifyLedger);
  $("run-drift").addEventListener("click", runDrift);
  $("refresh-runs").addEventListener("click", refreshRuns);
  $("download-report").addEventListener("click", downloadReport);
  $("builtin").value = "ukraine-2025";
  await loadBuiltin();
  refreshRuns();
}

document.addEventListener("DOMContentLoaded", () => start().catch((error) => say(error.message, "error")));
