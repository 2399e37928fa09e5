// @ts-check
// The "Add a step" gallery: the built-in step kinds and the apps (shipped
// and the server's own), by category, searchable; picking one adds it to a
// step list.

import { h, clear, nextId } from '../dom.js';
import { loadApps, iconURL } from '../apps.js';

/** @typedef {import('./step-list.js').StepList} StepList */
/** @typedef {import('../apps.js').App} App */

/**
 * @typedef {Object} GalleryItem
 * @property {string} key "step:webhook" or "app:slack"
 * @property {string} name
 * @property {string} description
 * @property {string} category
 * @property {string} icon an image's address, or ''
 * @property {string} words what a search matches
 * @property {() => void} add
 */

/** builtIn is the category of the step kinds Hookflow has itself. */
const builtIn = 'Built-in steps';

/**
 * stepGallery is the button that opens the gallery and the gallery, for
 * a list of steps.
 * @param {StepList} list
 * @returns {HTMLElement[]}
 */
export function stepGallery(list) {
  const panelId = nextId('step-gallery');
  const search = /** @type {HTMLInputElement} */ (h('input', {
    type: 'search', class: 'gallery-search', placeholder: 'Search apps and steps: slack, email, delay…',
    'aria-label': 'Search apps and steps', autocomplete: 'off',
  }));
  const results = h('div', { class: 'gallery-results', 'aria-live': 'polite' });
  const panel = h('div', { id: panelId, class: 'step-gallery', hidden: true, role: 'region', 'aria-label': 'Apps and steps' },
    search, results);
  const open = h('button', {
    type: 'button', class: 'btn small primary', 'aria-expanded': 'false', 'aria-controls': panelId,
    dataset: { openGallery: list.path },
  }, 'Browse apps and steps…');
  /** @type {GalleryItem[]} */
  let items = [];

  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = items.filter((it) => !q || q.split(/\s+/).every((w) => it.words.includes(w)));
    clear(results);
    if (!shown.length) {
      results.append(h('p', { class: 'muted' }, `Nothing matches “${search.value.trim()}”.`));
      return;
    }
    const cats = [...new Set(shown.map((it) => it.category))]
      .sort((a, b) => (a === builtIn ? -1 : b === builtIn ? 1 : a.localeCompare(b)));
    for (const cat of cats) {
      results.append(h('section', { class: 'gallery-cat' },
        h('h3', null, cat),
        h('div', { class: 'gallery-items' }, shown.filter((it) => it.category === cat).map((it) => h('button', {
          type: 'button', class: 'gallery-item', dataset: { galleryItem: it.key }, title: it.description,
          onclick: () => { toggle(false); it.add(); },
        },
        it.icon ? h('img', { class: 'app-icon', src: it.icon, alt: '', width: 24, height: 24 }) : h('span', { class: 'app-icon blank', 'aria-hidden': 'true' }, it.name.slice(0, 1)),
        h('span', { class: 'gallery-text' }, h('strong', null, it.name), h('span', { class: 'muted' }, it.description)))))));
    }
  };

  /** @param {boolean} show */
  const toggle = (show) => {
    panel.hidden = !show;
    open.setAttribute('aria-expanded', String(show));
    if (!show) return;
    /** @type {GalleryItem[]} */
    const kinds = list.host.kinds.steps.filter((k) => k.type !== 'app').map((k) => ({
      key: `step:${k.type}`, name: k.title, description: k.summary, category: builtIn, icon: '',
      words: `${k.title} ${k.type} ${k.summary} ${builtIn}`.toLowerCase(),
      add: () => list.addStep(k.type),
    }));
    items = kinds;
    draw();
    search.focus();
    loadApps().then((apps) => {
      items = [...kinds, ...apps.map((a) => ({
        key: `app:${a.id}`, name: a.name, description: a.description || '', category: a.category, icon: iconURL(a),
        words: `${a.name} ${a.id} ${a.category} ${a.description || ''} ${a.actions.map((x) => x.title).join(' ')}`.toLowerCase(),
        add: () => list.addStep('app', { app: a.id, ...(a.actions.length ? { action: a.actions[0].id } : {}) }),
      }))];
      draw();
    }).catch((e) => results.append(h('p', { class: 'error-text' }, `The apps could not be loaded: ${e.message || e}`)));
  };
  open.addEventListener('click', () => toggle(panel.hidden));
  search.addEventListener('input', draw);
  search.addEventListener('keydown', (e) => { if (e.key === 'Escape') { toggle(false); open.focus(); } });
  return [open, panel];
}
