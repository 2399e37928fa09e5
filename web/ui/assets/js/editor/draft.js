// @ts-check
// The draft: the workflow definition being edited, as plain JSON, and what
// is sent when it is saved or tested.

/**
 * @typedef {Record<string, any>} Definition a hookflow/v1 workflow definition
 */

// Fields each step type may have beyond id, type and when.
const ALLOWED = {
  filter: ['expr'],
  transform: ['expr'],
  webhook: ['method', 'url', 'headers', 'body', 'timeout', 'sign', 'retry'],
  respond: ['status', 'headers', 'body'],
  delay: ['for', 'until'],
};

/** allowedFields are the fields a step of a type may have beyond id, type and when. */
export function allowedFields(type) { return ALLOWED[type] || []; }

/**
 * clone is a deep copy of a JSON value.
 * @template T
 * @param {T} v
 * @returns {T}
 */
export const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/**
 * newDraft is the definition a new workflow starts from.
 * @returns {Definition}
 */
export function newDraft() {
  return {
    format: 'hookflow/v1', name: '', enabled: true,
    trigger: { type: 'webhook', methods: ['POST'] }, steps: [],
  };
}

/**
 * toDefinition is the draft as saved: empty values and fields that do not
 * belong to a step's type dropped.
 * @param {Definition} d
 * @returns {Definition}
 */
export function toDefinition(d) {
  const out = prune(clone(d)) || {};
  out.format = out.format || 'hookflow/v1';
  out.enabled = d.enabled !== false;
  out.steps = (d.steps || []).map((s) => {
    const c = prune(clone(s)) || {};
    for (const k of Object.keys(c)) {
      if (!['id', 'type', 'when'].includes(k) && !allowedFields(s.type).includes(k)) delete c[k];
    }
    return c;
  });
  if (out.trigger) {
    if (out.trigger.auth && (!out.trigger.auth.type || out.trigger.auth.type === 'none')) delete out.trigger.auth;
    if (out.trigger.response && out.trigger.response.mode !== 'sync') delete out.trigger.response;
  } else out.trigger = { type: 'webhook' };
  if (d.trigger && d.trigger.schema !== undefined) out.trigger.schema = d.trigger.schema;
  if (d.vars !== undefined && d.vars !== null) out.vars = d.vars;
  return out;
}

/** @param {any} v */
function prune(v) {
  if (Array.isArray(v)) return v.length ? v.map((x) => prune(x)).filter((x) => x !== undefined) : undefined;
  if (v && typeof v === 'object') {
    /** @type {Record<string, any>} */
    const o = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x);
      if (p !== undefined) o[k] = p;
    }
    return Object.keys(o).length ? o : undefined;
  }
  if (v === '' || v === null || v === undefined || (typeof v === 'number' && (v === 0 || Number.isNaN(v)))) return undefined;
  return v;
}
