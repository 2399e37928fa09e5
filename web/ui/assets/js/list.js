// @ts-check
// The workflow list: name and tags, enabled toggle, trigger, last run, runs
// of the last 24 h and failures not followed by a success; search by name,
// a tag filter and sorting (list-filter.js); create, duplicate, delete,
// import, export.

import { get, post, del, api, qs } from './api.js';
import {
  h, clear, statusPill, timeEl, toast, modal, confirmDialog, download, nextId,
} from './dom.js';
import { navigate, setTitle } from './nav.js';
import { loadKinds, kindOf } from './kinds.js';
import { galleryDialog } from './gallery.js';
import { listFilters } from './list-filter.js';

/**
 * workflowList draws the list of workflows in root.
 * @param {HTMLElement} root
 */
export async function workflowList(root) {
  setTitle('Workflows');
  const body = h('div', { class: 'page' });
  root.append(body);
  const [{ workflows }, kinds] = await Promise.all([get('/workflows'), loadKinds()]);

  const head = h('div', { class: 'page-head' },
    h('h1', null, 'Workflows', h('span', { class: 'count' }, String(workflows.length))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', id: 'import-open', onclick: () => importDialog() }, 'Import'),
      h('button', {
        type: 'button', class: 'btn', id: 'export-all', disabled: workflows.length === 0,
        onclick: () => exportWorkflows([]),
      }, 'Export all'),
      h('button', {
        type: 'button', class: 'btn primary', id: 'new-workflow', onclick: () => galleryDialog(),
      }, 'New workflow')));
  body.append(head);

  if (workflows.length === 0) {
    body.append(h('div', { class: 'empty card' },
      h('h2', null, 'No workflows yet'),
      h('p', null, 'A workflow starts from a webhook or a schedule, filters and reshapes the payload, and calls other systems.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn primary', onclick: () => galleryDialog() }, 'Create a workflow'),
        h('button', { type: 'button', class: 'btn', onclick: () => importDialog() }, 'Import a definition'))));
    return;
  }

  const tbody = h('tbody');
  const table = h('table', { class: 'table wf-table' },
    h('caption', { class: 'sr-only' }, 'Workflows with their latest activity'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', class: 'col-toggle' }, 'On'),
      h('th', { scope: 'col' }, 'Name'),
      h('th', { scope: 'col' }, 'Trigger'),
      h('th', { scope: 'col' }, 'Last run'),
      h('th', { scope: 'col', class: 'num' }, 'Runs 24 h'),
      h('th', { scope: 'col', class: 'num', title: 'Failed runs of the last 24 hours not followed by a success' }, 'Failures'),
      h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
    tbody);
  /** @type {Map<string, HTMLTableRowElement>} */
  const rows = new Map();
  for (const w of workflows) rows.set(w.id, /** @type {HTMLTableRowElement} */ (row(w, kinds)));
  const filters = listFilters(workflows, rows, tbody);
  body.append(filters, h('div', { class: 'card flush' }, table));
}

/**
 * row is a workflow's row of the list.
 * @param {Record<string, any>} w
 * @param {import('./kinds.js').Kinds} kinds
 */
function row(w, kinds) {
  const def = w.definition || {};
  const trig = (def.trigger && def.trigger.type) || '';
  const last = h('td', { class: 'last-run' }, h('span', { class: 'muted' }, '…'));
  const runs = h('td', { class: 'num' }, h('span', { class: 'muted' }, '…'));
  const fails = h('td', { class: 'num' }, h('span', { class: 'muted' }, '…'));
  const toggle = h('input', {
    type: 'checkbox', role: 'switch', class: 'switch', checked: w.enabled,
    'aria-label': `Enabled: ${w.name}`, dataset: { workflow: w.id },
    onchange: async () => {
      const on = toggle.checked;
      toggle.disabled = true;
      try {
        await post(`/workflows/${w.id}/${on ? 'enable' : 'disable'}`);
        toast(`${w.name} ${on ? 'enabled' : 'disabled'}`);
      } catch (e) {
        toggle.checked = !on;
        toast(e.message, 'error');
      } finally {
        toggle.disabled = false;
      }
    },
  });
  const tr = h('tr', { dataset: { workflow: w.id } },
    h('td', { class: 'col-toggle' }, toggle),
    h('td', null,
      h('a', { href: `/workflows/${w.id}`, 'data-link': '', class: 'wf-name' }, w.name),
      (def.tags || []).length ? h('span', { class: 'wf-tags' }, (def.tags || []).map((/** @type {string} */ t) => h('button', {
        type: 'button', class: 'tag small tag-filter', dataset: { tag: t }, 'aria-label': `Show only tag ${t}`,
      }, t))) : null,
      h('div', { class: 'sub mono' }, w.id)),
    h('td', null, h('span', { class: `tag tr-${trig}` }, kindOf(kinds.triggers, trig)?.title || trig),
      def.trigger && def.trigger.schedule ? h('span', { class: 'sub mono' }, ` ${def.trigger.schedule}`) : null),
    last, runs, fails,
    h('td', { class: 'col-actions' },
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => duplicate(w), 'aria-label': `Duplicate ${w.name}` }, 'Duplicate'),
      h('button', { type: 'button', class: 'btn small ghost', onclick: () => exportWorkflows([w.id]), 'aria-label': `Export ${w.name}` }, 'Export'),
      h('button', {
        type: 'button', class: 'btn small ghost danger-text', 'aria-label': `Delete ${w.name}`,
        onclick: () => remove(w),
      }, 'Delete')));

  const act = w.activity;
  Promise.resolve(act ? {
    last_run: act.last_run, runs_24h: act.runs_24h, failures_24h: act.failures, capped: false,
  } : get(`/workflows/${w.id}/stats`)).then((s) => {
    clear(last);
    if (s.last_run) {
      last.append(
        h('a', { href: `/runs/${s.last_run.id}`, 'data-link': '', class: 'plain' }, statusPill(s.last_run.status)),
        ' ', timeEl(s.last_run.created_at));
    } else {
      last.append(h('span', { class: 'muted' }, 'never'));
    }
    clear(runs).append(
      s.runs_24h > 0
        ? h('a', { href: `/runs${qs({ workflow: w.id })}`, 'data-link': '' }, `${s.runs_24h}${s.capped ? '+' : ''}`)
        : h('span', { class: 'muted' }, '0'));
    clear(fails).append(
      s.failures_24h > 0
        ? h('a', { href: `/runs${qs({ workflow: w.id, status: 'failed', unresolved: 1 })}`, 'data-link': '', class: 'fail-count' }, String(s.failures_24h))
        : h('span', { class: 'muted' }, '0'));
  }).catch(() => {
    clear(last).append(h('span', { class: 'muted' }, '—'));
  });
  return tr;
}

async function duplicate(w) {
  const def = { ...w.definition, name: `${w.name} (copy)`, enabled: false };
  delete def.id;
  try {
    const created = await post('/workflows', def);
    toast(`Created ${created.name}, disabled until you turn it on`);
    navigate(`/workflows/${created.id}`);
  } catch (e) {
    toast(e.message, 'error');
  }
}

async function remove(w) {
  const ok = await confirmDialog({
    title: `Delete “${w.name}”?`,
    message: 'The workflow, its revisions, captured events and run history are removed for good. Its trigger URL stops working.',
    confirm: 'Delete workflow',
    danger: true,
  });
  if (!ok) return;
  try {
    await del(`/workflows/${w.id}`);
    toast(`Deleted ${w.name}`);
    navigate('/', { replace: true, force: true });
  } catch (e) {
    toast(e.message, 'error');
  }
}

/**
 * exportWorkflows downloads the definitions of ids (all where empty).
 * @param {string[]} ids
 */
export async function exportWorkflows(ids) {
  try {
    const q = ids.map((id) => `id=${encodeURIComponent(id)}`).join('&');
    const { text } = await api('GET', `/export${q ? `?${q}` : ''}`, undefined, { raw: true });
    const name = ids.length === 1 ? `${ids[0]}.json` : `hookflow-workflows-${new Date().toISOString().slice(0, 10)}.json`;
    download(name, text);
    toast(`Exported ${ids.length === 1 ? ids[0] : 'all workflows'}`);
  } catch (e) {
    toast(e.message, 'error');
  }
}

/** importDialog imports pasted or chosen JSON: one definition or a bundle. */
export function importDialog() {
  const ta = h('textarea', {
    id: 'import-text', class: 'code', rows: 14, spellcheck: 'false',
    placeholder: '{"format": "hookflow/v1", "name": "…", "trigger": {…}, "steps": […]}',
  });
  const fileId = nextId('file');
  const file = h('input', {
    type: 'file', id: fileId, accept: '.json,application/json',
    onchange: async () => {
      const f = file.files && file.files[0];
      if (f) ta.value = await f.text();
    },
  });
  const err = h('div', { class: 'error-text', role: 'alert', id: 'import-error' });
  const content = h('div', { class: 'import' },
    h('label', { for: 'import-text' }, 'Paste a definition or a bundle (JSON)'),
    ta,
    h('div', { class: 'field inline' }, h('label', { for: fileId }, 'or read a file'), file),
    h('p', { class: 'help' }, 'A workflow whose id exists gets a new revision; importing the same file twice changes nothing.'),
    err);
  return modal({
    title: 'Import workflows',
    content,
    wide: true,
    onOpen: () => ta.focus(),
    buttons: [
      { label: 'Cancel', value: 'cancel' },
      {
        label: 'Import', kind: 'primary', id: 'import-submit', value: 'ok',
        onClick: async (btn) => {
          err.textContent = '';
          if (!ta.value.trim()) { err.textContent = 'Paste JSON or choose a file first.'; return false; }
          btn.disabled = true;
          try {
            const res = await api('POST', '/import', ta.value);
            const created = res.workflows.filter((x) => x.created).length;
            const changed = res.workflows.filter((x) => !x.created && x.changed).length;
            toast(`Imported ${res.workflows.length}: ${created} new, ${changed} updated`);
            if (res.workflows.length === 1) navigate(`/workflows/${res.workflows[0].id}`, { force: true });
            else navigate('/', { replace: true, force: true });
            return true;
          } catch (e) {
            err.textContent = e.field ? `${e.field}: ${e.message}` : e.message;
            if (e.line && e.field === 'definition') err.textContent += ` (line ${e.line}, column ${e.column})`;
            return false;
          } finally {
            btn.disabled = false;
          }
        },
      },
    ],
  });
}
