// Posts the sequence to the backend (relative /api path: the dev proxy or Traefik routes it).
const form = document.getElementById("form");
const errorBox = document.getElementById("error");
const result = document.getElementById("result");

function row(label, value) {
  const tr = document.createElement("tr");
  const th = document.createElement("th");
  const td = document.createElement("td");
  th.textContent = label;
  td.textContent = value;
  tr.append(th, td);
  return tr;
}

function render(data) {
  const table = document.createElement("table");
  table.append(
    row("Length (residues)", data.length),
    row("Molecular weight (Da)", data.molecular_weight_da.toFixed(2)),
    row("Isoelectric point", data.isoelectric_point.toFixed(2)),
    row("GRAVY", data.gravy.toFixed(3)),
    row("Instability index", `${data.instability_index.toFixed(2)} (${data.is_stable ? "stable" : "unstable"})`),
    row("Aromaticity", data.aromaticity.toFixed(3)),
  );
  const composition = Object.entries(data.amino_acid_percent)
    .filter(([, pct]) => pct > 0)
    .map(([aa, pct]) => `${aa} ${pct.toFixed(1)}%`)
    .join(", ");
  table.append(row("Composition", composition));
  result.replaceChildren(table);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.textContent = "";
  result.replaceChildren();
  try {
    const response = await fetch("/api/v1/protein/analyze", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sequence: document.getElementById("sequence").value }),
    });
    const body = await response.json();
    if (!response.ok) {
      errorBox.textContent = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
      return;
    }
    render(body);
  } catch (err) {
    errorBox.textContent = `Request failed: ${err}`;
  }
});
