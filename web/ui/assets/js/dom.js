// @ts-check
// Small DOM helpers: elements built with h() (text is always set as text,
// never parsed as HTML), JSON views, times, toasts, dialogs, copy, download.

/**
 * @typedef {Node | string | number | null | undefined | false | any[]} Child
 *   what h and append take as content; arrays are flattened
 */

/**
 * h builds an element: attrs are its attributes (class, text, value,
 * checked, dataset and on* listeners set as properties; null, undefined
 * and false left out), children its content.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any> | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'value') /** @type {HTMLInputElement} */ (/** @type {unknown} */ (el)).value = v;
      else if (k === 'checked') /** @type {HTMLInputElement} */ (/** @type {unknown} */ (el)).checked = !!v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/**
 * append adds children (nested arrays flattened, empty ones left out) to el.
 * @template {Element} E
 * @param {E} el
 * @param {Child} children
 * @returns {E}
 */
export function append(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/**
 * clear empties el.
 * @template {Element} E
 * @param {E} el
 * @returns {E}
 */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let uid = 0;
/**
 * nextId is a fresh element id.
 * @param {string} [prefix]
 */
export function nextId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * debounce delays fn until calls stop for ms.
 * @template {any[]} A
 * @param {(...args: A) => void} fn
 * @param {number} ms
 * @returns {(...args: A) => void}
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// ---- statuses -------------------------------------------------------------

/** @type {Record<string, string>} */
const statusLabels = {
  queued: 'Queued', running: 'Running', retrying: 'Retrying', waiting: 'Waiting',
  succeeded: 'Succeeded', filtered: 'Filtered', failed: 'Failed', cancelled: 'Cancelled',
  skipped: 'Skipped',
};

/** @param {string} [status] */
export function statusPill(status) {
  return h('span', { class: `pill st-${status || 'none'}` }, statusLabels[status] || status || '—');
}

// ---- times ----------------------------------------------------------------

/**
 * ago says how long ago (or in how long) time t is: "3 min ago".
 * @param {string | null | undefined} t
 */
export function ago(t) {
  if (!t) return '—';
  const d = new Date(t);
  const s = (Date.now() - d.getTime()) / 1000;
  if (s < 0) {
    const f = -s;
    if (f < 60) return `in ${Math.round(f)} s`;
    if (f < 3600) return `in ${Math.round(f / 60)} min`;
    if (f < 86400) return `in ${Math.round(f / 3600)} h`;
    return `in ${Math.round(f / 86400)} d`;
  }
  if (s < 5) return 'just now';
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 86400 * 30) return `${Math.round(s / 86400)} d ago`;
  return d.toLocaleDateString();
}

/** @param {string | null | undefined} t */
export function fmtTime(t) {
  if (!t) return '—';
  const d = new Date(t);
  return d.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

/**
 * timeEl is a <time> showing "3 min ago" with the full time on hover.
 * @param {string | null | undefined} t
 */
export function timeEl(t) {
  if (!t) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: t, title: fmtTime(t) }, ago(t));
}

/** @param {number | null | undefined} ms */
export function fmtDuration(ms) {
  if (ms == null || Number.isNaN(ms)) return '—';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60000);
  const s = Math.round((ms % 60000) / 1000);
  return `${m} min ${s} s`;
}

// ---- JSON -----------------------------------------------------------------

const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * childPath is the expression path of a key under path.
 * @param {string} path
 * @param {string | number} key
 */
export function childPath(path, key) {
  if (typeof key === 'number') return `${path}[${key}]`;
  return ident.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * jsonView renders a value as indented, coloured JSON. With onPath, every
 * key is a button that calls onPath with its expression path, e.g.
 * payload.items[0].sku.
 * @param {any} value
 * @param {{root?: string, onPath?: (path: string) => void, className?: string}} [opts]
 */
export function jsonView(value, { root = 'payload', onPath = undefined, className = '' } = {}) {
  const pre = h('pre', { class: `json ${className}` });
  renderJSON(pre, value, root, 0, onPath);
  return pre;
}

/** @param {number} n */
function pad(n) {
  return '  '.repeat(n);
}

/**
 * @param {HTMLElement} out
 * @param {any} v
 * @param {string} path
 * @param {number} indent
 * @param {((path: string) => void) | undefined} onPath
 */
function renderJSON(out, v, path, indent, onPath) {
  if (Array.isArray(v)) {
    if (v.length === 0) { out.append('[]'); return; }
    out.append('[\n');
    v.forEach((x, i) => {
      out.append(pad(indent + 1));
      renderJSON(out, x, childPath(path, i), indent + 1, onPath);
      out.append(i < v.length - 1 ? ',\n' : '\n');
    });
    out.append(pad(indent), ']');
    return;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) { out.append('{}'); return; }
    out.append('{\n');
    keys.forEach((k, i) => {
      const p = childPath(path, k);
      out.append(pad(indent + 1));
      if (onPath) {
        out.append(h('button', {
          type: 'button', class: 'jkey', title: `Insert ${p}`, 'aria-label': `Insert ${p}`,
          dataset: { path: p }, onclick: () => onPath(p),
        }, JSON.stringify(k)));
      } else {
        out.append(h('span', { class: 'jkey' }, JSON.stringify(k)));
      }
      out.append(': ');
      renderJSON(out, v[k], p, indent + 1, onPath);
      out.append(i < keys.length - 1 ? ',\n' : '\n');
    });
    out.append(pad(indent), '}');
    return;
  }
  let cls = 'jnull';
  if (typeof v === 'string') cls = 'jstr';
  else if (typeof v === 'number') cls = 'jnum';
  else if (typeof v === 'boolean') cls = 'jbool';
  out.append(h('span', { class: cls }, v === undefined ? 'undefined' : JSON.stringify(v)));
}

/**
 * compact is a one-line JSON of v, cut to max characters.
 * @param {any} v
 * @param {number} [max]
 */
export function compact(v, max = 400) {
  let s;
  try { s = JSON.stringify(v); } catch { s = String(v); }
  if (s === undefined) s = 'undefined';
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/**
 * maybeJSON parses JSON text, or returns it unchanged if it is not JSON.
 * @param {any} raw
 */
export function maybeJSON(raw) {
  if (raw == null) return raw;
  if (typeof raw !== 'string') return raw;
  try { return JSON.parse(raw); } catch { return raw; }
}

// ---- toasts, dialogs ------------------------------------------------------

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;
/**
 * toast shows a short message at the bottom of the page.
 * @param {string} msg
 * @param {'info' | 'error'} [kind]
 */
export function toast(msg, kind = 'info') {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = msg;
  el.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, kind === 'error' ? 6000 : 3000);
}

/**
 * modal opens a <dialog> with a title, content and buttons. Each button is
 * {label, value, kind, id}; the promise resolves with the value of the one
 * pressed (or null on Escape / close).
 * @typedef {Object} ModalButton
 * @property {string} label
 * @property {string} [value]
 * @property {string} [kind] a button class: primary, danger
 * @property {string} [id]
 * @property {boolean} [submit]
 * @property {(btn: HTMLButtonElement) => Promise<boolean | void> | boolean | void} [onClick] false keeps the dialog open
 * @param {{title: string, content: Child, buttons?: ModalButton[], wide?: boolean, onOpen?: (dlg: HTMLDialogElement) => void}} opts
 * @returns {Promise<string | null>}
 */
export function modal({ title, content, buttons = [], wide = false, onOpen = undefined }) {
  return new Promise((resolve) => {
    const titleId = nextId('dlg');
    const dlg = /** @type {HTMLDialogElement} */ (h('dialog', { class: `modal${wide ? ' wide' : ''}`, 'aria-labelledby': titleId }));
    const form = h('form', { method: 'dialog' });
    const foot = h('div', { class: 'modal-foot' });
    /** @type {string | null} */
    let result = null;
    for (const b of buttons) {
      const btn = /** @type {HTMLButtonElement} */ (h('button', {
        type: b.submit ? 'submit' : 'button', class: `btn ${b.kind || ''}`, id: b.id, value: b.value ?? '',
        onclick: async (e) => {
          if (b.onClick) {
            e.preventDefault();
            const keep = await b.onClick(btn);
            if (keep === false) return;
          }
          e.preventDefault();
          result = b.value ?? null;
          dlg.close();
        },
      }, b.label));
      foot.append(btn);
    }
    form.append(
      h('div', { class: 'modal-head' },
        h('h2', { id: titleId }, title),
        h('button', { type: 'button', class: 'btn ghost icon', 'aria-label': 'Close', onclick: () => dlg.close() }, '✕')),
      h('div', { class: 'modal-body' }, content),
      foot,
    );
    dlg.append(form);
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    document.body.append(dlg);
    dlg.showModal();
    if (onOpen) onOpen(dlg);
  });
}

/**
 * confirmDialog asks a yes/no question; it answers true for yes.
 * @param {{title: string, message: string, confirm?: string, danger?: boolean}} opts
 */
export async function confirmDialog({ title, message, confirm = 'OK', danger = false }) {
  const v = await modal({
    title,
    content: h('p', null, message),
    buttons: [
      { label: 'Cancel', value: 'cancel' },
      { label: confirm, value: 'ok', kind: danger ? 'danger' : 'primary', id: 'confirm-ok' },
    ],
  });
  return v === 'ok';
}

// ---- clipboard, download --------------------------------------------------

/**
 * copyText copies text to the clipboard (with a fallback for browsers that
 * refuse the async API) and records it on the button as data-copied.
 * @param {string} text
 * @param {HTMLElement} [btn]
 */
export async function copyText(text, btn) {
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      ok = true;
    }
  } catch { /* fall back below */ }
  if (!ok) {
    const ta = /** @type {HTMLTextAreaElement} */ (h('textarea', { class: 'offscreen', 'aria-hidden': 'true', readonly: true }, text));
    document.body.append(ta);
    ta.select();
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
  }
  if (btn) {
    btn.dataset.copied = text;
    const label = btn.textContent;
    btn.textContent = 'Copied';
    setTimeout(() => { btn.textContent = label; }, 1200);
  }
  toast(ok ? 'Copied to the clipboard' : 'Could not reach the clipboard: select the text and copy it');
  return ok;
}

/**
 * download saves text as a file.
 * @param {string} filename
 * @param {string} text
 * @param {string} [type]
 */
export function download(filename, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename, class: 'offscreen' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * labelled builds a labelled form row; control gets the id the label points at.
 * @param {Child} labelText
 * @param {HTMLElement} control
 * @param {{help?: Child, className?: string, optional?: boolean}} [opts]
 */
export function labelled(labelText, control, { help = undefined, className = '', optional = false } = {}) {
  if (!control.id) control.id = nextId();
  const helpEl = help ? h('div', { class: 'help', id: `${control.id}-help` }, help) : null;
  if (helpEl) control.setAttribute('aria-describedby', helpEl.id);
  return h('div', { class: `field ${className}` },
    h('label', { for: control.id }, labelText, optional ? h('span', { class: 'opt' }, ' optional') : null),
    control,
    helpEl);
}
