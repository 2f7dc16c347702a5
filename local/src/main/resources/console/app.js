// The operator console: a hash-routed page (#/events?type=job.created, #/events/<id>, #/subscriptions/<id>, ...)
// that calls the relay's management API through this server's /console/api prefix with the per-start token the
// page carries in a meta tag. No build step: plain ES modules, served by the relay itself.
import { h, errorBox, clearStaleNotice } from './ui.js';
import * as screens from './screens.js';

const token = document.querySelector('meta[name="relay-console-token"]').content;

/** A failed call: the relay's {"success":false,"error":{"code","message"}} (or one made up for a network error). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the relay's API: resolves to the JSON body of a 2xx answer, rejects with an ApiError carrying the relay's
 * error code and message otherwise.
 */
export async function api(method, path, body) {
  let response;
  try {
    response = await fetch('/console/api' + path, {
      method,
      headers: Object.assign({ 'X-Relay-Console-Token': token },
        body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'CONSOLE_UNREACHABLE', 'The console server did not answer (is ./relay still running?)');
  }
  let json = null;
  try {
    json = await response.json();
  } catch (e) {
    // not JSON: handled below
  }
  if (!response.ok || !json || json.success === false) {
    const error = (json && json.error) || {};
    throw new ApiError(response.status, error.code || 'HTTP_' + response.status,
      error.message || 'The relay answered ' + response.status + ' without an error body');
  }
  return json;
}

const ROUTES = [
  [/^\/?$/, screens.overview, 'overview'],
  [/^\/overview$/, screens.overview, 'overview'],
  [/^\/events$/, screens.events, 'events'],
  [/^\/events\/([^/]+)$/, screens.eventDetail, 'events'],
  [/^\/subscriptions$/, screens.subscriptions, 'subscriptions'],
  [/^\/subscriptions\/new$/, screens.newSubscription, 'subscriptions'],
  [/^\/subscriptions\/([^/]+)$/, screens.subscriptionDetail, 'subscriptions'],
  [/^\/dlq$/, screens.deadLetters, 'dlq'],
  [/^\/audit$/, screens.audit, 'audit'],
];

const main = document.getElementById('main');
let renderId = 0;

/** The current hash as {path, query}. */
export function currentRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const at = hash.indexOf('?');
  return {
    path: at < 0 ? hash : hash.slice(0, at),
    query: new URLSearchParams(at < 0 ? '' : hash.slice(at + 1)),
  };
}

/** A hash link for path and query parameters (empty values left out). */
export function link(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== '') {
      query.set(name, value);
    }
  }
  const text = query.toString();
  return '#' + path + (text ? '?' + text : '');
}

/** Re-renders the current route (after an action changed what it shows). */
export function refresh() {
  render();
}

/** Whether the render that started as `id` is still the current one (the operator may have moved on). */
export function current(id) {
  return id === renderId;
}

async function render() {
  const id = ++renderId;
  const { path, query } = currentRoute();
  let screen = null;
  let section = null;
  let params = [];
  for (const [pattern, fn, name] of ROUTES) {
    const match = path.match(pattern);
    if (match) {
      screen = fn;
      section = name;
      params = match.slice(1).map(decodeURIComponent);
      break;
    }
  }
  for (const a of document.querySelectorAll('nav.sections a')) {
    if (a.dataset.section === section) {
      a.setAttribute('aria-current', 'page');
    } else {
      a.removeAttribute('aria-current');
    }
  }
  if (!screen) {
    main.replaceChildren(h('h2', {}, 'Not found'),
      h('p', {}, 'No console page at ', h('code', {}, location.hash), '. Pick a section above.'));
    return;
  }
  main.setAttribute('aria-busy', 'true');
  try {
    const content = await screen({ params, query, id });
    if (current(id)) {
      main.replaceChildren(...[content].flat(Infinity).filter((node) => node !== null && node !== undefined
        && node !== false));
    }
  } catch (e) {
    if (current(id)) {
      const back = document.querySelector('nav.sections a[data-section="' + (section || 'overview') + '"]');
      main.replaceChildren(h('h2', {}, 'Could not show this page'),
        errorBox(e instanceof ApiError ? e : { code: 'CONSOLE_ERROR', message: String(e) }),
        h('p', {}, 'Check the address, or go back to ', h('a', { href: back ? back.getAttribute('href') : '#/' },
          back ? back.textContent : 'the overview'), '.'));
    }
  } finally {
    if (current(id)) {
      main.removeAttribute('aria-busy');
      document.title = (main.querySelector('h2')?.textContent || 'Console') + ' — AlgoHire Webhook Relay';
    }
  }
}

let lastPath = null;
window.addEventListener('hashchange', () => {
  const { path } = currentRoute();
  const moved = path !== lastPath;
  lastPath = path;
  if (moved) {
    clearStaleNotice();
  }
  render().then(() => {
    if (moved) {
      main.focus({ preventScroll: false });
    }
  });
});

// Keyboard: "/" jumps to the page's search field; g then o/e/s/d/a opens a section.
let pendingG = false;
document.addEventListener('keydown', (event) => {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey
      || (target instanceof HTMLElement && target.closest('input, textarea, select, [contenteditable]'))) {
    return;
  }
  if (event.key === '/') {
    const search = main.querySelector('input[type="search"], input');
    if (search) {
      event.preventDefault();
      search.focus();
    }
    return;
  }
  if (pendingG) {
    pendingG = false;
    const to = { o: '#/', e: '#/events', s: '#/subscriptions', d: '#/dlq', a: '#/audit' }[event.key];
    if (to) {
      event.preventDefault();
      location.hash = to;
    }
    return;
  }
  if (event.key === 'g') {
    pendingG = true;
    setTimeout(() => { pendingG = false; }, 1500);
  }
});

document.getElementById('target').textContent =
  document.querySelector('meta[name="relay-console-target"]').content;
lastPath = currentRoute().path;
render();
