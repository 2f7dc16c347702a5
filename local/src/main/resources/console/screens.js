// The console's screens. Each takes {params, query, id} and returns the nodes of its page; actions call the API,
// say what happened, and re-render. Fields the relay may not answer yet (delivery states, stats, redrive progress,
// queue ages) are shown when present and left out otherwise.
import { api, ApiError, link, refresh, current, currentRoute } from './app.js';
import {
  h, time, badge, percent, facts, table, errorBox, notice, copyButton, isoFromLocal, localFromIso, shellQuote,
} from './ui.js';

const PAGE_SIZE = 25;
const WINDOWS = [['1h', 3600], ['24h', 86400], ['7d', 604800], ['30d', 2592000]];
const TROUBLE_ORDER = { failing: 0, disabled: 1, degraded: 2, paused: 3 };

/** Runs an action from a button: disables it meanwhile, shows the relay's error beside it if it fails. */
function action(label, run, className = 'secondary') {
  const button = h('button.' + className, { type: 'button' }, label);
  const error = h('span.inline-error', { role: 'alert' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    error.replaceChildren();
    try {
      await run(button);
    } catch (e) {
      error.replaceChildren(errorBox(e instanceof ApiError ? e : { code: 'CONSOLE_ERROR', message: String(e) }));
    } finally {
      button.disabled = false;
    }
  });
  return [button, error];
}

/** The result of an optional call: its body, or the ApiError (shown where the data would be). */
async function attempt(promise) {
  try {
    return await promise;
  } catch (e) {
    if (e instanceof ApiError) {
      return e;
    }
    throw e;
  }
}

function pager(path, query, nextCursor) {
  const params = Object.fromEntries(query.entries());
  delete params.cursor;
  return h('nav.pager', { 'aria-label': 'Pages' },
    query.get('cursor') ? h('a.button.secondary', { href: link(path, params) }, '« First page') : null,
    nextCursor ? h('a.button.secondary', { href: link(path, { ...params, cursor: nextCursor }), rel: 'next' },
      'Next page »') : null);
}

function field(label, input, hint) {
  const id = 'f-' + label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  input.id = id;
  return h('div.field', {}, h('label', { htmlFor: id }, label), input, hint ? h('small.muted', {}, hint) : null);
}

// ---------------------------------------------------------------------------------------------------- Overview

export async function overview({ query }) {
  const windowName = WINDOWS.some(([name]) => name === query.get('window')) ? query.get('window') : '24h';
  const seconds = WINDOWS.find(([name]) => name === windowName)[1];
  const to = new Date();
  const from = new Date(to.getTime() - seconds * 1000);
  const [stats, subscriptions, queues] = await Promise.all([
    attempt(api('GET', '/api/v1/stats?from=' + encodeURIComponent(from.toISOString()) + '&to='
      + encodeURIComponent(to.toISOString()))),
    attempt(api('GET', '/api/v1/subscriptions?limit=100')),
    attempt(api('GET', '/api/v1/queues')),
  ]);

  const windowPicker = h('nav.tabs', { 'aria-label': 'Window' }, 'Window: ', WINDOWS.map(([name]) =>
    h('a', { href: link('/', { window: name }), 'aria-current': name === windowName ? 'true' : null }, name)));

  let statsBlock;
  if (stats instanceof ApiError) {
    const missing = stats.code === 'MISSING_AUTHENTICATION_TOKEN' || stats.code === 'ROUTE_NOT_FOUND';
    statsBlock = h('div.panel', {}, h('p', {}, missing
      ? 'Delivery counts need GET /api/v1/stats, which this relay does not serve yet (update the relay). The relay '
        + 'answered:' : 'Delivery counts could not be read:'), errorBox(stats));
  } else {
    const tile = (label, value, className) => h('div.tile' + (className ? '.' + className : ''), {},
      h('div.value', {}, value === undefined || value === null ? '—' : String(value)), h('div.label', {}, label));
    statsBlock = h('div.tiles', {},
      tile('accepted', stats.accepted), tile('delivered', stats.delivered, 'good'),
      tile('failed attempts', stats.failedAttempts, stats.failedAttempts ? 'warn' : null),
      tile('retries', stats.retries), tile('dead-lettered', stats.deadLettered, stats.deadLettered ? 'bad' : null),
      tile('rejected', stats.rejected), tile('duplicates', stats.duplicates),
      tile('delivery success rate', percent(stats.successRate)));
  }

  let troubleBlock;
  if (subscriptions instanceof ApiError) {
    troubleBlock = errorBox(subscriptions);
  } else {
    const trouble = subscriptions.subscriptions.filter((s) => s.state !== 'healthy')
      .sort((a, b) => (TROUBLE_ORDER[a.state] ?? 9) - (TROUBLE_ORDER[b.state] ?? 9));
    troubleBlock = table(subscriptionColumns(), trouble, subscriptions.subscriptions.length
      ? ['All ', String(subscriptions.subscriptions.length), ' subscriptions are healthy. ',
        h('a', { href: '#/subscriptions' }, 'See them all'), '.']
      : ['No subscriptions yet. ', h('a', { href: '#/subscriptions/new' }, 'Create one'),
        ' to start delivering events.'], { className: 'trouble' });
  }

  return [
    h('div.heading', {}, h('h2', {}, 'Overview'), windowPicker),
    h('section', {}, h('h3', {}, 'Last ', windowName, h('span.muted.small', {}, ' (', from.toISOString(), ' to ',
      to.toISOString(), ')')), statsBlock),
    h('section', {}, h('h3', {}, 'Subscriptions in trouble'), troubleBlock),
    h('section', {}, h('h3', {}, 'Delivery queues'), queues instanceof ApiError ? errorBox(queues)
      : table([
        { title: 'queue', cell: (q) => h('strong', {}, q.name === 'dlq' ? 'dead letters' : q.name + ' lane') },
        { title: 'waiting', cell: (q) => String(q.waiting), className: 'num' },
        { title: 'in flight', cell: (q) => String(q.inFlight), className: 'num' },
        { title: 'delayed (retries)', cell: (q) => String(q.delayed), className: 'num' },
        { title: 'oldest message', cell: (q) => q.oldestAgeSeconds === undefined || q.oldestAgeSeconds === null
          ? h('span.muted', {}, 'unknown') : q.oldestAgeSeconds + ' s', className: 'num' },
      ], queues.queues, 'No queues reported.')),
  ];
}

// ---------------------------------------------------------------------------------------------------- Events

export async function events({ query }) {
  const key = query.get('key') || '';
  const type = query.get('type') || '';
  const from = query.get('from') || '';
  const to = query.get('to') || '';
  let path;
  if (key) {
    path = '/api/v1/events?idempotencyKey=' + encodeURIComponent(key);
  } else {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const [name, value] of [['eventType', type], ['from', from], ['to', to], ['cursor', query.get('cursor')]]) {
      if (value) {
        params.set(name, value);
      }
    }
    path = '/api/v1/events?' + params;
  }
  const page = await attempt(api('GET', path));

  const typeInput = h('input', { name: 'type', value: type, placeholder: 'job.created', autocomplete: 'off' });
  const fromInput = h('input', { type: 'datetime-local', name: 'from', value: localFromIso(from) });
  const toInput = h('input', { type: 'datetime-local', name: 'to', value: localFromIso(to) });
  const filter = h('form.filters', { role: 'search', 'aria-label': 'Filter events' },
    field('Event type', typeInput), field('From', fromInput), field('To', toInput),
    h('div.field.submit', {}, h('button', { type: 'submit' }, 'Filter'),
      (type || from || to) ? h('a.button.secondary', { href: '#/events' }, 'Clear') : null));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = link('/events', { type: typeInput.value.trim(), from: isoFromLocal(fromInput.value),
      to: isoFromLocal(toInput.value) });
  });

  const idInput = h('input', { type: 'search', name: 'id', placeholder: 'event id', autocomplete: 'off' });
  const keyInput = h('input', { type: 'search', name: 'key', value: key, placeholder: 'idempotency key',
    autocomplete: 'off' });
  const byId = h('form.filters', { role: 'search', 'aria-label': 'Find an event by id' },
    field('Event id', idInput), h('div.field.submit', {}, h('button.secondary', { type: 'submit' }, 'Open')));
  byId.addEventListener('submit', (e) => {
    e.preventDefault();
    if (idInput.value.trim()) {
      location.hash = link('/events/' + encodeURIComponent(idInput.value.trim()));
    }
  });
  const byKey = h('form.filters', { role: 'search', 'aria-label': 'Find an event by idempotency key' },
    field('Idempotency key', keyInput), h('div.field.submit', {}, h('button.secondary', { type: 'submit' }, 'Find'),
      key ? h('a.button.secondary', { href: '#/events' }, 'Clear') : null));
  byKey.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = link('/events', { key: keyInput.value.trim() });
  });

  let results;
  if (page instanceof ApiError) {
    results = errorBox(page);
  } else {
    const empty = key
      ? ['No event has the idempotency key ', h('code', {}, key), '. Keys are remembered for the retention period; ',
        'check the exact spelling (it is case-sensitive).']
      : (type || from || to)
        ? ['No events match these filters. Widen the time range or ', h('a', { href: '#/events' }, 'clear the filters'),
          '.']
        : ['No events yet. Send one with POST /api/v1/events (the start-up banner prints a curl that works as pasted).'];
    results = [
      key ? h('p', {}, 'Looked up by idempotency key ', h('code', {}, key), ':') : null,
      table([
        { title: 'event', cell: (e) => h('a.mono', { href: '#/events/' + encodeURIComponent(e.id) }, e.id) },
        { title: 'type', cell: (e) => h('a', { href: link('/events', { type: e.eventType }) }, e.eventType) },
        { title: 'idempotency key', cell: (e) => h('span.mono', {}, e.idempotencyKey) },
        { title: 'received', cell: (e) => time(e.receivedAt) },
        { title: 'delivery', cell: (e) => deliverySummary(e.delivery) },
      ], page.events, empty, { className: 'events' }),
      page.nextCursor || query.get('cursor') ? pager('/events', query, page.nextCursor) : null,
      page.nextCursor && !page.events.length ? h('p.muted', {}, 'This page came back empty because the range holds '
        + 'a long stretch without events; the next page goes on reading.') : null,
    ];
  }
  return [h('h2', {}, 'Events'), h('div.search-row', {}, byId, byKey), filter, results];
}

function deliverySummary(delivery) {
  if (!delivery) {
    return h('span.muted', {}, 'see detail');
  }
  const counts = delivery.subscriptions ? ' ' + delivery.delivered + '/' + delivery.subscriptions : '';
  return h('span', {}, badge(delivery.state), h('span.muted', {}, counts));
}

// ---------------------------------------------------------------------------------------------------- Event detail

export async function eventDetail({ params }) {
  const [eventId] = params;
  const { event } = await api('GET', '/api/v1/events/' + encodeURIComponent(eventId));
  const subscriptions = await attempt(api('GET', '/api/v1/subscriptions?limit=100'));
  const byId = new Map(subscriptions instanceof ApiError ? [] : subscriptions.subscriptions
    .map((s) => [s.subscriptionId, s]));

  const payloadText = JSON.stringify(event.payload, null, 2);
  const payload = h('details.payload', { open: payloadText.length <= 4000 },
    h('summary', {}, 'Payload (' + payloadText.length + ' characters' + (payloadText.length > 4000
      ? ', collapsed: open to read' : '') + ')'),
    h('pre', {}, payloadText), copyButton(payloadText, 'Copy payload'));

  const logs = event.deliveryLogs || [];
  const groups = new Map();
  for (const entry of event.deliveries || []) {
    groups.set(entry.subscriptionId, { state: entry, attempts: [] });
  }
  for (const log of logs) {
    if (!groups.has(log.subscriptionId)) {
      groups.set(log.subscriptionId, { state: null, attempts: [] });
    }
    groups.get(log.subscriptionId).attempts.push(log);
  }

  const replayAll = action('Replay to all subscriptions', async () => {
    const answer = await api('POST', '/api/v1/events/' + encodeURIComponent(event.id) + '/replay');
    notice('Replay queued (replay ' + answer.replayId + '). New attempts appear below in a few seconds.');
    setTimeout(refresh, 1500);
  });

  const sections = [...groups.entries()].map(([subscriptionId, group]) =>
    deliveryGroup(event, subscriptionId, group, byId.get(subscriptionId)));

  return [
    h('div.heading', {}, h('h2', {}, 'Event ', h('span.mono', {}, event.id)),
      h('div.actions', {}, replayAll, h('button.secondary', { type: 'button', onclick: refresh }, 'Refresh'))),
    facts([
      ['type', h('a', { href: link('/events', { type: event.eventType }) }, event.eventType)],
      ['idempotency key', h('span.mono', {}, event.idempotencyKey)],
      ['received', time(event.receivedAt)],
      ['delivery', event.delivery ? deliverySummary(event.delivery) : undefined],
    ]),
    payload,
    h('h3', {}, 'Deliveries'),
    sections.length ? sections : h('div.empty', {}, event.delivery && event.delivery.state === 'no_subscribers'
      ? ['No subscription matched ', h('code', {}, event.eventType), ' when it arrived. ',
        h('a', { href: '#/subscriptions/new' }, 'Create a subscription'), ' for it, then replay.']
      : ['No delivery attempt yet. Attempts appear here within seconds of the event arriving; ',
        h('button.link', { type: 'button', onclick: refresh }, 'refresh'), '. If none come, no active ',
        'subscription matches ', h('code', {}, event.eventType), ': ',
        h('a', { href: '#/subscriptions' }, 'check the subscriptions'), '.']),
  ];
}

function deliveryGroup(event, subscriptionId, group, subscription) {
  const attempts = group.attempts.slice().sort((a, b) => String(a.attemptedAt).localeCompare(String(b.attemptedAt)));
  const last = attempts[attempts.length - 1];
  const webhookIds = [...new Set(attempts.map((a) => a.webhookId).concat(group.state ? [group.state.webhookId] : [])
    .filter(Boolean))];
  const url = (last && last.url) || (subscription && subscription.url) || '';
  const replayOne = action('Replay to this subscription', async () => {
    const answer = await api('POST', '/api/v1/events/' + encodeURIComponent(event.id) + '/replay',
      { subscriptionId });
    notice('Replay queued for this subscription (webhook-id ' + answer.webhookId + ').');
    setTimeout(refresh, 1500);
  });
  const curl = curlFor(event, url, webhookIds[webhookIds.length - 1] || '');
  return h('section.delivery', { dataset: { subscription: subscriptionId } },
    h('div.heading', {},
      h('h4', {}, 'To ', h('a.mono', { href: '#/subscriptions/' + encodeURIComponent(subscriptionId) },
        subscription && subscription.description ? subscription.description : subscriptionId), ' ',
      group.state ? badge(group.state.state) : (last ? badge(last.outcome) : null)),
      h('div.actions', {}, replayOne)),
    facts([
      ['subscription', h('span.mono', {}, subscriptionId)],
      ['url', h('span.mono', {}, url)],
      ['webhook-id', webhookIds.length ? webhookIds.map((id) => h('div.mono', {}, id)) : null],
    ]),
    table([
      { title: '#', cell: (a) => a.webhookId && attempts.length && a.webhookId !== attempts[0].webhookId
        ? [String(a.attempt), h('div.small.muted', {}, 'replay')] : String(a.attempt), className: 'num' },
      { title: 'time', cell: (a) => time(a.attemptedAt) },
      { title: 'status', cell: (a) => a.statusCode ? h('span.status.s' + String(a.statusCode)[0] + 'xx', {},
        String(a.statusCode)) : h('span.muted', {}, 'none') },
      { title: 'latency', cell: (a) => a.latencyMs + ' ms', className: 'num' },
      { title: 'outcome', cell: (a) => badge(a.outcome) },
      { title: 'error', cell: (a) => a.errorKind || '' },
      { title: 'response', cell: (a) => a.responseBody ? h('details', {}, h('summary', {},
        a.responseBody.length > 40 ? a.responseBody.slice(0, 40) + '…' : a.responseBody), h('pre', {}, a.responseBody))
        : h('span.muted', {}, '—') },
      { title: 'headers sent', cell: (a) => a.webhookSignature
        ? h('details.headers', {}, h('summary.mono.small', {}, a.webhookId),
          h('pre.mono.small', {}, 'webhook-id: ' + a.webhookId + '\nwebhook-timestamp: ' + a.webhookTimestamp
            + '\nwebhook-signature: ' + a.webhookSignature))
        : h('span.mono.small', {}, a.webhookId) },
    ], attempts, 'No attempt recorded yet for this subscription (it may be held: paused, disabled or its breaker '
      + 'open).', { className: 'attempts' }),
    h('details.curl', {}, h('summary', {}, 'Copy as curl'),
      h('p.muted', {}, 'Re-sends this webhook\'s body to the subscription URL with the webhook-id it was sent '
        + 'under. Each attempt\'s exact signing headers are in its row ("headers sent"), but a receiver refuses a '
        + 'webhook-timestamp older than its tolerance (Standard Webhooks: 5 minutes), so the script signs afresh '
        + '(v1 = base64 HMAC-SHA256 of "<webhook-id>.<timestamp>.<body>" keyed by the secret\'s base64 part). Run it '
        + 'with SECRET=whsec_… set.'),
      h('pre.mono', {}, curl), copyButton(curl, 'Copy curl')));
}

/**
 * A shell script that re-sends the webhook as the relay does. The headers as sent are in the attempt rows, but
 * their timestamp is too old for a receiver by now: the script signs afresh with the subscription's secret, which
 * the operator supplies (the relay never shows it again).
 */
function curlFor(event, url, webhookId) {
  const body = '{"id":' + JSON.stringify(event.id) + ',"type":' + JSON.stringify(event.eventType) + ',"timestamp":'
    + JSON.stringify(event.receivedAt) + ',"data":' + JSON.stringify(event.payload) + '}';
  return [
    '# SECRET: the subscription\'s whsec_ signing secret (shown once at creation or rotation; not stored here)',
    'SECRET="${SECRET:?set SECRET to the subscription secret}"',
    'ID=' + shellQuote(webhookId),
    'TS=$(date +%s)',
    'BODY=' + shellQuote(body),
    'KEY=$(printf %s "${SECRET#whsec_}" | base64 -d | od -An -v -tx1 | tr -d \' \\n\')',
    'SIG="v1,$(printf %s "$ID.$TS.$BODY" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY" -binary | base64)"',
    'curl -i -X POST ' + shellQuote(url) + ' \\',
    "  -H 'Content-Type: application/json' \\",
    '  -H "webhook-id: $ID" \\',
    '  -H "webhook-timestamp: $TS" \\',
    '  -H "webhook-signature: $SIG" \\',
    '  --data-raw "$BODY"',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------- Subscriptions

function subscriptionColumns() {
  return [
    { title: 'subscription', cell: (s) => h('a', { href: '#/subscriptions/' + encodeURIComponent(s.subscriptionId) },
      h('div', {}, s.description || h('span.muted', {}, '(no description)')),
      h('div.mono.small', {}, s.url)) },
    { title: 'event types', cell: (s) => s.eventTypes.map((t) => h('code.chip', {}, t)) },
    { title: 'state', cell: (s) => [badge(s.state), s.health && s.health.breaker && s.health.breaker !== 'closed'
      ? h('span.muted.small', {}, ' breaker ' + s.health.breaker) : null] },
    { title: 'success rate', cell: (s) => percent(s.health && s.health.successRate), className: 'num' },
    { title: 'last success', cell: (s) => time(s.health && s.health.lastSuccessAt) },
    { title: 'last failure', cell: (s) => s.health && s.health.lastFailureAt
      ? [time(s.health.lastFailureAt), h('div.small.muted', {}, s.health.lastFailure || '')] : time(null) },
    { title: 'failing since', cell: (s) => time(s.health && s.health.failingSince) },
  ];
}

export async function subscriptions({ query }) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (query.get('cursor')) {
    params.set('cursor', query.get('cursor'));
  }
  const page = await api('GET', '/api/v1/subscriptions?' + params);
  const state = query.get('state') || '';
  const select = h('select', { name: 'state' }, ['', 'healthy', 'degraded', 'failing', 'paused', 'disabled']
    .map((value) => h('option', { value, selected: value === state }, value || 'any state')));
  select.addEventListener('change', () => {
    location.hash = link('/subscriptions', { state: select.value, cursor: query.get('cursor') });
  });
  const shown = state ? page.subscriptions.filter((s) => s.state === state) : page.subscriptions;
  return [
    h('div.heading', {}, h('h2', {}, 'Subscriptions'),
      h('a.button', { href: '#/subscriptions/new' }, 'New subscription')),
    h('form.filters', { 'aria-label': 'Filter subscriptions' }, field('State', select),
      state ? h('small.muted', {}, 'Showing ' + shown.length + ' of the ' + page.subscriptions.length
        + ' on this page.') : null),
    table(subscriptionColumns(), shown, page.subscriptions.length
      ? ['No subscription on this page is ', state, '. ', h('a', { href: '#/subscriptions' }, 'Show all'), '.']
      : ['No subscriptions yet. ', h('a', { href: '#/subscriptions/new' }, 'Create one'),
        ': give a receiver URL and the event types it wants; the relay signs every webhook with its secret.'],
    { className: 'subscriptions' }),
    page.nextCursor || query.get('cursor') ? pager('/subscriptions', query, page.nextCursor) : null,
  ];
}

/** The secret of a create or rotate: shown once, kept only in this page's memory, gone on reload. */
function secretPanel(secret, extra) {
  return h('div.secret', { role: 'alert' },
    h('h3', {}, 'Signing secret: copy it now'),
    h('p', {}, 'This is the only time the relay shows it. It is not stored in this browser: leave or reload this page '
      + 'and it is gone (rotate the secret to get a new one).'),
    h('div.secret-row', {}, h('code.secret-value', {}, secret), copyButton(secret, 'Copy secret')),
    extra ? h('p.muted', {}, extra) : null);
}

/** True when this page serves `./relay local` (its demo receiver is then on this origin). */
const LOCAL = document.querySelector('meta[name="relay-console-target"]').content.startsWith('local relay at ');

function subscriptionForm(subscription, submitLabel, onSubmit) {
  const url = h('input', { name: 'url', type: 'url', required: true, value: subscription ? subscription.url : '',
    placeholder: 'https://receiver.example.com/webhooks' });
  const types = h('input', { name: 'eventTypes', required: true, autocomplete: 'off',
    value: subscription ? subscription.eventTypes.join(', ') : '', placeholder: 'job.created, candidate.*' });
  const description = h('input', { name: 'description', value: subscription ? subscription.description || '' : '',
    placeholder: 'what receives these' });
  const error = h('div');
  const form = h('form.stack', {},
    field('Receiver URL', url, LOCAL
      ? ['https, or http to a local receiver (localhost, 127.0.0.1). No receiver yet? This local relay has one: ',
        h('code', {}, location.origin + '/demo/receiver/200'), ' answers 200; point a subscription at ',
        h('code', {}, '/demo/receiver/500'), ' to watch retries and the DLQ.']
      : 'https, or http to a local receiver (localhost, 127.0.0.1).'),
    field('Event types', types, 'Comma-separated: exact types, a domain wildcard such as candidate.*, or * for all.'),
    field('Description', description),
    error, h('div', {}, h('button', { type: 'submit' }, submitLabel)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.replaceChildren();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      await onSubmit({ url: url.value.trim(), eventTypes: types.value.split(',').map((t) => t.trim()).filter(Boolean),
        description: description.value.trim() });
    } catch (err) {
      error.replaceChildren(errorBox(err instanceof ApiError ? err : { code: 'CONSOLE_ERROR', message: String(err) }));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function newSubscription() {
  const holder = h('div');
  holder.append(subscriptionForm(null, 'Create subscription', async (body) => {
    const { subscription } = await api('POST', '/api/v1/subscriptions', body);
    holder.replaceChildren(secretPanel(subscription.secret),
      h('p', {}, 'Created ', h('a.mono', { href: '#/subscriptions/' + encodeURIComponent(subscription.subscriptionId) },
        subscription.subscriptionId), '. ', h('a', { href: '#/subscriptions/'
        + encodeURIComponent(subscription.subscriptionId) }, 'Open it'), ' (the secret will not be shown there).'));
  }));
  return [h('h2', {}, 'New subscription'), holder];
}

export async function subscriptionDetail({ params, id }) {
  const [subscriptionId] = params;
  const path = '/api/v1/subscriptions/' + encodeURIComponent(subscriptionId);
  const { subscription: s } = await api('GET', path);
  const health = s.health || {};
  const secretArea = h('div');
  const after = (text) => { notice(text); refresh(); };

  const pauseResume = s.paused
    ? action('Resume', async () => { await api('POST', path + '/resume'); after('Resumed: held deliveries drain now.'); },
      'primary')
    : action('Pause', async () => { await api('POST', path + '/pause'); after('Paused: deliveries are held.'); });
  const enableDisable = s.active
    ? action('Disable', async () => { await api('PATCH', path, { active: false }); after('Disabled.'); })
    : action('Enable', async () => { await api('PATCH', path, { active: true }); after('Enabled: held deliveries '
      + 'drain now.'); }, 'primary');
  const rotate = action('Rotate secret', async () => {
    const answer = await api('POST', path + '/rotate-secret');
    const expires = answer.subscription.previousSecretExpiresAt;
    secretArea.replaceChildren(secretPanel(answer.subscription.secret, expires
      ? ['The previous secret keeps signing beside the new one until ', time(expires), '.'] : null));
  });

  // The relay's default: its first event type made concrete (job.* → job.test, * → job.test).
  const first = s.eventTypes[0] || '*';
  const testType = h('input', { name: 'testEventType', autocomplete: 'off',
    placeholder: first === '*' ? 'job.test' : first.replace(/\*$/, 'test') });
  const test = action('Send test event', async () => {
    const answer = await api('POST', path + '/test', testType.value.trim() ? { eventType: testType.value.trim() }
      : undefined);
    notice('Test event ' + answer.eventId + ' (' + answer.eventType + ') queued for this subscription only.');
    location.hash = '#/events/' + encodeURIComponent(answer.eventId);
  });

  const since = h('input', { type: 'datetime-local', name: 'since',
    value: localFromIso(new Date(Date.now() - 86400000).toISOString()) });
  const recoveryArea = h('div');
  const recover = action('Start recovery', async () => {
    const answer = await api('POST', path + '/recover', { since: isoFromLocal(since.value) });
    showRecovery(recoveryArea, path, answer.recovery, id);
  });

  const confirmArea = h('span');
  const remove = h('button.danger', { type: 'button' }, 'Delete…');
  remove.addEventListener('click', () => {
    const [really, error] = action('Yes, delete ' + (s.description || s.subscriptionId), async () => {
      await api('DELETE', path);
      notice('Deleted subscription ' + s.subscriptionId + '.');
      location.hash = '#/subscriptions';
    }, 'danger');
    const cancel = h('button.secondary', { type: 'button', onclick: () => confirmArea.replaceChildren() }, 'Cancel');
    confirmArea.replaceChildren(h('span.confirm', {}, 'Deleting stops its deliveries for good. ', really, ' ', cancel,
      error));
    cancel.focus();
  });

  const editArea = h('div');
  const edit = h('button.secondary', { type: 'button' }, 'Edit…');
  edit.addEventListener('click', () => {
    editArea.replaceChildren(subscriptionForm(s, 'Save changes', async (body) => {
      await api('PATCH', path, body);
      after('Saved.');
    }));
  });

  return [
    h('div.heading', {}, h('h2', {}, s.description || 'Subscription', ' ', badge(s.state))),
    secretArea,
    facts([
      ['id', h('span.mono', {}, s.subscriptionId)],
      ['url', h('span.mono', {}, s.url)],
      ['event types', s.eventTypes.map((t) => h('code.chip', {}, t))],
      ['active', s.active ? 'yes' : 'no' + (s.disabledReason ? ' (' + s.disabledReason + ')' : '')],
      ['paused', s.paused ? 'yes: deliveries are held until resumed' : 'no'],
      ['previous secret expires', s.previousSecretExpiresAt ? time(s.previousSecretExpiresAt) : undefined],
      ['created', time(s.createdAt)],
      ['updated', time(s.updatedAt)],
    ]),
    h('h3', {}, 'Receiver health', h('span.muted.small', {}, ' (from its recent attempts; a pause or disable '
      + 'does not change it)')),
    facts([
      ['state', badge(health.state || s.state)],
      ['breaker', health.breaker],
      ['success rate', health.windowAttempts ? percent(health.successRate) + ' of ' + health.windowAttempts
        + ' recent attempts' : 'no recent attempts'],
      ['consecutive failures', health.consecutiveFailures !== undefined ? String(health.consecutiveFailures)
        : undefined],
      ['last success', time(health.lastSuccessAt)],
      ['last failure', health.lastFailureAt ? [time(health.lastFailureAt), ' ', health.lastFailure || ''] : time(null)],
      ['last response', health.lastResponseSnippet ? h('code', {}, health.lastResponseSnippet) : undefined],
      ['failing since', health.failingSince ? time(health.failingSince) : undefined],
      ['next probe', health.retryAt ? time(health.retryAt) : undefined],
      ['latency (average)', health.latencyEwmaMs !== undefined && health.latencyEwmaMs !== null
        ? Math.round(health.latencyEwmaMs) + ' ms' : undefined],
    ]),
    h('h3', {}, 'Actions'),
    h('div.action-grid', {},
      h('div.actions', {}, pauseResume, enableDisable, edit, rotate),
      h('div', {}, h('div.actions', {}, field('Test event type', testType), test),
        h('small.muted', {}, 'Sends a synthetic event to this subscription only; blank uses its first type.')),
      h('div', {}, h('div.actions', {}, field('Recover since', since), recover),
        h('small.muted', {}, 'Re-sends, in the background, what matched it since then and was not delivered.')),
      h('div.actions', {}, remove, confirmArea)),
    editArea,
    recoveryArea,
    h('p', {}, h('a', { href: link('/events', { type: s.eventTypes.length === 1 && !s.eventTypes[0].includes('*')
      ? s.eventTypes[0] : '' }) }, 'Events'), ' · ', h('a', { href: link('/audit') }, 'Audit trail')),
  ];
}

function showRecovery(area, path, recovery, renderId) {
  area.replaceChildren(h('div.panel', {}, h('h3', {}, 'Recovery ', h('span.mono', {}, recovery.recoveryId), ' ',
    badge(recovery.status)), facts([
    ['since', time(recovery.since)], ['from', time(recovery.from)], ['until', time(recovery.until)],
    ['examined', String(recovery.examined)], ['matched', String(recovery.matched)],
    ['already delivered', String(recovery.alreadyDelivered)], ['queued', String(recovery.queued)],
  ])));
  if (recovery.status === 'running') {
    setTimeout(async () => {
      if (!current(renderId) || !area.isConnected) {
        return;
      }
      const answer = await attempt(api('GET', path + '/recoveries/' + encodeURIComponent(recovery.recoveryId)));
      if (!(answer instanceof ApiError)) {
        showRecovery(area, path, answer.recovery, renderId);
      }
    }, 2000);
  }
}

// ---------------------------------------------------------------------------------------------------- Dead letters

export async function deadLetters({ id }) {
  const dlq = await api('GET', '/api/v1/dlq');
  const messages = dlq.messages || [];
  const redrive = dlq.redrive;
  const progress = h('div');
  const running = redrive && redrive.running;
  const [button, error] = action('Redrive all to the delivery queue', async () => {
    const answer = await api('POST', '/api/v1/dlq/redrive');
    notice('Redrive started (task ' + answer.taskHandle + '). Each task gets a fresh retry budget.');
    refresh();
  }, 'primary');
  button.disabled = Boolean(running) || (dlq.approximateDepth === 0 && !messages.length);
  if (running && current(id)) {
    setTimeout(() => { if (current(id) && currentRoute().path === '/dlq') { refresh(); } }, 3000);
  }
  if (redrive && redrive.tasks && redrive.tasks.length) {
    progress.append(h('h3', {}, 'Redrives', running ? h('span.muted.small', {}, ' (one is running; this page '
      + 'refreshes itself)') : null), table([
      { title: 'started', cell: (t) => time(t.startedAt) },
      { title: 'status', cell: (t) => badge(String(t.status).toLowerCase()) },
      { title: 'moved', cell: (t) => String(t.movedMessages ?? '—') + (typeof t.messagesToMove === 'number'
        && t.messagesToMove >= (t.movedMessages || 0) && t.messagesToMove > 0 ? ' of ' + t.messagesToMove : ''),
      className: 'num' },
      { title: 'failure', cell: (t) => t.failureReason || '' },
    ], redrive.tasks, 'No redrive yet.'));
  }
  return [
    h('div.heading', {}, h('h2', {}, 'Dead letters'), h('div.actions', {}, button, error)),
    h('div.tiles', {},
      h('div.tile' + (dlq.approximateDepth ? '.bad' : '.good'), {}, h('div.value', {}, String(dlq.approximateDepth)),
        h('div.label', {}, 'parked tasks (approximate)')),
      h('div.tile', {}, h('div.value', {}, String(dlq.approximateInFlight ?? '—')), h('div.label', {}, 'in flight')),
      running === undefined ? null : h('div.tile' + (running ? '.warn' : ''), {},
        h('div.value', {}, running ? 'running' : 'idle'), h('div.label', {}, 'redrive'))),
    progress,
    h('h3', {}, 'Parked tasks', h('span.muted.small', {}, ' (a peek at up to 10, oldest first)')),
    table([
      { title: 'parked', cell: (m) => time(m.sentAt) },
      { title: 'event', cell: (m) => m.task && m.task.eventId ? h('a.mono', { href: '#/events/'
        + encodeURIComponent(m.task.eventId) }, m.task.eventId) : '' },
      { title: 'type', cell: (m) => (m.task && m.task.eventType) || '' },
      { title: 'subscription', cell: (m) => m.task && m.task.subscriptionId ? h('a.mono.small', { href: '#/subscriptions/'
        + encodeURIComponent(m.task.subscriptionId) }, m.task.subscriptionId) : '' },
      { title: 'attempts', cell: (m) => String((m.task && m.task.attempts) ?? '—'), className: 'num' },
      { title: 'last error', cell: (m) => h('span.mono.small', {}, (m.task && m.task.lastError) || '') },
    ], messages, dlq.approximateDepth
      ? 'Tasks are parked but none could be peeked right now (they may be in flight); refresh in a few seconds.'
      : 'Nothing is parked: every delivery either succeeded or is still being retried. Tasks land here after their '
        + 'last retry fails.', { className: 'dlq' }),
  ];
}

// ---------------------------------------------------------------------------------------------------- Audit

export async function audit({ query }) {
  const from = query.get('from') || '';
  const to = query.get('to') || '';
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [name, value] of [['from', from], ['to', to], ['cursor', query.get('cursor')]]) {
    if (value) {
      params.set(name, value);
    }
  }
  const page = await attempt(api('GET', '/api/v1/audit?' + params));
  const fromInput = h('input', { type: 'datetime-local', name: 'from', value: localFromIso(from) });
  const toInput = h('input', { type: 'datetime-local', name: 'to', value: localFromIso(to) });
  const actionName = query.get('action') || '';
  const actionInput = h('input', { type: 'search', name: 'action', value: actionName, placeholder: 'subscription.pause',
    autocomplete: 'off' });
  const filter = h('form.filters', { 'aria-label': 'Filter the audit trail' },
    field('Action', actionInput), field('From', fromInput), field('To', toInput),
    h('div.field.submit', {}, h('button', { type: 'submit' }, 'Filter'),
      (from || to || actionName) ? h('a.button.secondary', { href: '#/audit' }, 'Clear') : null));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = link('/audit', { action: actionInput.value.trim(), from: isoFromLocal(fromInput.value),
      to: isoFromLocal(toInput.value) });
  });
  const target = (entry) => {
    const t = entry.target || '';
    if (t.startsWith('sub_')) {
      return h('a.mono.small', { href: '#/subscriptions/' + encodeURIComponent(t) }, t);
    }
    if (entry.action && entry.action.startsWith('event.')) {
      return h('a.mono.small', { href: '#/events/' + encodeURIComponent(t) }, t);
    }
    return t === 'dlq' ? h('a', { href: '#/dlq' }, 'dead letters') : h('span.mono.small', {}, t);
  };
  return [
    h('h2', {}, 'Audit'),
    filter,
    page instanceof ApiError ? errorBox(page) : [
      table([
        { title: 'when', cell: (e) => time(e.at) },
        { title: 'who', cell: (e) => h('span.mono.small', {}, e.actor) },
        { title: 'what', cell: (e) => h('code', {}, e.action) },
        { title: 'target', cell: target },
        { title: 'status', cell: (e) => String(e.status ?? ''), className: 'num' },
        { title: 'request id', cell: (e) => h('span.mono.small', {}, e.requestId) },
      ], actionName ? page.entries.filter((e) => String(e.action).includes(actionName)) : page.entries,
      actionName ? 'No ' + actionName + ' action on this page. Try the next page, or clear the filter.'
        : (from || to) ? 'No operator action in this range. Widen it or clear the filter.'
        : 'No operator action recorded yet. Every change made here or through the management API (create, pause, '
          + 'replay, redrive, ...) appears in this list.', { className: 'audit' }),
      page.nextCursor || query.get('cursor') ? pager('/audit', query, page.nextCursor) : null,
    ],
  ];
}
