// @ts-check
// A workflow's revisions: what changed since each, and restoring one.

import { get, post } from '../api.js';
import { h, clear, timeEl, jsonView, modal, toast } from '../dom.js';
import { diffLines, diffView } from '../diff.js';

/** @typedef {import('../editor.js').Editor} Editor */

/**
 * showHistory opens the revisions of the saved workflow, each compared to
 * the current one.
 * @param {Editor} ed
 */
export async function showHistory(ed) {
  const saved = ed.saved;
  if (!saved) return;
  const { revisions } = await get(`/workflows/${saved.id}/revisions`);
  const current = saved.revision;
  const list = h('ol', { class: 'rev-list', 'aria-label': 'Revisions' });
  const pane = h('div', { class: 'rev-pane' }, h('p', { class: 'help' }, 'Choose a revision to see what changed since.'));
  const curDef = await get(`/workflows/${saved.id}/revisions/${current}`).then((r) => r.definition).catch(() => saved.definition);
  /**
   * @param {{revision: number}} rev
   * @param {HTMLElement} btn
   */
  const show = async (rev, btn) => {
    for (const b of list.querySelectorAll('button')) b.removeAttribute('aria-current');
    btn.setAttribute('aria-current', 'true');
    const r = await get(`/workflows/${saved.id}/revisions/${rev.revision}`);
    const a = JSON.stringify(r.definition, null, 2);
    const b = JSON.stringify(curDef, null, 2);
    clear(pane).append(
      h('div', { class: 'rev-pane-head' },
        h('strong', null, rev.revision === current ? `Revision ${rev.revision} (current)` : `Revision ${rev.revision} → current (${current})`),
        rev.revision !== current ? h('button', {
          type: 'button', class: 'btn small', id: 'rollback', onclick: () => rollback(ed, rev.revision),
        }, `Restore revision ${rev.revision}`) : null),
      rev.revision === current ? jsonView(r.definition, { root: 'definition' }) : diffView(diffLines(a, b)));
  };
  for (const rev of revisions) {
    const b = h('button', { type: 'button', class: 'rev-item', onclick: () => show(rev, b) },
      h('span', { class: 'rev-n' }, `#${rev.revision}`), ' ', timeEl(rev.created_at), rev.revision === current ? h('span', { class: 'tag' }, 'current') : null);
    list.append(h('li', null, b));
  }
  await modal({
    title: `History of ${saved.name}`, wide: true,
    content: h('div', { class: 'history' }, list, pane),
    buttons: [{ label: 'Close', value: 'close' }],
    onOpen: () => {
      const second = list.querySelectorAll('button')[1] || list.querySelector('button');
      if (second) second.click();
    },
  });
}

/**
 * rollback restores revision rev as a new revision.
 * @param {Editor} ed
 * @param {number} rev
 */
async function rollback(ed, rev) {
  if (!ed.saved) return;
  if (ed.dirty && !window.confirm('Restoring discards your unsaved edits. Go on?')) return;
  try {
    const w = await post(`/workflows/${ed.saved.id}/revisions/${rev}/rollback`);
    /** @type {HTMLDialogElement | null} */ (document.querySelector('dialog[open]'))?.close();
    toast(`Restored revision ${rev} as revision ${w.revision}`);
    ed.adopt(w);
  } catch (e) { toast(e.message, 'error'); }
}
