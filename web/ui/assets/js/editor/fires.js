// @ts-check
// A schedule's next fire times, as the server computed them for the saved
// revision.

import { h, clear, fmtTime, ago } from '../dom.js';

/**
 * firesFor says whether a trigger type fires on a schedule (the server
 * gives its next fire times).
 * @param {string | undefined} type
 */
export function firesFor(type) {
  return type === 'cron';
}

/**
 * renderFires shows when the saved schedule fires next, or why it cannot.
 * @param {HTMLElement} el
 * @param {Record<string, any>} t the draft's trigger
 * @param {Record<string, any> | null} saved the stored workflow
 */
export function renderFires(el, t, saved) {
  clear(el);
  const st = saved && saved.definition.trigger;
  const same = st && st.type === t.type && st.schedule === t.schedule && (st.timezone || '') === (t.timezone || '');
  el.append(h('div', { class: 'fires-h' }, 'Next runs'));
  if (!same) { el.append(h('p', { class: 'help' }, 'Save to see when this schedule fires next.')); return; }
  if (!saved.enabled || !saved.next_fires || !saved.next_fires.length) { el.append(h('p', { class: 'help' }, 'Disabled: nothing is scheduled.')); return; }
  el.append(h('ol', { class: 'fires-list' }, saved.next_fires.map((/** @type {string} */ f) => h('li', null, h('time', { datetime: f }, fmtTime(f)), h('span', { class: 'muted' }, ` · ${ago(f)}`)))));
}
