// @ts-check
// A saved consumer trigger's connection (a broker's consumer, a poll), as
// the replica that answers sees it: connecting, connected, retrying with
// its last error, or stopped. Asked again every few seconds while shown.

import { get } from '../api.js';
import { h, clear, ago } from '../dom.js';

/** @typedef {import('../editor.js').Editor} Editor */

const labels = /** @type {Record<string, string>} */ ({
  connecting: 'Connecting',
  connected: 'Connected',
  retrying: 'Connection lost: retrying',
  stopped: 'Stopped (the workflow is disabled)',
});

/**
 * renderTriggerState shows the saved trigger's connection state where the
 * server gives one (trigger_state), and keeps it current.
 * @param {HTMLElement} el
 * @param {Editor} ed
 * @param {Record<string, any>} t the draft's trigger
 * @returns {boolean}
 */
export function renderTriggerState(el, ed, t) {
  const draw = () => {
    clear(el);
    const saved = ed.saved;
    const st = saved && saved.trigger_state;
    if (!st || saved.definition.trigger.type !== t.type) return false;
    el.append(h('div', { class: 'fires-h' }, 'Connection'),
      h('p', { class: `trigger-state state-${st.state}`, id: 'trigger-state', dataset: { state: st.state } },
        labels[st.state] || st.state, st.since ? h('span', { class: 'muted' }, ` · since ${ago(st.since)}`) : null),
      st.error ? h('p', { class: 'error-text', id: 'trigger-state-error' }, st.error) : null);
    return true;
  };
  if (!draw()) return false;
  const tick = async () => {
    if (!el.isConnected || !ed.saved) return;
    try {
      const w = await get(`/workflows/${ed.saved.id}`);
      if (!el.isConnected || !ed.saved || ed.saved.id !== w.id) return;
      ed.saved.trigger_state = w.trigger_state;
      draw();
    } catch { /* shown again at the next tick */ }
    setTimeout(tick, 3000);
  };
  setTimeout(tick, 3000);
  return true;
}
