// Lists states, then shows the chosen state's crop calendar (relative /api paths).
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const stateSelect = document.getElementById("state");
const seasonSelect = document.getElementById("season");
const monthSelect = document.getElementById("month");
const errorBox = document.getElementById("error");
const result = document.getElementById("result");
let states = [];
// Answers can arrive out of order when filters change quickly: only the latest is shown.
let latest = 0;

async function getJson(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : response.statusText);
  return body;
}

function cell(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

// Windows may run over the year end (Nov–Jan); the API spells out their months.
function span(win) {
  return win.start === win.end ? MONTHS[win.start - 1] : `${MONTHS[win.start - 1]}–${MONTHS[win.end - 1]}`;
}

function seasonOptions() {
  const state = states.find((s) => s.state === stateSelect.value);
  const previous = seasonSelect.value;
  seasonSelect.replaceChildren(new Option("All seasons", ""));
  for (const season of state ? state.seasons : []) seasonSelect.append(new Option(season, season));
  // Keep the season when the new state has it, so switching states compares like with like.
  seasonSelect.value = state && state.seasons.includes(previous) ? previous : "";
}

function table(calendar) {
  const chosen = calendar.month;
  const tableEl = document.createElement("table");
  const head = document.createElement("tr");
  head.append(cell("th", "Crop"), cell("th", "Season"), cell("th", "Sowing"), cell("th", "Harvest"));
  MONTHS.forEach((name, i) => head.append(cell("th", name[0], i + 1 === chosen ? "m chosen" : "m")));
  head.append(cell("th", "Note"));
  tableEl.append(head);
  for (const crop of calendar.crops) {
    const tr = document.createElement("tr");
    tr.append(cell("td", crop.crop), cell("td", crop.season), cell("td", span(crop.sowing)), cell("td", span(crop.harvest)));
    for (let month = 1; month <= 12; month += 1) {
      if (crop.sowing.months.includes(month)) tr.append(cell("td", "S", "m sow"));
      else if (crop.harvest.months.includes(month)) tr.append(cell("td", "H", "m harvest"));
      else tr.append(cell("td", "", "m"));
    }
    tr.append(cell("td", crop.note ?? ""));
    tableEl.append(tr);
  }
  return tableEl;
}

async function show() {
  const request = ++latest;
  errorBox.textContent = "";
  result.replaceChildren();
  if (!stateSelect.value) return;
  const params = new URLSearchParams();
  if (seasonSelect.value) params.set("season", seasonSelect.value);
  if (monthSelect.value) params.set("month", monthSelect.value);
  const query = params.toString() ? `?${params}` : "";
  try {
    const calendar = await getJson(`/api/v1/crop-calendar/${encodeURIComponent(stateSelect.value)}${query}`);
    if (request !== latest) return;
    const title = [calendar.name, calendar.season, calendar.month ? `in ${MONTHS[calendar.month - 1]}` : ""];
    result.append(cell("h2", title.filter(Boolean).join(" · ")));
    result.append(calendar.crops.length ? table(calendar) : cell("p", "No crops are sown or harvested then."));
  } catch (err) {
    if (request !== latest) return;
    errorBox.textContent = `Could not load the calendar: ${err.message}`;
  }
}

async function init() {
  MONTHS.forEach((name, i) => monthSelect.append(new Option(name, String(i + 1))));
  try {
    states = await getJson("/api/v1/states");
    stateSelect.replaceChildren(new Option("Choose a state", ""));
    for (const s of states) stateSelect.append(new Option(s.name, s.state));
  } catch (err) {
    errorBox.textContent = `Could not load states: ${err.message}`;
  }
}

stateSelect.addEventListener("change", () => {
  seasonOptions();
  show();
});
seasonSelect.addEventListener("change", show);
monthSelect.addEventListener("change", show);
init();
