// Lists commodities, then shows the MSP history of the chosen one (relative /api paths).
const select = document.getElementById("crop");
const errorBox = document.getElementById("error");
const result = document.getElementById("result");

async function getJson(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : response.statusText);
  return body;
}

function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

async function showCrop(slug) {
  errorBox.textContent = "";
  result.replaceChildren();
  if (!slug) return;
  try {
    const [history, changes] = await Promise.all([
      getJson(`/api/v1/msp/${encodeURIComponent(slug)}`),
      getJson(`/api/v1/msp/${encodeURIComponent(slug)}/changes`),
    ]);
    const changeByYear = Object.fromEntries(changes.changes.map((c) => [c.to_year, c]));
    const table = document.createElement("table");
    const head = document.createElement("tr");
    head.append(cell("th", "Marketing year"), cell("th", "MSP (Rs/qtl)"), cell("th", "Change"));
    table.append(head);
    for (const price of history.prices) {
      const tr = document.createElement("tr");
      const change = changeByYear[price.marketing_year];
      const changeText = change ? `${change.change_rs >= 0 ? "+" : ""}${change.change_rs} (${change.change_pct}%)` : "";
      tr.append(cell("td", price.marketing_year), cell("td", price.rs_per_quintal), cell("td", changeText));
      table.append(tr);
    }
    result.append(cell("h2", `${history.name} (${history.season})`), table);
  } catch (err) {
    errorBox.textContent = `Could not load MSP: ${err.message}`;
  }
}

async function init() {
  try {
    const commodities = await getJson("/api/v1/commodities");
    select.replaceChildren(new Option("Choose a crop", ""));
    for (const c of commodities) select.append(new Option(`${c.name} (${c.season})`, c.commodity));
  } catch (err) {
    errorBox.textContent = `Could not load crops: ${err.message}`;
  }
}

select.addEventListener("change", () => showCrop(select.value));
init();
