// @ts-check
// The workflow editor: the trigger on top, the steps as a vertical list,
// a sample event beside them. Expression fields preview their value
// against the sample; Test dry-runs the unsaved definition; Save refuses an
// invalid workflow and points at the field at fault. This module holds the
// page's state and layout and saves; each part of the page is a module of
// editor/.

import { get, post, put, qs } from './api.js';
import { loadKinds } from './kinds.js';
import { h, clear, timeEl, toast, confirmDialog } from './dom.js';
import { navigate, setGuard, setDirtyCheck, onLeave, setTitle } from './nav.js';
import { exportWorkflows } from './list.js';
import { clone, newDraft, toDefinition } from './editor/draft.js';
import { clearAllErrors, clearFieldError, showFieldError } from './editor/field-errors.js';
import { Previews } from './editor/previews.js';
import { StepEnvs } from './editor/step-envs.js';
import { attachAutocomplete } from './editor/autocomplete.js';
import { renderTrigger } from './editor/trigger-panel.js';
import { StepList } from './editor/step-list.js';
import { SamplePanel, sampleFromEvent } from './editor/sample-panel.js';
import { runNowButton } from './editor/run-now.js';
import { exampleSample } from './editor/example-events.js';
import { TestPanel } from './editor/test-panel.js';
import { settingsSection } from './editor/settings.js';
import { showHistory } from './editor/history.js';
import { templateStart, templateNotice } from './editor/template-start.js';
import { can } from './me.js';

/**
 * @typedef {import('./editor/draft.js').Definition} Definition
 * @typedef {import('./editor/example-events.js').Sample} Sample
 * @typedef {import('./editor/previews.js').ExprEnv} ExprEnv
 * @typedef {import('./editor/previews.js').PreviewField} PreviewField
 * @typedef {import('./kinds.js').Kinds} Kinds
 */

/** @type {{id: string, sample: Sample, template?: import('./editor/template-start.js').Template | null} | null} A sample (and the template) carried from a new draft to its saved page. */
let carriedSample = null;

/**
 * workflowEditor draws the editor of workflow id (null: a new one) in root.
 * @param {HTMLElement} root
 * @param {string | null} id
 */
export async function workflowEditor(root, id) {
  const ed = new Editor(root, id);
  await ed.load();
}

/**
 * within says whether field path is inner or equal to field path outer:
 * steps[1].url is within steps[1] and within steps.
 * @param {string} path
 * @param {string} outer
 */
function within(path, outer) {
  return path === outer || path.startsWith(`${outer}.`) || path.startsWith(`${outer}[`);
}

/**
 * Editor is one workflow's editor page: what the parts of the page share.
 * It is the host of the forms on it (FormHost, StepHost).
 */
export class Editor {
  /**
   * @param {HTMLElement} root
   * @param {string | null} id
   */
  constructor(root, id) {
    this.root = root;
    this.id = id;
    /** @type {Record<string, any> | null} the stored workflow as the API shows it */
    this.saved = null;
    /** @type {Definition} the definition being edited */
    this.draft = newDraft();
    this.dirty = false;
    /** @type {Sample} */
    this.sample = exampleSample(this.draft.trigger);
    /** @type {Record<string, any>[]} recent trigger events */
    this.events = [];
    /** @type {Record<string, any> | null} the last test's report */
    this.report = null;
    /** @type {HTMLInputElement | HTMLTextAreaElement | null} the last expression field focused: where a sample path goes */
    this.insertTarget = null;
    /** @type {Map<HTMLElement, string>} control -> what is wrong with its value, found before asking the server */
    this.localErrors = new Map();
    /** @type {Kinds} the kinds the server knows (loaded by load) */
    this.kinds = { steps: [], triggers: [], auth: [], common: { step: [], methods: [] } };
    /** @type {Promise<string[]> | null} */
    this.secrets = null;
    /** @type {(() => void) | null} what the trigger panel redraws after an edit of the trigger */
    this.afterTriggerEdit = null;
    this.stepEnvs = new StepEnvs(this);
    this.previews = new Previews((i) => this.stepEnvs.envAt(i));
    this.sampler = new SamplePanel(this);
    this.tester = new TestPanel(this);
    this.stepList = new StepList(this, {
      path: 'steps',
      get: () => this.draft.steps,
      set: (v) => { this.draft.steps = v || []; },
    });
    /** @type {string} the field the save error banner points at ('' for none) */
    this.bannerField = '';
    /** @type {import('./editor/template-start.js').Template | null} the template a new workflow was made from */
    this.template = null;
  }

  async load() {
    const kinds = loadKinds();
    if (this.id) {
      this.saved = await get(`/workflows/${this.id}`);
      this.draft = clone(this.saved.definition);
      try {
        const { events } = await get(`/workflows/${this.id}/events?limit=10`);
        this.events = events;
      } catch { this.events = []; }
      if (carriedSample && carriedSample.id === this.id) {
        this.sample = carriedSample.sample;
        this.template = carriedSample.template || null;
      } else if (this.events.length) {
        this.sample = sampleFromEvent(this.events[0]);
      }
      carriedSample = null;
    } else {
      const from = new URLSearchParams(location.search).get('template');
      const start = from ? await templateStart(from) : null;
      if (start) {
        this.draft = start.draft;
        this.sample = start.sample;
        this.template = start.template;
      }
    }
    this.kinds = await kinds;
    this.fitExample();
    setGuard(() => !this.dirty || window.confirm('This workflow has unsaved changes. Leave without saving them?'));
    setDirtyCheck(() => this.dirty);
    onLeave(() => this.sampler.stopListening());
    this.render();
  }

  // ---- state ---------------------------------------------------------------

  markDirty() {
    if (!this.dirty) {
      this.dirty = true;
      this.root.querySelector('.editor')?.classList.add('is-dirty');
      const s = this.root.querySelector('#save-state');
      if (s) s.textContent = 'Unsaved changes';
    }
  }

  /**
   * changed records an edit of the field at path, made with control el: the
   * draft is dirty, el's error is gone, and so is a save error about it.
   * @param {string} path
   * @param {Element} [el]
   */
  changed(path, el) {
    this.markDirty();
    clearFieldError(el);
    if (this.bannerField && (within(path, this.bannerField) || within(this.bannerField, path))) this.hideBanner();
    if (this.afterTriggerEdit && within(path, 'trigger')) this.afterTriggerEdit();
    // What the later steps see comes from this one.
    const at = /^steps\[(\d+)\]/.exec(path);
    if (at) this.previews.refreshAfter(Number(at[1]));
    else if (path === 'steps') this.previews.refreshAfter(-1);
  }

  /** @param {PreviewField} f */
  addPreview(f) {
    this.previews.add(f);
    if (f.kind !== 'rules') attachAutocomplete(this, f);
  }

  /**
   * @param {HTMLElement} el
   * @param {string | null} message
   */
  setLocalError(el, message) {
    if (message) this.localErrors.set(el, message);
    else this.localErrors.delete(el);
  }

  /** secretNames are the names of the stored secrets, asked once per page. */
  secretNames() {
    if (!this.secrets) {
      this.secrets = get('/secrets').then((r) => r.secrets.map((/** @type {{name: string}} */ x) => x.name));
    }
    return this.secrets;
  }

  /**
   * stepResult shows under a step what the last test made of it.
   * @param {HTMLElement} el
   * @param {Record<string, any>} s
   */
  stepResult(el, s) { this.tester.renderStepResult(el, s); }

  /**
   * envFor is the environment step i sees: the sample, advanced through the
   * last test's outputs.
   * @param {number} i
   * @returns {ExprEnv}
   */
  envFor(i) {
    let payload = this.sample.payload;
    /** @type {Record<string, any>} */
    const steps = {};
    const rep = this.report;
    if (rep && i > 0) {
      for (let j = 0; j < i && j < rep.steps.length; j++) {
        const r = rep.steps[j];
        const st = this.draft.steps[j];
        if (!st || st.id !== r.step) break;
        if (r.status === 'succeeded' || r.status === 'waiting') {
          steps[r.step] = r.output ?? null;
          if (r.sets_payload) payload = r.output;
        } else if (r.status === 'skipped') steps[r.step] = null;
      }
    }
    return { payload, trigger: this.sampler.triggerEnv(), steps, vars: this.draft.vars || {} };
  }

  /**
   * fitExample makes an example sample the example of the draft's trigger
   * (a captured or edited sample stays).
   */
  fitExample() {
    if (this.sample.example) this.sample = exampleSample(this.draft.trigger, this.saved ? this.saved.next_fires : undefined);
  }

  /** triggerTypeChanged redraws what depends on the trigger's type. */
  triggerTypeChanged() {
    this.fitExample();
    this.renderTrigger();
    this.renderSide();
    this.previews.refresh();
  }

  // ---- layout --------------------------------------------------------------

  render() {
    this.sampler.stopListening();
    setTitle(this.saved ? this.saved.name : 'New workflow');
    const d = this.draft;
    const saved = this.saved;

    const name = h('input', {
      id: 'wf-name', class: 'title-input', value: d.name, placeholder: 'Name this workflow',
      'aria-label': 'Workflow name', 'data-field': 'name', autocomplete: 'off',
      oninput: () => { d.name = name.value; this.changed('name', name); },
    });
    const enabled = h('input', {
      type: 'checkbox', role: 'switch', class: 'switch', id: 'wf-enabled', checked: saved ? saved.enabled : d.enabled,
      disabled: !can('editor'),
      'aria-label': 'Enabled',
      onchange: () => this.setEnabled(enabled),
    });
    const saveBtn = can('editor')
      ? h('button', { type: 'button', class: 'btn primary', id: 'save', onclick: () => this.save() }, 'Save')
      : h('span', { class: 'muted', id: 'read-only', title: 'Your role is viewer: ask an admin for the editor role to change workflows' }, 'Read only');
    const testBtn = h('button', {
      type: 'button', class: 'btn', id: 'test', onclick: () => this.tester.run(),
      disabled: !saved, title: saved ? 'Dry-run the workflow, with your unsaved edits, against the sample' : 'Save the workflow first',
    }, 'Test');

    const head = h('div', { class: 'editor-head' },
      h('h1', { class: 'sr-only', id: 'editor-h' }, saved ? `Workflow ${saved.name}` : 'New workflow'),
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        h('a', { href: '/', 'data-link': '' }, 'Workflows'), h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', null, saved ? saved.id : 'new')),
      h('div', { class: 'editor-title' },
        name,
        h('div', { class: 'editor-actions' },
          h('label', { class: 'switch-label', for: 'wf-enabled' }, enabled, h('span', null, 'Enabled')),
          saved ? h('button', { type: 'button', class: 'btn ghost', id: 'history', onclick: () => showHistory(this) }, 'History') : null,
          saved ? h('button', { type: 'button', class: 'btn ghost', onclick: () => exportWorkflows([saved.id]) }, 'Export') : null,
          saved ? h('a', { class: 'btn ghost', href: `/runs${qs({ workflow: saved.id })}`, 'data-link': '' }, 'Runs') : null,
          saved ? h('a', { class: 'btn ghost', href: `/dashboard${qs({ workflow: saved.id })}`, 'data-link': '' }, 'Monitoring') : null,
          saved ? runNowButton(this) : null,
          testBtn, saveBtn)),
      h('div', { class: 'editor-meta' },
        saved
          ? [h('span', { class: 'mono' }, saved.id), ' · ', `revision ${saved.revision}`, ' · saved ', timeEl(saved.updated_at)]
          : 'Not saved yet',
        h('span', { id: 'save-state', class: 'save-state', 'aria-live': 'polite' }, this.dirty ? 'Unsaved changes' : '')));

    this.banner = h('div', { class: 'banner error', id: 'save-error', role: 'alert', hidden: true });
    this.bannerField = '';
    this.triggerBox = h('section', { class: 'card trigger', 'aria-labelledby': 'trigger-h' });
    this.sideBox = h('aside', { class: 'editor-side', 'aria-label': 'Sample event and test' });

    const main = h('div', { class: 'editor-main' },
      this.triggerBox,
      h('h2', { class: 'section-h', id: 'steps-h' }, 'Steps'),
      this.stepList.render(),
      settingsSection(this));

    const page = h('div', { class: `page editor${this.dirty ? ' is-dirty' : ''}` },
      head, this.banner, this.template ? templateNotice(this.template, () => this.secretNames()) : null,
      h('div', { class: 'editor-body' }, main, this.sideBox));
    clear(this.root).append(page);

    page.addEventListener('focusin', (e) => {
      const t = e.target;
      if ((t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) && t.matches('[data-insertable]')) this.insertTarget = t;
    });
    page.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); this.save(); }
    });

    this.renderTrigger();
    this.renderSide();
    if (!saved) name.focus();
  }

  renderTrigger() { renderTrigger(this, this.triggerBox); }

  renderSide() {
    clear(this.sideBox).append(this.sampler.render(), this.tester.render());
  }

  // ---- enable, save, errors ------------------------------------------------

  /** @param {HTMLInputElement} el */
  async setEnabled(el) {
    const on = el.checked;
    if (!this.saved) { this.draft.enabled = on; this.markDirty(); return; }
    el.disabled = true;
    try {
      const w = await post(`/workflows/${this.saved.id}/${on ? 'enable' : 'disable'}`);
      this.saved.enabled = w.enabled;
      this.saved.next_fires = w.next_fires;
      this.draft.enabled = w.enabled;
      toast(on ? 'Enabled: the trigger is live' : 'Disabled: the trigger answers 404');
      this.renderTrigger();
    } catch (e) {
      el.checked = !on;
      toast(e.message, 'error');
    } finally { el.disabled = false; }
  }

  /** checkLocal shows the first error found before asking the server, if any. */
  checkLocal() {
    for (const [el, msg] of this.localErrors) {
      if (!el.isConnected) { this.localErrors.delete(el); continue; } // a form drawn again
      const path = el.dataset.field || '';
      showFieldError(this.root, path, { message: msg });
      this.showBanner(`Not saved: ${path} ${msg}`, path);
      return true;
    }
    return false;
  }

  async save() {
    clearAllErrors(this.root);
    this.hideBanner();
    if (this.checkLocal()) return;
    const btn = /** @type {HTMLButtonElement} */ (this.root.querySelector('#save'));
    btn.disabled = true;
    btn.textContent = 'Saving…';
    if (!(await this.confirmFailing())) {
      btn.disabled = false;
      btn.textContent = 'Save';
      return;
    }
    const def = toDefinition(this.draft);
    try {
      let w;
      if (this.saved) {
        const before = this.saved.revision;
        w = await put(`/workflows/${this.saved.id}`, def);
        toast(w.revision === before ? 'No changes to save' : `Saved revision ${w.revision}`);
      } else {
        w = await post('/workflows', def);
        toast(`Created ${w.name}`);
        this.dirty = false;
        carriedSample = { id: w.id, sample: this.sample, template: this.template };
        navigate(`/workflows/${w.id}`, { replace: true, force: true });
        return;
      }
      this.adopt(w);
    } catch (e) {
      this.showSaveError(e, 'Not saved');
    } finally {
      if (btn.isConnected) { btn.disabled = false; btn.textContent = 'Save'; }
    }
  }

  /**
   * confirmFailing asks, before an enabled workflow is saved with a step
   * that fails on the sample, whether to save it all the same. A draft the
   * server refuses is left to the save to explain.
   * @returns {Promise<boolean>} whether to save
   */
  async confirmFailing() {
    // Nothing edited: nothing is saved, so there is nothing to ask.
    if (!this.saved || !this.dirty || this.draft.enabled === false) return true;
    let bad = null;
    try { bad = await this.stepEnvs.failing(); } catch { return true; }
    if (!bad) return true;
    return confirmDialog({
      title: `Step ${bad.step} fails on the sample`,
      message: `Step ${bad.step} fails on the sample: ${bad.error}. The workflow is enabled, so real events would fail there too. Save anyway?`,
      confirm: 'Save anyway',
    });
  }

  /**
   * adopt makes a workflow the API answered the saved state, and draws it.
   * @param {Record<string, any>} w
   */
  adopt(w) {
    this.saved = w;
    this.draft = clone(w.definition);
    this.dirty = false;
    this.render();
  }

  /**
   * showSaveError shows an API error in the banner and at its field.
   * @param {any} e
   * @param {string} prefix
   */
  showSaveError(e, prefix) {
    if (e.field) {
      const at = e.line && e.field !== 'definition' ? ` (line ${e.line}, column ${e.column})` : '';
      const where = e.step ? `step ${e.step}, ${e.field}` : e.field;
      const msg = (e.message || '').replace(/^step "[^"]*": [^:]+: /, '').replace(/^[\w.[\]-]+: /, '');
      this.showBanner(`${prefix}: ${where}: ${msg}${at}`, e.field);
      showFieldError(this.root, e.field, e);
    } else {
      this.showBanner(`${prefix}: ${e.message}`);
    }
  }

  /**
   * @param {string} text
   * @param {string} [field] the field the message is about: "Show me" goes there
   */
  showBanner(text, field) {
    clear(this.banner).append(h('span', null, text));
    this.bannerField = field || '';
    if (field) {
      this.banner.append(h('button', {
        type: 'button', class: 'btn small', onclick: () => showFieldError(this.root, field, null, true),
      }, 'Show me'));
    }
    this.banner.hidden = false;
  }

  hideBanner() {
    this.banner.hidden = true;
    this.bannerField = '';
  }
}
