// @ts-check
// The sample event the previews and tests run against: an example, a
// captured request, or one edited by hand; and listening for the next
// request to the trigger URL.

import { api } from '../api.js';
import { h, clear, ago, debounce, jsonView, toast, copyText } from '../dom.js';
import { takesRequests } from './trigger-url.js';

/** @typedef {import('../editor.js').Editor} Editor */

/** @typedef {import('./example-events.js').Sample} Sample */

/**
 * sampleFromEvent is a captured trigger event as the sample.
 * @param {Record<string, any>} ev
 * @returns {Sample}
 */
export function sampleFromEvent(ev) {
  return { payload: ev.body ?? null, event: ev, label: `Captured ${ago(ev.received_at)}${ev.method ? ` · ${ev.method}` : ''}` };
}

/** SamplePanel is the side card holding the sample. */
export class SamplePanel {
  /** @param {Editor} ed */
  constructor(ed) {
    this.ed = ed;
    /** @type {AbortController | null} */
    this.listenCtl = null;
    /** @type {HTMLButtonElement | null} */
    this.listenBtn = null;
    /** @type {HTMLElement | null} */
    this.listenStatus = null;
    this.view = h('div', { class: 'sample-view' });
  }

  render() {
    const ed = this.ed;
    const receives = !!ed.draft.trigger && takesRequests(ed.draft.trigger.type);
    const listen = receives ? /** @type {HTMLButtonElement} */ (h('button', {
      type: 'button', class: 'btn', id: 'listen', disabled: !ed.saved,
      title: ed.saved ? 'Wait for the next request to the trigger URL and use it as the sample' : 'Save the workflow first',
      onclick: () => this.listen(),
    }, 'Listen for a test event')) : null;
    this.listenBtn = listen;
    this.listenStatus = h('div', { class: 'listen-status', 'aria-live': 'polite' });
    const evSelect = ed.events.length ? /** @type {HTMLSelectElement} */ (h('select', {
      'aria-label': 'Recent events',
      onchange: () => {
        const ev = ed.events.find((x) => x.id === evSelect.value);
        if (ev) this.setSample(sampleFromEvent(ev));
      },
    }, h('option', { value: '' }, `Recent events (${ed.events.length})`),
    ed.events.map((ev) => h('option', { value: ev.id }, `${ev.method || ev.source} · ${ago(ev.received_at)}`)))) : null;

    this.view = h('div', { class: 'sample-view' });
    const editBtn = h('button', { type: 'button', class: 'btn small ghost', id: 'edit-sample', 'aria-expanded': 'false', onclick: () => this.toggleEdit(editBtn) }, 'Edit');

    const card = h('section', { class: 'card sample', 'aria-labelledby': 'sample-h' },
      h('div', { class: 'card-head' }, h('h2', { id: 'sample-h' }, 'Sample event'), editBtn),
      h('div', { class: 'card-body' },
        listen ? h('div', { class: 'sample-actions' }, listen) : null,
        evSelect ? h('div', { class: 'sample-actions' }, evSelect) : null,
        this.listenStatus,
        h('div', { class: 'sample-label', id: 'sample-label' }, ed.sample.label),
        this.view,
        h('p', { class: 'help' }, 'Click a field name to insert its path into the expression you were editing.')));
    this.renderView();
    return card;
  }

  renderView() {
    const ed = this.ed;
    clear(this.view).append(jsonView(ed.sample.payload, { onPath: (p) => this.insertPath(p), className: 'sample-json' }));
    const label = ed.root.querySelector('#sample-label');
    if (label) label.textContent = ed.sample.label;
  }

  /** @param {HTMLElement} btn */
  toggleEdit(btn) {
    const ed = this.ed;
    if (this.view.querySelector('textarea')) { this.renderView(); btn.textContent = 'Edit'; btn.setAttribute('aria-expanded', 'false'); return; }
    btn.textContent = 'Done';
    btn.setAttribute('aria-expanded', 'true');
    const ta = /** @type {HTMLTextAreaElement} */ (h('textarea', { class: 'code', rows: 14, id: 'sample-text', spellcheck: 'false', 'aria-label': 'Sample payload (JSON)', value: JSON.stringify(ed.sample.payload, null, 2) }));
    const err = h('div', { class: 'error-text', role: 'alert' });
    ta.addEventListener('input', debounce(() => {
      try {
        const v = JSON.parse(ta.value);
        err.textContent = '';
        ed.sample = { payload: v, event: null, label: 'Edited by hand', source: ed.sample.source };
        ed.previews.refresh();
      } catch (e) { err.textContent = `Not JSON yet: ${e.message}`; }
    }, 300));
    clear(this.view).append(ta, err);
    ta.focus();
  }

  /** @param {Sample} sample */
  setSample(sample) {
    const ed = this.ed;
    ed.sample = sample;
    ed.report = null;
    this.renderView();
    ed.tester.renderSummary();
    ed.tester.clearStepResults();
    ed.previews.refresh();
    const edit = ed.root.querySelector('#edit-sample');
    if (edit) { edit.textContent = 'Edit'; edit.setAttribute('aria-expanded', 'false'); }
  }

  /**
   * insertPath puts a sample path into the expression field last focused
   * ({{ path }} in a template), or copies it.
   * @param {string} path
   */
  insertPath(path) {
    const el = this.ed.insertTarget;
    if (!el || !el.isConnected) {
      copyText(path);
      toast(`${path} copied: click into an expression first to insert it there`);
      return;
    }
    const text = el.dataset.kind === 'template' ? `{{ ${path} }}` : path;
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    el.focus();
    el.setRangeText(text, start, end, 'end');
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }

  /** triggerEnv is the trigger the expressions see: the captured event's, or one made up for the sample. */
  triggerEnv() {
    const ed = this.ed;
    const ev = ed.sample.event;
    if (ev) {
      return {
        source: ev.source, method: ev.method || '', headers: ev.headers || {},
        query: Object.fromEntries(new URLSearchParams(ev.query || '')), received_at: ev.received_at,
        body: typeof ev.body === 'string' ? ev.body : JSON.stringify(ev.body ?? ''), event_id: ev.id,
        meta: ev.meta || null,
      };
    }
    const source = ed.sample.source || 'manual';
    return {
      source, method: source === 'cron' ? '' : 'POST', headers: { 'content-type': 'application/json' }, query: {},
      body: JSON.stringify(ed.sample.payload), received_at: new Date().toISOString(), event_id: '',
    };
  }

  async listen() {
    const ed = this.ed;
    if (this.listenCtl) { this.stopListening(); return; }
    if (!ed.saved || !this.listenBtn || !this.listenStatus) return;
    const ctl = new AbortController();
    this.listenCtl = ctl;
    this.listenBtn.textContent = 'Stop listening';
    this.listenBtn.classList.add('listening');
    clear(this.listenStatus).append(h('span', { class: 'pulse', 'aria-hidden': 'true' }), 'Waiting for a request to the trigger URL…');
    const until = Date.now() + 5 * 60 * 1000;
    try {
      while (Date.now() < until && !ctl.signal.aborted) {
        const r = await api('GET', `/workflows/${ed.saved.id}/events/next?timeout=25s`, undefined, { signal: ctl.signal });
        if (r && r.event) {
          ed.events.unshift(r.event);
          this.setSample(sampleFromEvent(r.event));
          toast('Captured a test event: it is the sample now');
          break;
        }
      }
      if (Date.now() >= until) toast('Stopped listening after 5 minutes');
    } catch (e) {
      if (e.name !== 'AbortError') toast(e.message, 'error');
    } finally {
      if (this.listenCtl === ctl) this.stopListening();
    }
  }

  stopListening() {
    if (this.listenCtl) { this.listenCtl.abort(); this.listenCtl = null; }
    if (this.listenBtn) { this.listenBtn.textContent = 'Listen for a test event'; this.listenBtn.classList.remove('listening'); }
    if (this.listenStatus) clear(this.listenStatus);
  }
}
