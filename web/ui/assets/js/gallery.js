// @ts-check
// "New workflow": a blank workflow, or one of the templates (name, what it
// does, what it connects, the secrets it needs). Choosing one opens the
// editor with it and its sample event loaded (/workflows/new?template=ID).

import { h, clear, modal } from './dom.js';
import { navigate } from './nav.js';
import { loadTemplates } from './editor/template-start.js';

/** galleryDialog opens the gallery; the editor opens with what is chosen. */
export function galleryDialog() {
  const list = h('ul', { class: 'gallery', 'aria-label': 'Templates', 'aria-busy': 'true' },
    h('li', { class: 'muted' }, 'Loading the templates…'));
  /** @type {HTMLDialogElement | null} */
  let dlg = null;
  /** @param {string} path */
  const go = (path) => { if (dlg) dlg.close(); navigate(path); };
  const blank = h('div', { class: 'gallery-blank' },
    h('button', { type: 'button', class: 'btn', id: 'gallery-blank', onclick: () => go('/workflows/new') }, 'Blank workflow'),
    h('span', { class: 'muted' }, 'Start from an empty editor, with a webhook trigger.'));
  loadTemplates().then((ts) => {
    clear(list);
    list.removeAttribute('aria-busy');
    for (const t of ts) {
      const titleId = `tpl-${t.id}-h`;
      list.append(h('li', { class: 'gallery-item card', dataset: { template: t.id }, 'aria-labelledby': titleId },
        h('h3', { id: titleId }, t.name),
        h('p', null, t.summary),
        h('p', { class: 'connects' }, h('span', { class: 'sr-only' }, 'Connects: '),
          t.connects.flatMap((c, i) => [i ? h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → ') : null, h('span', { class: 'tag' }, c)])),
        t.secrets.length
          ? h('p', { class: 'help' }, `Needs the secret${t.secrets.length > 1 ? 's' : ''} `, t.secrets.flatMap((n, i) => [i ? ', ' : '', h('code', null, n)]))
          : h('p', { class: 'help' }, 'Needs no secret.'),
        h('button', {
          type: 'button', class: 'btn primary small', 'aria-label': `Use template: ${t.name}`,
          onclick: () => go(`/workflows/new?template=${encodeURIComponent(t.id)}`),
        }, 'Use this template')));
    }
  }).catch((e) => {
    clear(list).append(h('li', { class: 'error-text', role: 'alert' }, `The templates could not be loaded: ${e.message}`));
    list.removeAttribute('aria-busy');
  });
  return modal({
    title: 'New workflow',
    content: h('div', { class: 'gallery-wrap' }, blank, h('h3', { class: 'section-h' }, 'Or start from a template'), list),
    wide: true,
    onOpen: (d) => { dlg = d; /** @type {HTMLElement} */ (d.querySelector('#gallery-blank')).focus(); },
    buttons: [{ label: 'Cancel', value: 'cancel' }],
  });
}
