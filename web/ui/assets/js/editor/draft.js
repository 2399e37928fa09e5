// @ts-check
// The draft: the workflow definition being edited, as plain JSON, edited
// in place by the forms; and what is sent when it is saved or tested.

/**
 * @typedef {Record<string, any>} Definition a hookflow/v1 workflow definition
 */

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
 * toDefinition is the draft as saved or tested: the draft itself, whose
 * forms leave out the fields left empty, with its format and whether it
 * is enabled always said.
 * @param {Definition} d
 * @returns {Definition}
 */
export function toDefinition(d) {
  const out = clone(d);
  out.format = out.format || 'hookflow/v1';
  out.enabled = d.enabled !== false;
  return out;
}
