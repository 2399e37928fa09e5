// @ts-check
// The trigger panel: what starts a run, its settings, and for a saved
// webhook its URL.

import { h, clear, nextId, labelled } from '../dom.js';
import { exprField, jsonField } from './inputs.js';
import { triggerURL } from './trigger-url.js';
import { renderFires } from './fires.js';

/** @typedef {import('../editor.js').Editor} Editor */

const AUTH_TYPES = [
  ['none', 'None: anyone with the URL'],
  ['token', 'Token (header or query)'],
  ['basic', 'Basic auth'],
  ['hmac', 'HMAC signature'],
  ['github', 'GitHub'],
  ['stripe', 'Stripe'],
  ['shopify', 'Shopify'],
  ['slack', 'Slack'],
  ['standard', 'Standard Webhooks'],
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * renderTrigger draws the trigger panel into box.
 * @param {Editor} ed
 * @param {HTMLElement} box
 */
export function renderTrigger(ed, box) {
  clear(box);
  const t = ed.draft.trigger || (ed.draft.trigger = { type: 'webhook' });
  const type = /** @type {HTMLSelectElement} */ (h('select', {
    id: 'trigger-type', 'data-field': 'trigger.type',
    onchange: () => {
      /** @type {Record<string, any>} */
      const keep = { type: type.value };
      if (type.value === 'webhook') keep.methods = ['POST'];
      ed.draft.trigger = keep;
      ed.changed('trigger');
      ed.triggerTypeChanged();
    },
  },
  h('option', { value: 'webhook', selected: t.type === 'webhook' }, 'Webhook: an HTTP request starts a run'),
  h('option', { value: 'cron', selected: t.type === 'cron' }, 'Schedule: a cron expression starts runs'),
  h('option', { value: 'manual', selected: t.type === 'manual' }, 'Manual: started by hand only')));

  box.append(h('div', { class: 'card-head' },
    h('h2', { id: 'trigger-h' }, h('span', { class: 'step-num trig', 'aria-hidden': 'true' }, '⚡'), 'Trigger'),
    h('div', { class: 'trigger-type' }, h('label', { for: 'trigger-type', class: 'sr-only' }, 'Trigger type'), type)));

  const body = h('div', { class: 'card-body' });
  box.append(body);
  if (t.type === 'webhook') webhookTrigger(ed, body, t);
  else if (t.type === 'cron') cronTrigger(ed, body, t);
  else body.append(h('p', { class: 'help' }, 'This workflow has no trigger of its own: run it by hand, or start it as another workflow\'s on_failure.'));
}

/**
 * @param {Editor} ed
 * @param {HTMLElement} body
 * @param {Record<string, any>} t
 */
function webhookTrigger(ed, body, t) {
  body.append(...triggerURL(ed, t, (type) => (AUTH_TYPES.find(([v]) => v === type) || [type, type])[1]));

  // Methods
  const methods = new Set(t.methods || []);
  const fs = h('fieldset', { class: 'methods', 'data-field': 'trigger.methods' },
    h('legend', null, 'Accepted methods'),
    METHODS.map((m) => {
      const cb = /** @type {HTMLInputElement} */ (h('input', {
        type: 'checkbox', id: nextId('m'), checked: methods.has(m),
        onchange: () => {
          if (cb.checked) methods.add(m); else methods.delete(m);
          t.methods = METHODS.filter((x) => methods.has(x));
          ed.markDirty();
        },
      }));
      return h('label', { class: 'check', for: cb.id }, cb, m);
    }),
    h('span', { class: 'help inline' }, 'none checked: any method'));
  const main = h('div', { class: 'grid3 trigger-main' }, fs);
  body.append(main);

  // Auth
  const auth = t.auth || { type: 'none' };
  const authType = /** @type {HTMLSelectElement} */ (h('select', {
    'data-field': 'trigger.auth.type',
    onchange: () => {
      const secret = (t.auth && t.auth.secret) || '';
      t.auth = authType.value === 'none' ? undefined : { type: authType.value, secret: secret || undefined };
      ed.markDirty();
      ed.renderTrigger();
    },
  }, AUTH_TYPES.map(([v, l]) => h('option', { value: v, selected: auth.type === v }, l))));
  main.append(labelled('Caller authentication', authType));
  const authGrid = h('div', { class: 'grid3' });
  /**
   * @param {string} key
   * @param {string} label
   * @param {{placeholder?: string, mono?: boolean, help?: string, select?: string[][]}} [opts]
   */
  const authField = (key, label, opts = {}) => {
    const path = `trigger.auth.${key}`;
    if (opts.select) {
      const sel = /** @type {HTMLSelectElement} */ (h('select', {
        'data-field': path,
        onchange: () => { t.auth[key] = sel.value || undefined; ed.markDirty(); },
      }, opts.select.map(([v, l]) => h('option', { value: v, selected: (auth[key] || '') === v }, l))));
      return labelled(label, sel, { help: opts.help });
    }
    const inp = /** @type {HTMLInputElement} */ (h('input', {
      value: auth[key] || '', placeholder: opts.placeholder || '', 'data-field': path,
      class: opts.mono ? 'mono' : '', autocomplete: 'off', spellcheck: 'false',
      oninput: () => { t.auth[key] = inp.value || undefined; ed.changed(path, inp); },
    }));
    return labelled(label, inp, { help: opts.help });
  };
  if (auth.type !== 'none') {
    authGrid.append(authField('secret', auth.type === 'basic' ? 'Password' : auth.type === 'token' ? 'Token' : 'Signing secret', {
      placeholder: '{{ secrets.NAME }}', mono: true, help: 'Keep it out of the definition: store it with `hookflow secret set NAME` and write {{ secrets.NAME }}.',
    }));
  }
  if (auth.type === 'token') {
    authGrid.append(authField('header', 'Header', { placeholder: 'Authorization', mono: true }));
    authGrid.append(authField('query', 'or query parameter', { placeholder: 'token', mono: true }));
  }
  if (auth.type === 'basic') authGrid.append(authField('username', 'Username'));
  if (auth.type === 'hmac') {
    authGrid.append(authField('header', 'Signature header', { placeholder: 'X-Signature', mono: true }));
    authGrid.append(authField('algorithm', 'Algorithm', { select: [['', 'sha256 (default)'], ['sha1', 'sha1'], ['sha512', 'sha512']] }));
    authGrid.append(authField('encoding', 'Encoding', { select: [['', 'hex (default)'], ['base64', 'base64']] }));
    authGrid.append(authField('prefix', 'Prefix', { placeholder: 'sha256=', mono: true }));
  }
  if (authGrid.firstChild) body.append(authGrid);

  // Response
  const resp = t.response || { mode: 'async' };
  const mode = /** @type {HTMLSelectElement} */ (h('select', {
    'data-field': 'trigger.response.mode',
    onchange: () => {
      t.response = mode.value === 'async' ? undefined : { mode: 'sync', timeout: (t.response && t.response.timeout) || undefined };
      ed.markDirty();
      ed.renderTrigger();
    },
  },
  h('option', { value: 'async', selected: resp.mode !== 'sync' }, 'At once: 202 with the run id'),
  h('option', { value: 'sync', selected: resp.mode === 'sync' }, 'Wait: the respond step\'s answer')));
  main.append(labelled('Answer the caller', mode));
  const respGrid = h('div', { class: 'grid3' });
  if (resp.mode === 'sync') {
    const to = /** @type {HTMLInputElement} */ (h('input', {
      value: resp.timeout || '', placeholder: '10s', class: 'mono', 'data-field': 'trigger.response.timeout',
      oninput: () => { t.response.timeout = to.value || undefined; ed.changed('trigger.response.timeout', to); },
    }));
    respGrid.append(labelled('Wait at most', to, { help: 'Past it the caller gets 202 and the run goes on.' }));
  }
  if (respGrid.firstChild) body.append(respGrid);

  // Advanced
  const adv = h('details', { class: 'advanced' }, h('summary', null, 'Deduplication, IP allowlist, rate limit, schema'));
  adv.append(exprField(ed, {
    label: 'Idempotency key', path: 'trigger.idempotency_key', stepIndex: -1, optional: true,
    get: () => t.idempotency_key, set: (v) => { t.idempotency_key = v || undefined; },
    help: 'An expression over trigger; deliveries with the same value start one run. E.g. trigger.headers[\'x-github-delivery\']',
    placeholder: "trigger.headers['x-request-id']",
  }));
  const ips = /** @type {HTMLInputElement} */ (h('input', {
    value: (t.allow_ips || []).join(', '), class: 'mono', placeholder: '203.0.113.0/24, 198.51.100.7', 'data-field': 'trigger.allow_ips',
    oninput: () => {
      const list = ips.value.split(/[\s,]+/).filter(Boolean);
      t.allow_ips = list.length ? list : undefined;
      ed.changed('trigger.allow_ips', ips);
    },
  }));
  adv.append(labelled('Allowed caller IPs', ips, { optional: true, help: 'Comma-separated IPs or CIDRs; others get 403.' }));
  const rl = t.rate_limit || {};
  const setRL = () => {
    const ps = parseFloat(rps.value);
    const b = parseInt(burst.value, 10);
    t.rate_limit = Number.isFinite(ps) || Number.isFinite(b)
      ? { per_second: Number.isFinite(ps) ? ps : 0, burst: Number.isFinite(b) ? b : undefined } : undefined;
    ed.markDirty();
  };
  const rps = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: '0', step: 'any', value: rl.per_second ?? '', 'data-field': 'trigger.rate_limit.per_second', oninput: setRL }));
  const burst = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: '0', step: '1', value: rl.burst ?? '', 'data-field': 'trigger.rate_limit.burst', oninput: setRL }));
  adv.append(h('div', { class: 'grid2' },
    labelled('Rate limit (requests per second)', rps, { optional: true, help: 'Past it the caller gets 429.' }),
    labelled('Burst', burst, { optional: true })));
  adv.append(jsonField(ed, {
    label: 'Payload schema (JSON Schema)', path: 'trigger.schema', value: t.schema, rows: 4,
    set: (v) => { t.schema = v; }, help: 'Payloads that do not match get 422.',
  }));
  body.append(adv);
}

/**
 * @param {Editor} ed
 * @param {HTMLElement} body
 * @param {Record<string, any>} t
 */
function cronTrigger(ed, body, t) {
  const sched = /** @type {HTMLInputElement} */ (h('input', {
    id: 'cron-schedule', class: 'mono', value: t.schedule || '', placeholder: '*/15 * * * *', 'data-field': 'trigger.schedule',
    oninput: () => { t.schedule = sched.value || undefined; ed.changed('trigger.schedule', sched); renderFires(fires, t, ed.saved); },
  }));
  const tz = /** @type {HTMLInputElement} */ (h('input', {
    value: t.timezone || '', placeholder: 'UTC', 'data-field': 'trigger.timezone',
    oninput: () => { t.timezone = tz.value || undefined; ed.changed('trigger.timezone', tz); renderFires(fires, t, ed.saved); },
  }));
  const fires = h('div', { class: 'fires', 'aria-live': 'polite' });
  body.append(h('div', { class: 'grid2' },
    labelled('Schedule', sched, { help: 'minute hour day month weekday, seconds optional in front; or @every 1h, @daily' }),
    labelled('Time zone', tz, { optional: true, help: 'e.g. Europe/Berlin; default UTC' })));
  body.append(fires);
  renderFires(fires, t, ed.saved);
}
