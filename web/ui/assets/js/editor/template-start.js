// @ts-check
// A new workflow started from a template of the gallery: the template's
// definition as the draft (a new id, off until it is turned on), its
// sample event as the sample, and a notice of what to set before it runs:
// the secrets it reads and the vars that hold its addresses.

import { get } from '../api.js';
import { h, clear, append } from '../dom.js';
import { clone } from './draft.js';

/**
 * @typedef {import('./draft.js').Definition} Definition
 * @typedef {import('./example-events.js').Sample} Sample
 * @typedef {Object} Template a template as GET /api/v1/templates gives it
 * @property {string} id
 * @property {string} name
 * @property {string} summary
 * @property {string[]} connects
 * @property {string[]} secrets
 * @property {string[]} vars
 * @property {Definition} definition
 * @property {{method: string, headers: Record<string, string>, query?: string, body: any}} sample
 */

/** @type {Promise<Template[]> | null} */
let templates = null;

/** loadTemplates asks for the gallery's templates once per page load. */
export function loadTemplates() {
  if (!templates) {
    templates = get('/templates').then((r) => r.templates);
    templates.catch(() => { templates = null; });
  }
  return templates;
}

/**
 * templateStart is what a new workflow made from template id starts with,
 * or null where there is no such template.
 * @param {string} id
 * @returns {Promise<{template: Template, draft: Definition, sample: Sample} | null>}
 */
export async function templateStart(id) {
  const t = (await loadTemplates()).find((x) => x.id === id);
  if (!t) return null;
  const draft = clone(t.definition);
  delete draft.id; // made from the name when saved: a template can be used twice
  draft.enabled = false; // tested, then turned on
  const s = t.sample;
  const source = draft.trigger && draft.trigger.type === 'cron' ? 'cron' : 'webhook';
  /** @type {Sample} */
  const sample = {
    payload: s.body ?? null,
    event: { source, method: s.method, headers: s.headers || {}, query: s.query || '', body: s.body },
    label: `Sample event of the template “${t.name}”: edit it, or capture a real one`,
    source,
  };
  return { template: t, draft, sample };
}

/**
 * templateNotice tells what a workflow made from template t needs before
 * it runs: which secrets (and whether each is set) and which vars.
 * @param {Template} t
 * @param {() => Promise<string[]>} secretNames the stored secrets' names
 */
export function templateNotice(t, secretNames) {
  const secretsLine = h('li', null);
  const box = h('section', { class: 'banner info template-notice', id: 'template-notice', 'aria-labelledby': 'template-notice-h' },
    h('h2', { id: 'template-notice-h', class: 'inline-h' }, `From the template “${t.name}”`),
    h('p', null, t.summary));
  const todo = h('ul', null);
  if (t.secrets.length) {
    todo.append(secretsLine);
    const draw = (/** @type {string[] | null} */ have) => {
      append(clear(secretsLine), ['It reads the secret', t.secrets.length > 1 ? 's ' : ' ',
        t.secrets.flatMap((n, i) => [i ? ', ' : '', h('code', null, n),
          have && !have.includes(n) ? h('span', { class: 'missing' }, ' (not set yet)') : null,
          have && have.includes(n) ? h('span', { class: 'muted' }, ' (set)') : null]),
        ': set ', t.secrets.length > 1 ? 'them' : 'it', ' on the ', h('a', { href: '/secrets', 'data-link': '' }, 'Secrets page'),
        ', or in a secret field’s list.']);
    };
    draw(null);
    secretNames().then(draw).catch(() => {});
  }
  if (t.vars.length) {
    todo.append(h('li', null, 'Its addresses and settings are vars: ',
      t.vars.flatMap((n, i) => [i ? ', ' : '', h('code', null, n)]),
      '. Change them under Workflow settings, or type an address into a step’s field.'));
  }
  if (todo.childElementCount) box.append(todo);
  return box;
}
