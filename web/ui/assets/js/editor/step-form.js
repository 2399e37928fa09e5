// @ts-check
// The form of each step type.

import { h, labelled } from '../dom.js';
import { exprField, headersField } from './inputs.js';

/** @typedef {import('../editor.js').Editor} Editor */

/** The step types, with what the editor calls them. */
export const STEP_TYPES = {
  filter: { label: 'Filter', help: 'Stop the run unless a condition holds' },
  transform: { label: 'Transform', help: 'Reshape the payload' },
  webhook: { label: 'Webhook', help: 'Call another system over HTTP' },
  respond: { label: 'Respond', help: 'Answer the caller (sync triggers)' },
  delay: { label: 'Delay', help: 'Wait, durably, before the next step' },
};
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * @typedef {Object} StepCtx
 * @property {Editor} ed
 * @property {Record<string, any>} s the step
 * @property {number} i its index
 * @property {(f: string) => string} path the path of one of its fields
 */

/**
 * stepForm draws the fields of a step of its type into body.
 * @param {HTMLElement} body
 * @param {StepCtx} ctx
 */
export function stepForm(body, ctx) {
  const { ed, s, i, path } = ctx;
  switch (s.type) {
    case 'filter':
      body.append(exprField(ed, {
        label: 'Continue only when', path: path('expr'), stepIndex: i, get: () => s.expr, set: (v) => { s.expr = v || undefined; },
        help: 'true or false; false ends the run as filtered.', placeholder: "payload.status == 'paid'",
      }));
      break;
    case 'transform':
      body.append(exprField(ed, {
        label: 'New payload', path: path('expr'), stepIndex: i, get: () => s.expr, set: (v) => { s.expr = v || undefined; }, rows: 2,
        help: 'Its value becomes the payload of the next steps; this step\'s output is steps.' + (s.id || 'ID') + '.',
        placeholder: '{order: payload.id, total: payload.amount / 100.0}',
      }));
      break;
    case 'webhook': webhookStep(body, ctx); break;
    case 'respond': respondStep(body, ctx); break;
    case 'delay': delayStep(body, ctx); break;
    default: body.append(h('p', { class: 'error-text' }, `Unknown step type ${s.type}`));
  }
}

/**
 * @param {HTMLElement} body
 * @param {StepCtx} ctx
 */
function webhookStep(body, { ed, s, path, i }) {
  const method = /** @type {HTMLSelectElement} */ (h('select', {
    'data-field': path('method'), 'aria-label': 'Method',
    onchange: () => { s.method = method.value === 'POST' ? undefined : method.value; ed.markDirty(); },
  }, METHODS.map((m) => h('option', { value: m, selected: (s.method || 'POST') === m }, m))));
  const url = exprField(ed, {
    label: 'URL', path: path('url'), stepIndex: i, kind: 'template', single: true,
    get: () => s.url, set: (v) => { s.url = v || undefined; }, placeholder: 'https://example.com/hooks/{{ payload.id }}',
    help: 'Parts in {{ }} are expressions.',
  });
  body.append(h('div', { class: 'method-url' }, labelled('Method', method), url));
  body.append(headersField(ed, path('headers'), () => s.headers, (v) => { s.headers = v; }));
  body.append(exprField(ed, {
    label: 'Body', path: path('body'), stepIndex: i, optional: true, rows: 2,
    get: () => s.body, set: (v) => { s.body = v || undefined; }, placeholder: 'payload',
    help: 'An expression sent as JSON; empty sends the payload.', emptyHint: 'Sends the payload as it is.',
  }));
  const adv = h('details', { class: 'advanced' }, h('summary', null, 'Timeout, signing, retries'));
  /**
   * @param {string} label
   * @param {string} key
   * @param {(create?: boolean) => Record<string, any>} obj
   * @param {string} placeholder
   * @param {string | null} help
   * @param {string} f
   */
  const txt = (label, key, obj, placeholder, help, f) => {
    const o = obj();
    const inp = /** @type {HTMLInputElement} */ (h('input', {
      value: (o && o[key]) ?? '', placeholder, class: 'mono', 'data-field': f,
      type: key === 'max_attempts' ? 'number' : 'text',
      oninput: () => {
        const target = obj(true);
        const v = key === 'max_attempts' ? parseInt(inp.value, 10) : inp.value;
        target[key] = (key === 'max_attempts' ? (Number.isFinite(v) ? v : undefined) : v) || undefined;
        ed.changed(f, inp);
      },
    }));
    return labelled(label, inp, { optional: true, help });
  };
  const self = () => s;
  const sign = (/** @type {boolean} */ create) => { if (create && !s.sign) s.sign = {}; return s.sign; };
  const retry = (/** @type {boolean} */ create) => { if (create && !s.retry) s.retry = {}; return s.retry; };
  adv.append(h('div', { class: 'grid3' },
    txt('Timeout per attempt', 'timeout', self, '30s', null, path('timeout')),
    txt('Signing secret', 'secret', sign, '{{ secrets.NAME }}', 'Adds Standard Webhooks signature headers.', path('sign.secret')),
    h('span')));
  adv.append(h('div', { class: 'grid3' },
    txt('Attempts at most', 'max_attempts', retry, '12', 'Network errors, 408, 429 and 5xx are retried.', path('retry.max_attempts')),
    txt('First backoff', 'initial', retry, '10s', null, path('retry.initial')),
    txt('Longest backoff', 'max', retry, '2h', null, path('retry.max'))));
  body.append(adv);
}

/**
 * @param {HTMLElement} body
 * @param {StepCtx} ctx
 */
function respondStep(body, { ed, s, path, i }) {
  const status = /** @type {HTMLInputElement} */ (h('input', {
    type: 'number', min: '100', max: '599', value: s.status || '', placeholder: '200', 'data-field': path('status'),
    oninput: () => { const v = parseInt(status.value, 10); s.status = Number.isFinite(v) ? v : undefined; ed.changed(path('status'), status); },
  }));
  body.append(h('div', { class: 'grid3' }, labelled('Status', status, { optional: true })));
  body.append(headersField(ed, path('headers'), () => s.headers, (v) => { s.headers = v; }));
  body.append(exprField(ed, {
    label: 'Body', path: path('body'), stepIndex: i, optional: true, rows: 2,
    get: () => s.body, set: (v) => { s.body = v || undefined; }, placeholder: '{ok: true}',
  }));
}

/**
 * @param {HTMLElement} body
 * @param {StepCtx} ctx
 */
function delayStep(body, { ed, s, path, i }) {
  const dur = /** @type {HTMLInputElement} */ (h('input', {
    value: s.for || '', placeholder: '15m', class: 'mono', 'data-field': path('for'),
    oninput: () => { s.for = dur.value || undefined; ed.changed(path('for'), dur); },
  }));
  body.append(h('div', { class: 'grid2' },
    labelled('Wait for', dur, { help: 'A duration: 30s, 15m, 2h. Or give a time below.' }),
    exprField(ed, {
      label: 'or wait until', path: path('until'), stepIndex: i, optional: true,
      get: () => s.until, set: (v) => { s.until = v || undefined; }, placeholder: 'date(payload.send_at)',
    })));
}
