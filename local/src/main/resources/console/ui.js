// DOM and formatting helpers for the console. Every element is built with createElement and every piece of data
// goes in as text (never innerHTML), so nothing the relay returns can become markup.

/** h('a.button', {href: '#/x'}, 'text', child, ...): an element with classes, properties/attributes and children. */
export function h(spec, props, ...children) {
  const [tag, ...classes] = spec.split('.');
  const element = document.createElement(tag || 'div');
  if (classes.length) {
    element.className = classes.join(' ');
  }
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name in element) {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(element, child);
    } else if (child instanceof Node) {
      element.appendChild(child);
    } else {
      element.appendChild(document.createTextNode(String(child)));
    }
  }
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60],
  ['second', 1]];

/** "3 minutes ago" / "in 20 seconds" for an ISO time. */
export function ago(iso, now = Date.now()) {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (Number.isNaN(seconds)) {
    return '';
  }
  if (Math.abs(seconds) < 5) {
    return 'just now';
  }
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return '';
}

/** A <time> with the ISO instant and, beside it, the relative time (the full value in its title). */
export function time(iso) {
  if (!iso) {
    return h('span.muted', {}, '—');
  }
  // To the second: the full value (nanoseconds for some fields) is in the title.
  const short = String(iso).replace(/(T\d\d:\d\d:\d\d)\.\d+/, '$1');
  return h('time', { datetime: iso, title: iso }, h('span.iso', {}, short), ' ',
    h('span.ago', {}, '(' + ago(iso) + ')'));
}

/** A coloured label for a state (healthy, failing, delivered, dead_lettered, ...). */
export function badge(state) {
  const text = String(state ?? 'unknown').toLowerCase();
  return h('span.badge.state-' + text.replace(/[^a-z_]/g, ''), {}, text.replace(/_/g, ' '));
}

export function percent(rate) {
  return rate === null || rate === undefined ? '—' : (Math.round(rate * 1000) / 10) + ' %';
}

/** A definition list from [label, value] pairs (values may be nodes); pairs whose value is undefined are left out. */
export function facts(pairs) {
  return h('dl.facts', {}, pairs.filter(([, value]) => value !== undefined).map(([label, value]) =>
    [h('dt', {}, label), h('dd', {}, value === null || value === '' ? h('span.muted', {}, '—') : value)]));
}

/** A table: columns [{title, cell: row => node|string, className}], rows, and what to show when there are none. */
export function table(columns, rows, empty, props) {
  if (!rows.length) {
    return h('div.empty', {}, empty);
  }
  return h('div.table-wrap', {}, h('table', props || {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', className: c.className }, c.title)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', c.className ? { className: c.className } : {},
      c.cell(row))))))));
}

/** The relay's error as a person reads it: its code and message. */
export function errorBox(error) {
  return h('div.error', { role: 'alert' }, h('strong.code', {}, error.code || 'ERROR'), ' ', error.message || '');
}

/** A short-lived note at the top of the page (success of an action). */
let noticeAt = 0;

export function notice(text) {
  noticeAt = Date.now();
  const area = document.getElementById('notices');
  const node = h('div.notice', { role: 'status' }, text);
  area.replaceChildren(node);
  setTimeout(() => node.remove(), 8000);
}

/** A copy button for `text`; says "Copied" for a moment. */
export function copyButton(text, label = 'Copy') {
  const button = h('button.secondary', { type: 'button' }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(typeof text === 'function' ? text() : text);
      button.textContent = 'Copied';
    } catch (e) {
      button.textContent = 'Select and copy by hand';
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
  return button;
}

/** datetime-local input value (local time) to an ISO instant, or '' when empty. */
export function isoFromLocal(value) {
  return value ? new Date(value).toISOString() : '';
}

/** An ISO instant to a datetime-local value in local time. */
export function localFromIso(iso) {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  const pad = (n) => String(n).padStart(2, '0');
  return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + 'T' + pad(date.getHours())
    + ':' + pad(date.getMinutes());
}

/** Single-quotes a string for a POSIX shell. */
export function shellQuote(text) {
  return "'" + String(text).replace(/'/g, "'\\''") + "'";
}

/** Clears a notice left from an earlier page (one set just before a navigation stays, e.g. "Deleted ..."). */
export function clearStaleNotice() {
  if (Date.now() - noticeAt > 500) {
    document.getElementById('notices').replaceChildren();
  }
}
