// The workflow editor: the trigger on top, the steps as a vertical list,
// a sample event beside them. Expression fields preview their value
// against the sample; Test dry-runs the unsaved definition; Save refuses an
// invalid workflow and points at the field at fault.

import { api, get, post, put, qs } from './api.js';
import {
  h, clear, nextId, debounce, statusPill, timeEl, fmtTime, fmtDuration, jsonView, compact,
  toast, modal, confirmDialog, copyText, labelled, ago,
} from './dom.js';
import { diffLines, diffView } from './diff.js';
import { navigate, setGuard, setDirtyCheck, onLeave, setTitle } from './nav.js';
import { exportWorkflows } from './list.js';

const STEP_TYPES = {
  filter: { label: 'Filter', help: 'Stop the run unless a condition holds' },
  transform: { label: 'Transform', help: 'Reshape the payload' },
  webhook: { label: 'Webhook', help: 'Call another system over HTTP' },
  respond: { label: 'Respond', help: 'Answer the caller (sync triggers)' },
  delay: { label: 'Delay', help: 'Wait, durably, before the next step' },
};
// Fields each step type may have beyond id, type and when.
const ALLOWED = {
  filter: ['expr'],
  transform: ['expr'],
  webhook: ['method', 'url', 'headers', 'body', 'timeout', 'sign', 'retry'],
  respond: ['status', 'headers', 'body'],
  delay: ['for', 'until'],
};
const AUTH_TYPES = [
  ['none', 'None: anyone with the URL'],
  ['token', 'Token (header or query)'],
  ['basic', 'Basic auth'],
  ['hmac', 'HMAC signature'],
  ['github', 'GitHub'],
  ['stripe', 'Stripe'],
  ['shopify', 'Shopify'],
  ['slack', 'Slack'],
  ['standard', 'Standard Webhooks'],
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const EXAMPLE_SAMPLE = { id: 'ord_1001', status: 'paid', amount: 4200, customer: { email: 'ada@example.com' } };

// A sample carried from a new draft to its saved page.
let carriedSample = null;

const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

export async function workflowEditor(root, id) {
  const ed = new Editor(root, id);
  await ed.load();
}

class Editor {
  constructor(root, id) {
    this.root = root;
    this.id = id;
    this.saved = null;
    this.draft = null;
    this.dirty = false;
    this.sample = { payload: EXAMPLE_SAMPLE, event: null, label: 'Example payload: edit it, or capture a real request' };
    this.events = [];
    this.report = null;
    this.fields = []; // expression fields with a preview
    this.lastInsert = null;
    this.localErrors = new Map(); // path -> message (bad JSON in vars, schema)
    this.listenCtl = null;
    this.sendOnTest = false;
  }

  async load() {
    if (this.id) {
      this.saved = await get(`/workflows/${this.id}`);
      this.draft = clone(this.saved.definition);
      try {
        const { events } = await get(`/workflows/${this.id}/events?limit=10`);
        this.events = events;
      } catch { this.events = []; }
      if (carriedSample && carriedSample.id === this.id) {
        this.sample = carriedSample.sample;
      } else if (this.events.length) {
        this.sample = sampleFromEvent(this.events[0]);
      }
      carriedSample = null;
    } else {
      this.draft = {
        format: 'hookflow/v1', name: '', enabled: true,
        trigger: { type: 'webhook', methods: ['POST'] }, steps: [],
      };
    }
    setGuard(() => !this.dirty || window.confirm('This workflow has unsaved changes. Leave without saving them?'));
    setDirtyCheck(() => this.dirty);
    onLeave(() => this.stopListening());
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

  // ---- layout --------------------------------------------------------------

  render() {
    this.stopListening();
    setTitle(this.saved ? this.saved.name : 'New workflow');
    this.fields = [];
    const d = this.draft;

    const name = h('input', {
      id: 'wf-name', class: 'title-input', value: d.name, placeholder: 'Name this workflow',
      'aria-label': 'Workflow name', 'data-field': 'name', autocomplete: 'off',
      oninput: () => { d.name = name.value; this.markDirty(); clearFieldError(name); },
    });
    const enabled = h('input', {
      type: 'checkbox', role: 'switch', class: 'switch', id: 'wf-enabled', checked: this.saved ? this.saved.enabled : d.enabled,
      'aria-label': 'Enabled',
      onchange: () => this.setEnabled(enabled),
    });
    const saveBtn = h('button', { type: 'button', class: 'btn primary', id: 'save', onclick: () => this.save() }, 'Save');
    const testBtn = h('button', {
      type: 'button', class: 'btn', id: 'test', onclick: () => this.test(),
      disabled: !this.saved, title: this.saved ? 'Dry-run the workflow, with your unsaved edits, against the sample' : 'Save the workflow first',
    }, 'Test');

    const head = h('div', { class: 'editor-head' },
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        h('a', { href: '/', 'data-link': '' }, 'Workflows'), h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', null, this.saved ? this.saved.id : 'new')),
      h('div', { class: 'editor-title' },
        name,
        h('div', { class: 'editor-actions' },
          h('label', { class: 'switch-label', for: 'wf-enabled' }, enabled, h('span', null, 'Enabled')),
          this.saved ? h('button', { type: 'button', class: 'btn ghost', id: 'history', onclick: () => this.history() }, 'History') : null,
          this.saved ? h('button', { type: 'button', class: 'btn ghost', onclick: () => exportWorkflows([this.saved.id]) }, 'Export') : null,
          this.saved ? h('a', { class: 'btn ghost', href: `/runs${qs({ workflow: this.saved.id })}`, 'data-link': '' }, 'Runs') : null,
          testBtn, saveBtn)),
      h('div', { class: 'editor-meta' },
        this.saved
          ? [h('span', { class: 'mono' }, this.saved.id), ' · ', `revision ${this.saved.revision}`, ' · saved ', timeEl(this.saved.updated_at)]
          : 'Not saved yet',
        h('span', { id: 'save-state', class: 'save-state', 'aria-live': 'polite' }, this.dirty ? 'Unsaved changes' : '')));

    this.banner = h('div', { class: 'banner error', id: 'save-error', role: 'alert', hidden: true });
    this.triggerBox = h('section', { class: 'card trigger', 'aria-labelledby': 'trigger-h' });
    this.stepsBox = h('ol', { class: 'steps', 'aria-label': 'Steps' });
    this.sideBox = h('aside', { class: 'editor-side', 'aria-label': 'Sample event and test' });

    const addBar = h('div', { class: 'add-step', role: 'group', 'aria-labelledby': 'add-step-h' },
      h('span', { id: 'add-step-h', class: 'add-label' }, 'Add a step'),
      Object.entries(STEP_TYPES).map(([t, info]) => h('button', {
        type: 'button', class: 'btn small', title: info.help, dataset: { addStep: t },
        onclick: () => this.addStep(t),
      }, `+ ${info.label}`)));

    const main = h('div', { class: 'editor-main' },
      this.triggerBox,
      h('h2', { class: 'section-h', id: 'steps-h' }, 'Steps'),
      this.stepsBox,
      addBar,
      this.settingsSection());

    const page = h('div', { class: `page editor${this.dirty ? ' is-dirty' : ''}` },
      head, this.banner, h('div', { class: 'editor-body' }, main, this.sideBox));
    clear(this.root).append(page);

    page.addEventListener('focusin', (e) => {
      const t = e.target;
      if (t.matches && t.matches('[data-insertable]')) this.lastInsert = t;
    });
    page.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); this.save(); }
    });

    this.renderTrigger();
    this.renderSteps();
    this.renderSide();
    if (!this.saved) name.focus();
  }

  // ---- trigger -------------------------------------------------------------

  renderTrigger() {
    const box = clear(this.triggerBox);
    this.fields = this.fields.filter((f) => f.stepIndex !== -1);
    const t = this.draft.trigger || (this.draft.trigger = { type: 'webhook' });
    const type = h('select', {
      id: 'trigger-type', 'data-field': 'trigger.type',
      onchange: () => {
        const keep = { type: type.value };
        if (type.value === 'webhook') keep.methods = ['POST'];
        this.draft.trigger = keep;
        this.markDirty();
        this.renderTrigger();
        this.renderSide();
      },
    },
    h('option', { value: 'webhook', selected: t.type === 'webhook' }, 'Webhook: an HTTP request starts a run'),
    h('option', { value: 'cron', selected: t.type === 'cron' }, 'Schedule: a cron expression starts runs'),
    h('option', { value: 'manual', selected: t.type === 'manual' }, 'Manual: started by hand only'));

    box.append(h('div', { class: 'card-head' },
      h('h2', { id: 'trigger-h' }, h('span', { class: 'step-num trig', 'aria-hidden': 'true' }, '⚡'), 'Trigger'),
      h('div', { class: 'trigger-type' }, h('label', { for: 'trigger-type', class: 'sr-only' }, 'Trigger type'), type)));

    const body = h('div', { class: 'card-body' });
    box.append(body);
    if (t.type === 'webhook') this.webhookTrigger(body, t);
    else if (t.type === 'cron') this.cronTrigger(body, t);
    else body.append(h('p', { class: 'help' }, 'This workflow has no trigger of its own: run it by hand, or start it as another workflow\'s on_failure.'));
  }

  webhookTrigger(body, t) {
    if (this.saved && this.saved.trigger_url && this.saved.definition.trigger.type === 'webhook') {
      const url = this.saved.trigger_url;
      const urlInput = h('input', { id: 'trigger-url', class: 'mono', readonly: true, value: url, 'aria-label': 'Trigger URL' });
      const copyBtn = h('button', {
        type: 'button', class: 'btn', id: 'copy-url', dataset: { copy: url },
        onclick: () => copyText(url, copyBtn),
      }, 'Copy');
      const rotate = h('button', {
        type: 'button', class: 'btn ghost', id: 'rotate-key',
        onclick: () => this.rotateKey(),
      }, 'Rotate key');
      body.append(h('div', { class: 'field' },
        h('label', { for: 'trigger-url' }, 'Trigger URL'),
        h('div', { class: 'input-row' }, urlInput, copyBtn, rotate),
        h('div', { class: 'help' }, this.saved.enabled
          ? 'Anyone with this URL can start a run (add auth below to check callers). Rotating the key replaces the URL.'
          : 'The workflow is disabled: this URL answers 404 until you enable it.')));
      const curl = curlExample(url, t, this.sample.payload);
      const curlBtn = h('button', { type: 'button', class: 'btn small', id: 'copy-curl', onclick: () => copyText(curl, curlBtn) }, 'Copy');
      body.append(h('details', { class: 'curl' },
        h('summary', null, 'Try it with curl'),
        h('div', { class: 'curl-box' }, h('pre', { class: 'code-block', id: 'curl' }, curl), curlBtn)));
    } else {
      body.append(h('p', { class: 'help notice' }, 'The trigger URL appears here once the workflow is saved.'));
    }

    // Methods
    const methods = new Set(t.methods || []);
    const fs = h('fieldset', { class: 'methods', 'data-field': 'trigger.methods' },
      h('legend', null, 'Accepted methods'),
      METHODS.map((m) => {
        const cb = h('input', {
          type: 'checkbox', id: nextId('m'), checked: methods.has(m),
          onchange: () => {
            if (cb.checked) methods.add(m); else methods.delete(m);
            t.methods = METHODS.filter((x) => methods.has(x));
            this.markDirty();
          },
        });
        return h('label', { class: 'check', for: cb.id }, cb, m);
      }),
      h('span', { class: 'help inline' }, 'none checked: any method'));
    const main = h('div', { class: 'grid3 trigger-main' }, fs);
    body.append(main);

    // Auth
    const auth = t.auth || { type: 'none' };
    const authType = h('select', {
      'data-field': 'trigger.auth.type',
      onchange: () => {
        const secret = (t.auth && t.auth.secret) || '';
        t.auth = authType.value === 'none' ? undefined : { type: authType.value, secret: secret || undefined };
        this.markDirty();
        this.renderTrigger();
      },
    }, AUTH_TYPES.map(([v, l]) => h('option', { value: v, selected: auth.type === v }, l)));
    main.append(labelled('Caller authentication', authType));
    const authGrid = h('div', { class: 'grid3' });
    const authField = (key, label, opts = {}) => {
      const inp = h('input', {
        value: auth[key] || '', placeholder: opts.placeholder || '', 'data-field': `trigger.auth.${key}`,
        class: opts.mono ? 'mono' : '', autocomplete: 'off', spellcheck: 'false',
        oninput: () => { t.auth[key] = inp.value || undefined; this.markDirty(); clearFieldError(inp); },
      });
      if (opts.select) {
        const sel = h('select', {
          'data-field': `trigger.auth.${key}`,
          onchange: () => { t.auth[key] = sel.value || undefined; this.markDirty(); },
        }, opts.select.map(([v, l]) => h('option', { value: v, selected: (auth[key] || '') === v }, l)));
        return labelled(label, sel, { help: opts.help });
      }
      return labelled(label, inp, { help: opts.help });
    };
    if (auth.type !== 'none') {
      authGrid.append(authField('secret', auth.type === 'basic' ? 'Password' : auth.type === 'token' ? 'Token' : 'Signing secret', {
        placeholder: '{{ secrets.NAME }}', mono: true, help: 'Keep it out of the definition: store it with `hookflow secret set NAME` and write {{ secrets.NAME }}.',
      }));
    }
    if (auth.type === 'token') {
      authGrid.append(authField('header', 'Header', { placeholder: 'Authorization', mono: true }));
      authGrid.append(authField('query', 'or query parameter', { placeholder: 'token', mono: true }));
    }
    if (auth.type === 'basic') authGrid.append(authField('username', 'Username'));
    if (auth.type === 'hmac') {
      authGrid.append(authField('header', 'Signature header', { placeholder: 'X-Signature', mono: true }));
      authGrid.append(authField('algorithm', 'Algorithm', { select: [['', 'sha256 (default)'], ['sha1', 'sha1'], ['sha512', 'sha512']] }));
      authGrid.append(authField('encoding', 'Encoding', { select: [['', 'hex (default)'], ['base64', 'base64']] }));
      authGrid.append(authField('prefix', 'Prefix', { placeholder: 'sha256=', mono: true }));
    }
    if (authGrid.firstChild) body.append(authGrid);

    // Response
    const resp = t.response || { mode: 'async' };
    const mode = h('select', {
      'data-field': 'trigger.response.mode',
      onchange: () => {
        t.response = mode.value === 'async' ? undefined : { mode: 'sync', timeout: (t.response && t.response.timeout) || undefined };
        this.markDirty();
        this.renderTrigger();
      },
    },
    h('option', { value: 'async', selected: resp.mode !== 'sync' }, 'At once: 202 with the run id'),
    h('option', { value: 'sync', selected: resp.mode === 'sync' }, 'Wait: the respond step\'s answer'));
    main.append(labelled('Answer the caller', mode));
    const respGrid = h('div', { class: 'grid3' });
    if (resp.mode === 'sync') {
      const to = h('input', {
        value: resp.timeout || '', placeholder: '10s', class: 'mono', 'data-field': 'trigger.response.timeout',
        oninput: () => { t.response.timeout = to.value || undefined; this.markDirty(); clearFieldError(to); },
      });
      respGrid.append(labelled('Wait at most', to, { help: 'Past it the caller gets 202 and the run goes on.' }));
    }
    if (respGrid.firstChild) body.append(respGrid);

    // Advanced
    const adv = h('details', { class: 'advanced' }, h('summary', null, 'Deduplication, IP allowlist, rate limit, schema'));
    adv.append(this.exprField({
      label: 'Idempotency key', path: 'trigger.idempotency_key', stepIndex: -1, optional: true,
      get: () => t.idempotency_key, set: (v) => { t.idempotency_key = v || undefined; },
      help: 'An expression over trigger; deliveries with the same value start one run. E.g. trigger.headers[\'x-github-delivery\']',
      placeholder: "trigger.headers['x-request-id']",
    }));
    const ips = h('input', {
      value: (t.allow_ips || []).join(', '), class: 'mono', placeholder: '203.0.113.0/24, 198.51.100.7', 'data-field': 'trigger.allow_ips',
      oninput: () => {
        const list = ips.value.split(/[\s,]+/).filter(Boolean);
        t.allow_ips = list.length ? list : undefined;
        this.markDirty();
        clearFieldError(ips);
      },
    });
    adv.append(labelled('Allowed caller IPs', ips, { optional: true, help: 'Comma-separated IPs or CIDRs; others get 403.' }));
    const rl = t.rate_limit || {};
    const setRL = () => {
      const ps = parseFloat(rps.value);
      const b = parseInt(burst.value, 10);
      t.rate_limit = Number.isFinite(ps) || Number.isFinite(b)
        ? { per_second: Number.isFinite(ps) ? ps : 0, burst: Number.isFinite(b) ? b : undefined } : undefined;
      this.markDirty();
    };
    const rps = h('input', { type: 'number', min: '0', step: 'any', value: rl.per_second ?? '', 'data-field': 'trigger.rate_limit.per_second', oninput: setRL });
    const burst = h('input', { type: 'number', min: '0', step: '1', value: rl.burst ?? '', 'data-field': 'trigger.rate_limit.burst', oninput: setRL });
    adv.append(h('div', { class: 'grid2' },
      labelled('Rate limit (requests per second)', rps, { optional: true, help: 'Past it the caller gets 429.' }),
      labelled('Burst', burst, { optional: true })));
    adv.append(this.jsonField({
      label: 'Payload schema (JSON Schema)', path: 'trigger.schema', value: t.schema, rows: 4,
      set: (v) => { t.schema = v; }, help: 'Payloads that do not match get 422.',
    }));
    body.append(adv);
    for (const f of this.fields) if (f.stepIndex === -1) this.preview(f);
  }

  cronTrigger(body, t) {
    const sched = h('input', {
      id: 'cron-schedule', class: 'mono', value: t.schedule || '', placeholder: '*/15 * * * *', 'data-field': 'trigger.schedule',
      oninput: () => { t.schedule = sched.value || undefined; this.markDirty(); clearFieldError(sched); this.renderFires(fires); },
    });
    const tz = h('input', {
      value: t.timezone || '', placeholder: 'UTC', 'data-field': 'trigger.timezone',
      oninput: () => { t.timezone = tz.value || undefined; this.markDirty(); clearFieldError(tz); this.renderFires(fires); },
    });
    const fires = h('div', { class: 'fires', 'aria-live': 'polite' });
    body.append(h('div', { class: 'grid2' },
      labelled('Schedule', sched, { help: 'minute hour day month weekday, seconds optional in front; or @every 1h, @daily' }),
      labelled('Time zone', tz, { optional: true, help: 'e.g. Europe/Berlin; default UTC' })));
    body.append(fires);
    this.renderFires(fires);
  }

  renderFires(el) {
    clear(el);
    const t = this.draft.trigger;
    const s = this.saved;
    const same = s && s.definition.trigger.type === 'cron' && s.definition.trigger.schedule === t.schedule
      && (s.definition.trigger.timezone || '') === (t.timezone || '');
    el.append(h('div', { class: 'fires-h' }, 'Next runs'));
    if (!same) { el.append(h('p', { class: 'help' }, 'Save to see when this schedule fires next.')); return; }
    if (!s.enabled || !s.next_fires || !s.next_fires.length) { el.append(h('p', { class: 'help' }, 'Disabled: nothing is scheduled.')); return; }
    el.append(h('ol', { class: 'fires-list' }, s.next_fires.map((f) => h('li', null, h('time', { datetime: f }, fmtTime(f)), h('span', { class: 'muted' }, ` · ${ago(f)}`)))));
  }

  async rotateKey() {
    const ok = await confirmDialog({
      title: 'Rotate the trigger key?',
      message: 'The current trigger URL stops working at once; callers need the new one.',
      confirm: 'Rotate key', danger: true,
    });
    if (!ok) return;
    try {
      const w = await post(`/workflows/${this.saved.id}/rotate-key`);
      this.saved.trigger_url = w.trigger_url;
      this.renderTrigger();
      toast('New trigger URL ready');
    } catch (e) { toast(e.message, 'error'); }
  }

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

  // ---- steps ---------------------------------------------------------------

  renderSteps() {
    const box = clear(this.stepsBox);
    this.fields = this.fields.filter((f) => f.stepIndex === -1);
    const steps = this.draft.steps || (this.draft.steps = []);
    if (!steps.length) {
      box.append(h('li', { class: 'steps-empty' },
        'No steps yet. A workflow needs at least one: add a filter, a transform or a webhook call below.'));
    }
    steps.forEach((s, i) => box.append(this.stepCard(s, i)));
    this.refreshPreviews();
  }

  stepCard(s, i) {
    const n = this.draft.steps.length;
    const path = (f) => `steps[${i}].${f}`;
    const type = h('select', {
      'aria-label': `Step ${i + 1} type`, 'data-field': path('type'), class: 'step-type',
      onchange: () => this.changeType(i, type.value),
    }, Object.entries(STEP_TYPES).map(([t, info]) => h('option', { value: t, selected: s.type === t }, info.label)));
    const id = h('input', {
      class: 'mono step-id', value: s.id, 'aria-label': `Step ${i + 1} id`, 'data-field': path('id'), spellcheck: 'false',
      oninput: () => { s.id = id.value; this.markDirty(); clearFieldError(id); },
    });
    const up = h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Move step ${i + 1} up`, title: 'Move up', disabled: i === 0, onclick: () => this.moveStep(i, -1) }, '↑');
    const down = h('button', { type: 'button', class: 'btn icon ghost', 'aria-label': `Move step ${i + 1} down`, title: 'Move down', disabled: i === n - 1, onclick: () => this.moveStep(i, 1) }, '↓');
    const rm = h('button', { type: 'button', class: 'btn icon ghost danger-text', 'aria-label': `Remove step ${i + 1}`, title: 'Remove step', onclick: () => this.removeStep(i) }, '✕');

    const body = h('div', { class: 'step-body' });
    const card = h('li', { class: `step card t-${s.type}`, 'data-field': `steps[${i}]`, dataset: { step: s.id } },
      h('div', { class: 'step-head' },
        h('span', { class: 'step-num', 'aria-hidden': 'true' }, String(i + 1)),
        type, id,
        h('span', { class: 'step-help' }, STEP_TYPES[s.type] ? STEP_TYPES[s.type].help : ''),
        h('span', { class: 'spacer' }),
        up, down, rm),
      body);

    const ctx = { i, s, path };
    switch (s.type) {
      case 'filter':
        body.append(this.exprField({
          label: 'Continue only when', path: path('expr'), stepIndex: i, get: () => s.expr, set: (v) => { s.expr = v || undefined; },
          help: 'true or false; false ends the run as filtered.', placeholder: "payload.status == 'paid'",
        }));
        break;
      case 'transform':
        body.append(this.exprField({
          label: 'New payload', path: path('expr'), stepIndex: i, get: () => s.expr, set: (v) => { s.expr = v || undefined; }, rows: 2,
          help: 'Its value becomes the payload of the next steps; this step\'s output is steps.' + (s.id || 'ID') + '.',
          placeholder: '{order: payload.id, total: payload.amount / 100.0}',
        }));
        break;
      case 'webhook': this.webhookStep(body, ctx); break;
      case 'respond': this.respondStep(body, ctx); break;
      case 'delay': this.delayStep(body, ctx); break;
      default: body.append(h('p', { class: 'error-text' }, `Unknown step type ${s.type}`));
    }
    body.append(h('details', { class: 'when-box', open: !!s.when },
      h('summary', null, s.when ? 'Runs only when' : 'Run only when…'),
      this.exprField({
        label: 'Run this step only when', path: path('when'), stepIndex: i, optional: true, className: 'when',
        get: () => s.when, set: (v) => { s.when = v || undefined; },
        help: 'Empty: always. A false condition skips this step and the run goes on.', placeholder: 'payload.amount > 100',
      })));

    const result = h('div', { class: 'step-result', 'aria-live': 'polite' });
    card.append(result);
    this.renderStepResult(result, s);
    return card;
  }

  webhookStep(body, { s, path, i }) {
    const method = h('select', {
      'data-field': path('method'), 'aria-label': 'Method',
      onchange: () => { s.method = method.value === 'POST' ? undefined : method.value; this.markDirty(); },
    }, METHODS.map((m) => h('option', { value: m, selected: (s.method || 'POST') === m }, m)));
    const url = this.exprField({
      label: 'URL', path: path('url'), stepIndex: i, kind: 'template', single: true,
      get: () => s.url, set: (v) => { s.url = v || undefined; }, placeholder: 'https://example.com/hooks/{{ payload.id }}',
      help: 'Parts in {{ }} are expressions.',
    });
    body.append(h('div', { class: 'method-url' }, labelled('Method', method), url));
    body.append(this.headersField(path('headers'), () => s.headers, (v) => { s.headers = v; }));
    body.append(this.exprField({
      label: 'Body', path: path('body'), stepIndex: i, optional: true, rows: 2,
      get: () => s.body, set: (v) => { s.body = v || undefined; }, placeholder: 'payload',
      help: 'An expression sent as JSON; empty sends the payload.', emptyHint: 'Sends the payload as it is.',
    }));
    const adv = h('details', { class: 'advanced' }, h('summary', null, 'Timeout, signing, retries'));
    const txt = (label, key, obj, placeholder, help, f) => {
      const o = obj();
      const inp = h('input', {
        value: (o && o[key]) ?? '', placeholder, class: 'mono', 'data-field': f,
        type: key === 'max_attempts' ? 'number' : 'text',
        oninput: () => {
          const target = obj(true);
          const v = key === 'max_attempts' ? parseInt(inp.value, 10) : inp.value;
          target[key] = (key === 'max_attempts' ? (Number.isFinite(v) ? v : undefined) : v) || undefined;
          this.markDirty();
          clearFieldError(inp);
        },
      });
      return labelled(label, inp, { optional: true, help });
    };
    const self = () => s;
    const sign = (create) => { if (create && !s.sign) s.sign = {}; return s.sign; };
    const retry = (create) => { if (create && !s.retry) s.retry = {}; return s.retry; };
    adv.append(h('div', { class: 'grid3' },
      txt('Timeout per attempt', 'timeout', self, '30s', null, path('timeout')),
      txt('Signing secret', 'secret', sign, '{{ secrets.NAME }}', 'Adds Standard Webhooks signature headers.', path('sign.secret')),
      h('span')));
    adv.append(h('div', { class: 'grid3' },
      txt('Attempts at most', 'max_attempts', retry, '12', 'Network errors, 408, 429 and 5xx are retried.', path('retry.max_attempts')),
      txt('First backoff', 'initial', retry, '10s', null, path('retry.initial')),
      txt('Longest backoff', 'max', retry, '2h', null, path('retry.max'))));
    body.append(adv);
  }

  respondStep(body, { s, path, i }) {
    const status = h('input', {
      type: 'number', min: '100', max: '599', value: s.status || '', placeholder: '200', 'data-field': path('status'),
      oninput: () => { const v = parseInt(status.value, 10); s.status = Number.isFinite(v) ? v : undefined; this.markDirty(); clearFieldError(status); },
    });
    body.append(h('div', { class: 'grid3' }, labelled('Status', status, { optional: true })));
    body.append(this.headersField(path('headers'), () => s.headers, (v) => { s.headers = v; }));
    body.append(this.exprField({
      label: 'Body', path: path('body'), stepIndex: i, optional: true, rows: 2,
      get: () => s.body, set: (v) => { s.body = v || undefined; }, placeholder: '{ok: true}',
    }));
  }

  delayStep(body, { s, path, i }) {
    const dur = h('input', {
      value: s.for || '', placeholder: '15m', class: 'mono', 'data-field': path('for'),
      oninput: () => { s.for = dur.value || undefined; this.markDirty(); clearFieldError(dur); },
    });
    body.append(h('div', { class: 'grid2' },
      labelled('Wait for', dur, { help: 'A duration: 30s, 15m, 2h. Or give a time below.' }),
      this.exprField({
        label: 'or wait until', path: path('until'), stepIndex: i, optional: true,
        get: () => s.until, set: (v) => { s.until = v || undefined; }, placeholder: 'date(payload.send_at)',
      })));
  }

  headersField(path, get, set) {
    const rows = Object.entries(get() || {}).map(([name, value]) => ({ name, value }));
    const wrap = h('div', { class: 'field kv', 'data-field': path });
    const list = h('div', { class: 'kv-rows' });
    const sync = () => {
      const o = {};
      for (const r of rows) if (r.name) o[r.name] = r.value;
      set(Object.keys(o).length ? o : undefined);
      this.markDirty();
    };
    const draw = () => {
      clear(list);
      rows.forEach((r, k) => {
        const name = h('input', {
          class: 'mono', value: r.name, placeholder: 'Header-Name', 'aria-label': `Header ${k + 1} name`,
          oninput: () => { r.name = name.value; val.dataset.field = `${path}.${r.name}`; sync(); },
        });
        const val = h('input', {
          class: 'mono', value: r.value, placeholder: 'value or {{ expression }}', 'aria-label': `Header ${k + 1} value`,
          'data-field': `${path}.${r.name}`, 'data-insertable': '', 'data-kind': 'template',
          oninput: () => { r.value = val.value; sync(); clearFieldError(val); },
        });
        list.append(h('div', { class: 'kv-row' }, name, val,
          h('button', {
            type: 'button', class: 'btn icon ghost', 'aria-label': `Remove header ${k + 1}`,
            onclick: () => { rows.splice(k, 1); sync(); draw(); },
          }, '✕')));
      });
    };
    draw();
    wrap.append(h('div', { class: 'kv-label' }, 'Headers', h('span', { class: 'opt' }, ' optional')), list,
      h('button', {
        type: 'button', class: 'btn small ghost', onclick: () => { rows.push({ name: '', value: '' }); draw(); list.lastChild.querySelector('input').focus(); },
      }, '+ Header'));
    return wrap;
  }

  uniqueStepID(type) {
    const ids = new Set(this.draft.steps.map((s) => s.id));
    if (!ids.has(type)) return type;
    for (let k = 2; ; k++) if (!ids.has(`${type}_${k}`)) return `${type}_${k}`;
  }

  addStep(type) {
    const s = { id: this.uniqueStepID(type), type };
    if (type === 'transform') s.expr = 'payload';
    if (type === 'delay') s.for = '1m';
    this.draft.steps.push(s);
    this.markDirty();
    this.renderSteps();
    const card = this.stepsBox.lastChild;
    const first = card.querySelector('.step-body textarea, .step-body input');
    card.scrollIntoView({ block: 'nearest' });
    if (first) first.focus();
  }

  changeType(i, type) {
    const s = this.draft.steps[i];
    const keep = { id: s.id, type, when: s.when };
    for (const f of ALLOWED[type]) if (s[f] !== undefined) keep[f] = s[f];
    if (type === 'transform' && !keep.expr) keep.expr = 'payload';
    if (type === 'delay' && !keep.for && !keep.until) keep.for = '1m';
    this.draft.steps[i] = keep;
    this.markDirty();
    this.renderSteps();
    this.stepsBox.children[i].querySelector('.step-type').focus();
  }

  moveStep(i, by) {
    const steps = this.draft.steps;
    const j = i + by;
    if (j < 0 || j >= steps.length) return;
    [steps[i], steps[j]] = [steps[j], steps[i]];
    this.markDirty();
    this.renderSteps();
    const btn = this.stepsBox.children[j].querySelector(`[aria-label^="Move step ${j + 1} ${by < 0 ? 'up' : 'down'}"]`);
    (btn && !btn.disabled ? btn : this.stepsBox.children[j].querySelector('.step-type')).focus();
  }

  async removeStep(i) {
    const s = this.draft.steps[i];
    const hasContent = ALLOWED[s.type].some((f) => s[f] !== undefined) || s.when;
    if (hasContent && !(await confirmDialog({ title: `Remove step “${s.id}”?`, message: 'Its settings are lost unless you leave without saving.', confirm: 'Remove step', danger: true }))) return;
    this.draft.steps.splice(i, 1);
    this.markDirty();
    this.renderSteps();
    const next = this.stepsBox.children[Math.min(i, this.stepsBox.children.length - 1)];
    (next && next.querySelector('.step-type'))?.focus();
  }

  // ---- other settings ------------------------------------------------------

  settingsSection() {
    const d = this.draft;
    const sec = h('details', { class: 'card settings' }, h('summary', null, h('h2', { class: 'inline-h' }, 'Workflow settings'), h('span', { class: 'muted' }, ' vars, on failure, concurrency')));
    const body = h('div', { class: 'card-body' });
    sec.append(body);
    if (!this.saved) {
      const idIn = h('input', {
        class: 'mono', value: d.id || '', placeholder: 'generated from the name', 'data-field': 'id', spellcheck: 'false',
        oninput: () => { d.id = idIn.value || undefined; this.markDirty(); clearFieldError(idIn); },
      });
      body.append(labelled('Id', idIn, { optional: true, help: 'Lower-case letters, digits and -; it cannot change later.' }));
    }
    body.append(this.jsonField({
      label: 'Vars', path: 'vars', value: d.vars, rows: 3,
      set: (v) => { d.vars = v; this.refreshPreviews(); }, help: 'Constants the expressions read as vars.NAME, e.g. {"base": "https://api.example.com"}',
    }));
    const onf = h('input', {
      class: 'mono', value: d.on_failure || '', placeholder: 'workflow id', 'data-field': 'on_failure', list: 'wf-ids',
      oninput: () => { d.on_failure = onf.value || undefined; this.markDirty(); clearFieldError(onf); },
    });
    const ids = h('datalist', { id: 'wf-ids' });
    get('/workflows').then(({ workflows }) => {
      for (const w of workflows) if (!this.saved || w.id !== this.saved.id) ids.append(h('option', { value: w.id }, w.name));
    }).catch(() => {});
    const conc = h('input', {
      type: 'number', min: '0', value: d.concurrency || '', placeholder: 'no limit', 'data-field': 'concurrency',
      oninput: () => { const v = parseInt(conc.value, 10); d.concurrency = Number.isFinite(v) && v > 0 ? v : undefined; this.markDirty(); clearFieldError(conc); },
    });
    body.append(h('div', { class: 'grid2' },
      labelled('On failure, start', onf, { optional: true, help: 'Another workflow, given the failure as its payload.' }),
      labelled('Runs at once', conc, { optional: true })), ids);
    return sec;
  }

  /** jsonField is a textarea holding JSON; bad JSON is shown and kept from the draft. */
  jsonField({ label, path, value, rows, set, help }) {
    const ta = h('textarea', {
      class: 'code', rows, spellcheck: 'false', 'data-field': path,
      value: value === undefined ? '' : JSON.stringify(value, null, 2),
      oninput: () => {
        clearFieldError(ta);
        const text = ta.value.trim();
        if (!text) { this.localErrors.delete(path); set(undefined); this.markDirty(); return; }
        try {
          set(JSON.parse(text));
          this.localErrors.delete(path);
        } catch (e) {
          this.localErrors.set(path, `is not valid JSON: ${e.message}`);
        }
        this.markDirty();
      },
    });
    return labelled(label, ta, { optional: true, help });
  }

  // ---- expression fields and previews ---------------------------------------

  /**
   * exprField is a labelled expression (or {{ }} template) input with a live
   * preview of its value against the sample.
   */
  exprField({
    label, path, stepIndex, get: getV, set, help, optional, placeholder, rows = 1, kind = 'expr', single = false,
    className = '', emptyHint = '',
  }) {
    const id = nextId('x');
    const previewId = `${id}-preview`;
    const attrs = {
      id, class: `code expr${single ? ' single' : ''}`, spellcheck: 'false', autocomplete: 'off', placeholder,
      'data-field': path, 'data-insertable': '', 'data-kind': kind, 'aria-describedby': previewId + (help ? ` ${id}-help` : ''),
      value: getV() || '',
    };
    const el = single ? h('input', attrs) : h('textarea', { ...attrs, rows });
    const preview = h('div', { class: 'preview', id: previewId, 'aria-live': 'polite', 'data-preview-for': path });
    const f = { el, preview, path, stepIndex, kind, emptyHint, optional, seq: 0 };
    const run = debounce(() => this.preview(f), 300);
    const fit = () => {
      if (single) return;
      el.style.height = 'auto';
      el.style.height = `${Math.min(el.scrollHeight + 2, 320)}px`;
    };
    el.addEventListener('input', () => {
      set(el.value);
      this.markDirty();
      clearFieldError(el);
      fit();
      preview.setAttribute('aria-busy', 'true'); // until the preview is current
      run();
    });
    if (!single) requestAnimationFrame(fit);
    this.fields.push(f);
    const wrap = h('div', { class: `field exprfield ${className}` },
      h('label', { for: id }, label, optional ? h('span', { class: 'opt' }, ' optional') : null,
        h('span', { class: 'kind' }, kind === 'template' ? 'template' : 'expression')),
      el,
      preview,
      help ? h('div', { class: 'help', id: `${id}-help` }, help) : null);
    return wrap;
  }

  refreshPreviews() {
    this.fields = this.fields.filter((f) => f.el.isConnected);
    for (const f of this.fields) this.preview(f);
  }

  /** previewContext is the environment step i sees: the sample, advanced through the last test's outputs. */
  previewContext(i) {
    let payload = this.sample.payload;
    const steps = {};
    const rep = this.report;
    if (rep && i > 0) {
      for (let j = 0; j < i && j < rep.steps.length; j++) {
        const r = rep.steps[j];
        const st = this.draft.steps[j];
        if (!st || st.id !== r.step) break;
        if (r.status === 'succeeded' || r.status === 'waiting') {
          steps[r.step] = r.output ?? null;
          if (r.type === 'transform') payload = r.output;
        } else if (r.status === 'skipped') steps[r.step] = null;
      }
    }
    return { payload, trigger: this.triggerEnv(), steps, vars: this.draft.vars || {} };
  }

  triggerEnv() {
    const ev = this.sample.event;
    if (ev) {
      return {
        source: ev.source, method: ev.method || '', headers: ev.headers || {},
        query: Object.fromEntries(new URLSearchParams(ev.query || '')), received_at: ev.received_at,
        body: typeof ev.body === 'string' ? ev.body : JSON.stringify(ev.body ?? ''), event_id: ev.id,
      };
    }
    return {
      source: 'manual', method: 'POST', headers: { 'content-type': 'application/json' }, query: {},
      body: JSON.stringify(this.sample.payload), received_at: new Date().toISOString(), event_id: '',
    };
  }

  async preview(f) {
    const src = f.el.value;
    const seq = ++f.seq;
    const p = f.preview;
    if (!src.trim()) {
      clear(p).className = 'preview';
      p.removeAttribute('aria-busy');
      if (f.emptyHint) p.append(h('span', { class: 'muted' }, f.emptyHint));
      return;
    }
    p.setAttribute('aria-busy', 'true');
    const ctx = this.previewContext(f.stepIndex < 0 ? 0 : f.stepIndex);
    try {
      let text;
      if (f.kind === 'template') {
        text = await renderTemplate(src, ctx);
      } else {
        const { value } = await post('/expr', { expr: src, ...ctx });
        text = compact(value, 600);
      }
      if (seq !== f.seq) return;
      p.removeAttribute('aria-busy');
      clear(p).className = 'preview ok';
      p.append(h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→ '), h('span', { class: 'sr-only' }, 'Preview: '),
        h('code', { class: 'value' }, text));
    } catch (e) {
      if (seq !== f.seq) return;
      p.removeAttribute('aria-busy');
      clear(p).className = 'preview err';
      p.append(errorAt(e, e.template != null ? e.template : src));
    }
  }

  insertPath(path) {
    const el = this.lastInsert;
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

  // ---- sample, listening, test ---------------------------------------------

  renderSide() {
    const side = clear(this.sideBox);
    const isWebhook = this.draft.trigger && this.draft.trigger.type === 'webhook';
    const listen = h('button', {
      type: 'button', class: 'btn', id: 'listen', disabled: !this.saved || !isWebhook,
      title: !this.saved ? 'Save the workflow first' : isWebhook ? 'Wait for the next request to the trigger URL and use it as the sample' : 'Only webhook triggers capture requests',
      onclick: () => this.listen(),
    }, 'Listen for a test event');
    this.listenBtn = listen;
    this.listenStatus = h('div', { class: 'listen-status', 'aria-live': 'polite' });
    const evSelect = this.events.length ? h('select', {
      'aria-label': 'Recent events',
      onchange: () => {
        const ev = this.events.find((x) => x.id === evSelect.value);
        if (ev) this.setSample(sampleFromEvent(ev));
      },
    }, h('option', { value: '' }, `Recent events (${this.events.length})`),
    this.events.map((ev) => h('option', { value: ev.id }, `${ev.method || ev.source} · ${ago(ev.received_at)}`))) : null;

    this.sampleView = h('div', { class: 'sample-view' });
    const editBtn = h('button', { type: 'button', class: 'btn small ghost', id: 'edit-sample', 'aria-expanded': 'false', onclick: () => this.toggleSampleEdit(editBtn) }, 'Edit');

    side.append(h('section', { class: 'card sample', 'aria-labelledby': 'sample-h' },
      h('div', { class: 'card-head' }, h('h2', { id: 'sample-h' }, 'Sample event'), editBtn),
      h('div', { class: 'card-body' },
        h('div', { class: 'sample-actions' }, listen),
        evSelect ? h('div', { class: 'sample-actions' }, evSelect) : null,
        this.listenStatus,
        h('div', { class: 'sample-label', id: 'sample-label' }, this.sample.label),
        this.sampleView,
        h('p', { class: 'help' }, 'Click a field name to insert its path into the expression you were editing.'))));

    this.testBox = h('section', { class: 'card test-summary', 'aria-labelledby': 'test-h', 'aria-live': 'polite' });
    side.append(this.testBox);
    this.renderSampleView();
    this.renderTestSummary();
  }

  renderSampleView() {
    clear(this.sampleView).append(jsonView(this.sample.payload, { onPath: (p) => this.insertPath(p), className: 'sample-json' }));
    const label = this.root.querySelector('#sample-label');
    if (label) label.textContent = this.sample.label;
  }

  toggleSampleEdit(btn) {
    if (this.sampleView.querySelector('textarea')) { this.renderSampleView(); btn.textContent = 'Edit'; btn.setAttribute('aria-expanded', 'false'); return; }
    btn.textContent = 'Done';
    btn.setAttribute('aria-expanded', 'true');
    const ta = h('textarea', { class: 'code', rows: 14, id: 'sample-text', spellcheck: 'false', 'aria-label': 'Sample payload (JSON)', value: JSON.stringify(this.sample.payload, null, 2) });
    const err = h('div', { class: 'error-text', role: 'alert' });
    ta.addEventListener('input', debounce(() => {
      try {
        const v = JSON.parse(ta.value);
        err.textContent = '';
        this.sample = { payload: v, event: null, label: 'Edited by hand' };
        this.refreshPreviews();
      } catch (e) { err.textContent = `Not JSON yet: ${e.message}`; }
    }, 300));
    clear(this.sampleView).append(ta, err);
    ta.focus();
  }

  setSample(sample) {
    this.sample = sample;
    this.report = null;
    this.renderSampleView();
    this.renderTestSummary();
    for (const el of this.stepsBox.querySelectorAll('.step-result')) clear(el);
    this.refreshPreviews();
    const edit = this.root.querySelector('#edit-sample');
    if (edit) { edit.textContent = 'Edit'; edit.setAttribute('aria-expanded', 'false'); }
  }

  async listen() {
    if (this.listenCtl) { this.stopListening(); return; }
    const ctl = new AbortController();
    this.listenCtl = ctl;
    this.listenBtn.textContent = 'Stop listening';
    this.listenBtn.classList.add('listening');
    clear(this.listenStatus).append(h('span', { class: 'pulse', 'aria-hidden': 'true' }), 'Waiting for a request to the trigger URL…');
    const until = Date.now() + 5 * 60 * 1000;
    try {
      while (Date.now() < until && !ctl.signal.aborted) {
        const r = await api('GET', `/workflows/${this.saved.id}/events/next?timeout=25s`, undefined, { signal: ctl.signal });
        if (r && r.event) {
          this.events.unshift(r.event);
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

  async test() {
    if (!this.saved) return;
    const bad = this.checkLocal();
    if (bad) return;
    clearAllErrors(this.root);
    const btn = this.root.querySelector('#test');
    btn.disabled = true;
    btn.textContent = 'Testing…';
    try {
      this.report = await post(`/workflows/${this.saved.id}/test`, { definition: cleanDef(this.draft), payload: this.sample.payload, send: this.sendOnTest });
      const steps = this.draft.steps;
      this.stepsBox.querySelectorAll(':scope > li.step').forEach((li, i) => {
        const r = li.querySelector('.step-result');
        if (r && steps[i]) this.renderStepResult(r, steps[i]);
      });
      this.renderTestSummary();
      this.refreshPreviews();
    } catch (e) {
      this.showSaveError(e, 'Cannot test');
    } finally {
      btn.disabled = false;
      btn.textContent = 'Test';
    }
  }

  renderStepResult(el, s) {
    clear(el);
    const rep = this.report;
    if (!rep) return;
    const r = rep.steps.find((x) => x.step === s.id);
    if (!r) {
      el.append(h('div', { class: 'result-head muted' }, 'Test: not reached'));
      return;
    }
    el.append(h('div', { class: 'result-head' },
      h('span', { class: 'result-label' }, 'Test'), statusPill(r.status),
      r.status_code ? h('span', { class: 'mono' }, `HTTP ${r.status_code}`) : null,
      h('span', { class: 'muted' }, fmtDuration(r.duration_ms)),
      r.until ? h('span', { class: 'muted' }, `until ${fmtTime(r.until)}`) : null));
    if (r.error) el.append(h('div', { class: 'error-text' }, r.error));
    if (s.type === 'webhook' && r.input) {
      el.append(h('details', { class: 'io' }, h('summary', null, r.output && r.output.sent === false ? 'Request it would send' : 'Request'), jsonView(r.input, { root: 'request' })));
    }
    if (r.output !== undefined && r.output !== null) {
      el.append(h('div', { class: 'io' }, h('div', { class: 'io-h' }, `Output · steps.${s.id}`), jsonView(r.output, { root: `steps.${s.id}` })));
    }
  }

  renderTestSummary() {
    const box = clear(this.testBox);
    const send = h('input', { type: 'checkbox', id: 'test-send', checked: this.sendOnTest, onchange: () => { this.sendOnTest = send.checked; } });
    box.append(h('div', { class: 'card-head' }, h('h2', { id: 'test-h' }, 'Test')));
    const body = h('div', { class: 'card-body' });
    box.append(body);
    const rep = this.report;
    if (rep) {
      const total = rep.steps.reduce((a, s) => a + (s.duration_ms || 0), 0);
      body.append(h('div', { class: 'test-line', id: 'test-result' }, statusPill(rep.status),
        h('span', null, `${rep.steps.length} step${rep.steps.length === 1 ? '' : 's'} ran`), h('span', { class: 'muted' }, fmtDuration(total))));
      if (rep.error) body.append(h('div', { class: 'error-text' }, rep.error));
      body.append(h('p', { class: 'help' }, 'Each step shows its output under it.'));
    } else {
      body.append(h('p', { class: 'help' }, this.saved
        ? 'Test runs your edits, saved or not, against the sample. Nothing is stored.'
        : 'Save the workflow to test it.'));
    }
    body.append(h('label', { class: 'check', for: 'test-send' }, send, 'Really send webhook requests when testing'));
  }

  // ---- save, errors ----------------------------------------------------------

  checkLocal() {
    for (const [path, msg] of this.localErrors) {
      showFieldError(this.root, path, { message: msg });
      this.showBanner(`Not saved: ${path} ${msg}`, path);
      return true;
    }
    return false;
  }

  async save() {
    clearAllErrors(this.root);
    this.banner.hidden = true;
    if (this.checkLocal()) return;
    const btn = this.root.querySelector('#save');
    btn.disabled = true;
    btn.textContent = 'Saving…';
    const def = cleanDef(this.draft);
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
        carriedSample = { id: w.id, sample: this.sample };
        navigate(`/workflows/${w.id}`, { replace: true, force: true });
        return;
      }
      this.saved = w;
      this.draft = clone(w.definition);
      this.dirty = false;
      this.render();
    } catch (e) {
      this.showSaveError(e, 'Not saved');
    } finally {
      if (btn.isConnected) { btn.disabled = false; btn.textContent = 'Save'; }
    }
  }

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

  showBanner(text, field) {
    clear(this.banner).append(h('span', null, text));
    if (field) {
      this.banner.append(h('button', {
        type: 'button', class: 'btn small', onclick: () => showFieldError(this.root, field, null, true),
      }, 'Show me'));
    }
    this.banner.hidden = false;
  }

  // ---- history -------------------------------------------------------------

  async history() {
    const { revisions } = await get(`/workflows/${this.saved.id}/revisions`);
    const current = this.saved.revision;
    const list = h('ol', { class: 'rev-list', 'aria-label': 'Revisions' });
    const pane = h('div', { class: 'rev-pane' }, h('p', { class: 'help' }, 'Choose a revision to see what changed since.'));
    const curDef = await get(`/workflows/${this.saved.id}/revisions/${current}`).then((r) => r.definition).catch(() => this.saved.definition);
    const show = async (rev, btn) => {
      for (const b of list.querySelectorAll('button')) b.removeAttribute('aria-current');
      btn.setAttribute('aria-current', 'true');
      const r = await get(`/workflows/${this.saved.id}/revisions/${rev.revision}`);
      const a = JSON.stringify(r.definition, null, 2);
      const b = JSON.stringify(curDef, null, 2);
      clear(pane).append(
        h('div', { class: 'rev-pane-head' },
          h('strong', null, rev.revision === current ? `Revision ${rev.revision} (current)` : `Revision ${rev.revision} → current (${current})`),
          rev.revision !== current ? h('button', {
            type: 'button', class: 'btn small', id: 'rollback', onclick: () => this.rollback(rev.revision),
          }, `Restore revision ${rev.revision}`) : null),
        rev.revision === current ? jsonView(r.definition, { root: 'definition' }) : diffView(diffLines(a, b)));
    };
    for (const rev of revisions) {
      const b = h('button', { type: 'button', class: 'rev-item', onclick: () => show(rev, b) },
        h('span', { class: 'rev-n' }, `#${rev.revision}`), ' ', timeEl(rev.created_at), rev.revision === current ? h('span', { class: 'tag' }, 'current') : null);
      list.append(h('li', null, b));
    }
    await modal({
      title: `History of ${this.saved.name}`, wide: true,
      content: h('div', { class: 'history' }, list, pane),
      buttons: [{ label: 'Close', value: 'close' }],
      onOpen: () => { const second = list.querySelectorAll('button')[1] || list.querySelector('button'); if (second) second.click(); },
    });
  }

  async rollback(rev) {
    if (this.dirty && !window.confirm('Restoring discards your unsaved edits. Go on?')) return;
    try {
      const w = await post(`/workflows/${this.saved.id}/revisions/${rev}/rollback`);
      document.querySelector('dialog[open]')?.close();
      toast(`Restored revision ${rev} as revision ${w.revision}`);
      this.saved = w;
      this.draft = clone(w.definition);
      this.dirty = false;
      this.render();
    } catch (e) { toast(e.message, 'error'); }
  }
}

// ---- helpers -----------------------------------------------------------------

function sampleFromEvent(ev) {
  return { payload: ev.body ?? null, event: ev, label: `Captured ${ago(ev.received_at)}${ev.method ? ` · ${ev.method}` : ''}` };
}

async function renderTemplate(src, ctx) {
  const parts = [];
  const re = /\{\{([\s\S]*?)\}\}/g;
  let last = 0;
  let m;
  while ((m = re.exec(src))) {
    parts.push(src.slice(last, m.index), { expr: m[1] });
    last = re.lastIndex;
  }
  parts.push(src.slice(last));
  const vals = await Promise.all(parts.map(async (p) => {
    if (typeof p === 'string') return p;
    try {
      const { value } = await post('/expr', { expr: p.expr.trim(), ...ctx });
      return typeof value === 'string' ? value : JSON.stringify(value);
    } catch (e) {
      e.template = p.expr.trim();
      throw e;
    }
  }));
  return vals.join('');
}

/** errorAt shows an expression error with its position and a caret under it. */
function errorAt(e, src) {
  const frag = h('div', { class: 'err-at' });
  const where = e.line ? `Line ${e.line}, column ${e.column}: ` : '';
  frag.append(h('span', { class: 'err-msg' }, where + (e.message || 'error')));
  if (e.line && src) {
    const line = src.split('\n')[e.line - 1];
    if (line != null) {
      frag.append(h('pre', { class: 'caret', 'aria-hidden': 'true' }, `${line}\n${' '.repeat(Math.max(0, e.column - 1))}^`));
    }
  }
  return frag;
}

function clearFieldError(el) {
  if (!el || el.getAttribute('aria-invalid') !== 'true') return;
  el.removeAttribute('aria-invalid');
  const errId = el.dataset.errorId;
  if (errId) document.getElementById(errId)?.remove();
  delete el.dataset.errorId;
}

function clearAllErrors(root) {
  for (const el of root.querySelectorAll('[aria-invalid="true"]')) clearFieldError(el);
  for (const el of root.querySelectorAll('.field-error')) el.remove();
  for (const el of root.querySelectorAll('.has-error')) el.classList.remove('has-error');
}

/** showFieldError marks the control of a field path (or its nearest parent) and focuses it. */
function showFieldError(root, field, e, focusOnly = false) {
  let path = field;
  let el = null;
  while (path) {
    el = root.querySelector(`[data-field="${CSS.escape(path)}"]`);
    if (el) break;
    const up = path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    if (up === path) break;
    path = up;
  }
  if (!el) return;
  // Open any collapsed section that holds it.
  for (let p = el.parentElement; p; p = p.parentElement) if (p.tagName === 'DETAILS') p.open = true;
  if (!focusOnly && e) {
    const id = nextId('err');
    const msg = h('div', { class: 'field-error', id, role: 'alert' });
    const src = 'value' in el ? el.value : '';
    if (e.line && src && (el.dataset.kind === 'expr' || el.tagName === 'TEXTAREA')) msg.append(errorAt(e, src));
    else msg.append(h('span', { class: 'err-msg' }, cleanMessage(e.message)));
    if (el.matches('input, textarea, select')) {
      el.setAttribute('aria-invalid', 'true');
      el.dataset.errorId = id;
      el.setAttribute('aria-describedby', `${id} ${el.getAttribute('aria-describedby') || ''}`.trim());
      el.insertAdjacentElement('afterend', msg);
    } else {
      el.classList.add('has-error');
      el.prepend(msg);
    }
  }
  el.scrollIntoView({ block: 'center', behavior: 'instant' });
  const focusable = el.matches('input, textarea, select, button') ? el : el.querySelector('input, textarea, select, button');
  if (focusable) focusable.focus({ preventScroll: true });
}

function cleanMessage(m) {
  return (m || '').replace(/^step "[^"]*": [^:]+: /, '').replace(/^[\w.[\]-]+: /, '');
}

/** cleanDef drops empty values and fields that do not belong to a step's type. */
function cleanDef(d) {
  const out = prune(clone(d)) || {};
  out.format = out.format || 'hookflow/v1';
  out.enabled = d.enabled !== false;
  out.steps = (d.steps || []).map((s) => {
    const c = prune(clone(s)) || {};
    for (const k of Object.keys(c)) {
      if (!['id', 'type', 'when'].includes(k) && !(ALLOWED[s.type] || []).includes(k)) delete c[k];
    }
    return c;
  });
  if (out.trigger) {
    if (out.trigger.auth && (!out.trigger.auth.type || out.trigger.auth.type === 'none')) delete out.trigger.auth;
    if (out.trigger.response && out.trigger.response.mode !== 'sync') delete out.trigger.response;
  } else out.trigger = { type: 'webhook' };
  if (d.trigger && d.trigger.schema !== undefined) out.trigger.schema = d.trigger.schema;
  if (d.vars !== undefined && d.vars !== null) out.vars = d.vars;
  return out;
}

function prune(v) {
  if (Array.isArray(v)) return v.length ? v.map((x) => prune(x)).filter((x) => x !== undefined) : undefined;
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x);
      if (p !== undefined) o[k] = p;
    }
    return Object.keys(o).length ? o : undefined;
  }
  if (v === '' || v === null || v === undefined || (typeof v === 'number' && (v === 0 || Number.isNaN(v)))) return undefined;
  return v;
}

function shellQuote(s) {
  return `'${String(s).replace(/'/g, "'\\''")}'`;
}

function curlExample(url, t, payload) {
  const method = (t.methods && t.methods.length && !t.methods.includes('POST')) ? t.methods[0] : 'POST';
  const lines = [`curl -X ${method} ${shellQuote(url)}`];
  const auth = t.auth || { type: 'none' };
  if (auth.type === 'token') {
    if (auth.header) lines.push(`  -H ${shellQuote(`${auth.header}: <token>`)}`);
    else if (auth.query) lines[0] = `curl -X ${method} ${shellQuote(`${url}?${auth.query}=<token>`)}`;
  }
  if (auth.type === 'basic') lines.push(`  -u ${shellQuote(`${auth.username || 'user'}:<password>`)}`);
  if (method !== 'GET' && method !== 'DELETE') {
    let body = JSON.stringify(payload ?? {});
    if (body.length > 400) body = '{"hello": "world"}';
    lines.push(`  -H 'Content-Type: application/json'`, `  -d ${shellQuote(body)}`);
  }
  let out = lines.join(' \\\n');
  if (['hmac', 'github', 'stripe', 'shopify', 'slack', 'standard'].includes(auth.type)) {
    out = `# This trigger checks a ${auth.type} signature: unsigned requests get 401.\n${out}`;
  }
  return out;
}
