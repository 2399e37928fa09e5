// @ts-check
// A saved webhook trigger's URL: copy it, rotate its key, try it with curl.

import { post } from '../api.js';
import { h, copyText, confirmDialog, toast } from '../dom.js';
import { curlExample } from './curl.js';

/** @typedef {import('../editor.js').Editor} Editor */

/**
 * takesRequests says whether a trigger type is started by requests to a
 * URL of its own (the webhook trigger): it has a URL to show, and requests
 * to capture as samples.
 * @param {string | undefined} type
 */
export function takesRequests(type) {
  return type === 'webhook';
}

/**
 * triggerURL is the URL box of a saved webhook trigger, or a notice that it
 * comes with the first save.
 * @param {Editor} ed
 * @param {Record<string, any>} t the draft's trigger
 * @param {(type: string) => string} authTitle what an auth type is called
 */
export function triggerURL(ed, t, authTitle) {
  const saved = ed.saved;
  if (!saved || !saved.trigger_url || saved.definition.trigger.type !== t.type) {
    return [h('p', { class: 'help notice' }, 'The trigger URL appears here once the workflow is saved.')];
  }
  const url = saved.trigger_url;
  const urlInput = h('input', { id: 'trigger-url', class: 'mono', readonly: true, value: url, 'aria-label': 'Trigger URL' });
  const copyBtn = h('button', {
    type: 'button', class: 'btn', id: 'copy-url', dataset: { copy: url },
    onclick: () => copyText(url, copyBtn),
  }, 'Copy');
  const rotate = h('button', {
    type: 'button', class: 'btn ghost', id: 'rotate-key',
    onclick: () => rotateKey(ed),
  }, 'Rotate key');
  const testURL = saved.test_url || '';
  const testInput = testURL ? h('input', { id: 'test-url', class: 'mono', readonly: true, value: testURL, 'aria-label': 'Test URL' }) : null;
  const copyTest = testURL ? h('button', {
    type: 'button', class: 'btn', id: 'copy-test-url', 'aria-label': 'Copy test URL', dataset: { copy: testURL },
    onclick: () => copyText(testURL, copyTest),
  }, 'Copy') : null;
  const curl = curlExample(url, t, ed.sample.payload, authTitle);
  const curlBtn = h('button', { type: 'button', class: 'btn small', id: 'copy-curl', onclick: () => copyText(curl, curlBtn) }, 'Copy');
  return /** @type {HTMLElement[]} */ ([
    h('div', { class: 'field' },
      h('label', { for: 'trigger-url' }, 'Trigger URL'),
      h('div', { class: 'input-row' }, urlInput, copyBtn, rotate),
      h('div', { class: 'help' }, urlHelp(saved, authTitle))),
    testInput ? h('div', { class: 'field' },
      h('label', { for: 'test-url' }, 'Test URL'),
      h('div', { class: 'input-row' }, testInput, copyTest),
      h('div', { class: 'help' }, 'A request here becomes the sample event and runs nothing, even while the workflow is disabled.')) : null,
    h('details', { class: 'curl' },
      h('summary', null, 'Try it with curl'),
      h('div', { class: 'curl-box' }, h('pre', { class: 'code-block', id: 'curl' }, curl), curlBtn)),
  ].filter(Boolean));
}

/**
 * urlHelp says who can start a run with the saved trigger's URL.
 * @param {Record<string, any>} saved
 * @param {(type: string) => string} authTitle
 */
function urlHelp(saved, authTitle) {
  if (!saved.enabled) return 'The workflow is disabled: this URL answers 404 until you enable it.';
  const auth = saved.definition.trigger.auth;
  if (!auth || auth.type === 'none') {
    return 'Anyone with this URL can start a run (add auth below to check callers). Rotating the key replaces the URL.';
  }
  return `Callers must also pass the trigger's auth (${authTitle(auth.type)}); others get 401. Rotating the key replaces the URL.`;
}

/** @param {Editor} ed */
async function rotateKey(ed) {
  const ok = await confirmDialog({
    title: 'Rotate the trigger key?',
    message: 'The current trigger URL stops working at once; callers need the new one.',
    confirm: 'Rotate key', danger: true,
  });
  if (!ok || !ed.saved) return;
  try {
    const w = await post(`/workflows/${ed.saved.id}/rotate-key`);
    ed.saved.trigger_url = w.trigger_url;
    ed.renderTrigger();
    toast('New trigger URL ready');
  } catch (e) { toast(e.message, 'error'); }
}
