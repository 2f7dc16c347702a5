// The operator console (placeholder until the screens land): reads the per-start token from the page and calls
// the relay's management API through this server's /console/api prefix.
const token = document.querySelector('meta[name="relay-console-token"]').content;
document.getElementById('target').textContent = document.querySelector('meta[name="relay-console-target"]').content;

export async function api(method, path, body) {
  const response = await fetch('/console/api' + path, {
    method,
    headers: Object.assign({ 'X-Relay-Console-Token': token },
      body === undefined ? {} : { 'Content-Type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const main = document.getElementById('main');
api('GET', '/api/v1/queues').then(({ body }) => {
  main.textContent = JSON.stringify(body, null, 2);
});
