// @ts-check
// The kinds of step, trigger and trigger auth the server knows, as GET
// /api/v1/kinds describes them: each with its fields, from which the editor
// draws its forms. A kind added to the server shows up here with no
// JavaScript of its own.

import { get } from './api.js';

/**
 * @typedef {Object} Option one choice of a select
 * @property {string} value
 * @property {string} label
 */

/**
 * @typedef {Object} Field one field of a kind: a key of the step, trigger or auth object
 * @property {string} name the JSON key
 * @property {string} label
 * @property {string} [help]
 * @property {string} kind the kind of value: text, template, expression, condition, mapping, secret,
 *   duration, number, boolean, select, list, object, headers, auth, json, steps, schedule, workflow_ref
 * @property {boolean} [required]
 * @property {any} [default] the value the server uses when the field is left out
 * @property {string} [placeholder]
 * @property {Option[]} [options] a select's choices
 * @property {Field[]} [fields] an object's own fields
 * @property {Field} [item] what each element of a list is
 */

/**
 * @typedef {Object} Kind a kind of step, trigger or auth
 * @property {string} type the value of "type" in a definition
 * @property {string} title
 * @property {string} summary
 * @property {Field[]} fields in form order
 * @property {Record<string, any>} example
 */

/**
 * @typedef {Object} Kinds GET /api/v1/kinds
 * @property {Kind[]} steps
 * @property {Kind[]} triggers
 * @property {Kind[]} auth
 * @property {{step: Field[], methods: string[], operators?: {op: string, label: string, value: boolean}[],
 *   formatters?: {name: string, signature: string, help: string, example: string, result: string}[]}} common
 *   the fields every step has; the HTTP methods; the operators of a condition's rules; the formatters
 */

/** @type {Promise<Kinds> | null} */
let loading = null;

/**
 * loadKinds asks the server for its kinds once per page load: they are
 * fixed while it runs.
 * @returns {Promise<Kinds>}
 */
export function loadKinds() {
  if (!loading) {
    loading = get('/kinds').catch((e) => {
      loading = null; // ask again next time
      throw e;
    });
  }
  return loading;
}

/**
 * kindOf finds the kind of a type in a list of kinds.
 * @param {Kind[]} list
 * @param {string | undefined} type
 * @returns {Kind | undefined}
 */
export function kindOf(list, type) {
  return list.find((k) => k.type === type);
}
