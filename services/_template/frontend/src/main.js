// Calls the backend's example route through the relative /api path: replace with your own.
const form = document.getElementById("form");
const errorBox = document.getElementById("error");
const result = document.getElementById("result");

async function getJson(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : response.statusText);
  return body;
}

async function ask(event) {
  event?.preventDefault();
  errorBox.textContent = "";
  try {
    const name = document.getElementById("name").value;
    const body = await getJson(`/api/v1/hello?name=${encodeURIComponent(name)}`);
    result.textContent = body.message;
  } catch (err) {
    errorBox.textContent = `Could not reach the backend: ${err.message}`;
  }
}

form.addEventListener("submit", ask);
ask();
