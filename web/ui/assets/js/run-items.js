// @ts-check
// The attempts of steps inside other steps on the run page: a loop's
// items and the paths taken, each a group with its status, opened to show
// its own steps' attempts.

import { h, statusPill } from './dom.js';

/** How many groups one holder shows; the rest are counted. */
const MAX_GROUPS = 200;

/**
 * @typedef {{step: string, index: number, attempt: number, status: string}} Attempt
 * @typedef {{key: string, label: string, attempts: Attempt[]}} Group
 */

/**
 * isNested reports whether an attempt is of a step inside another
 * ("each_line[3].send", "route.big.notify").
 * @param {string} step
 */
export function isNested(step) {
  return /[.[]/.test(step);
}

/**
 * groupsOf splits the nested attempts under a top-level step into its
 * items ("each_line[3]") and paths ("route.big"), in the order they ran.
 * @param {string} holder the top-level step's id
 * @param {Attempt[]} attempts the run's attempts
 * @returns {Group[]}
 */
export function groupsOf(holder, attempts) {
  /** @type {Map<string, Group>} */
  const groups = new Map();
  for (const a of attempts) {
    if (!a.step.startsWith(holder) || !isNested(a.step)) continue;
    const rest = a.step.slice(holder.length);
    const m = /^\[(\d+)\]/.exec(rest) || /^\.([A-Za-z0-9_]+)\./.exec(rest);
    if (!m) continue;
    const item = rest.startsWith('[');
    const key = holder + (item ? `[${m[1]}]` : `.${m[1]}`);
    let g = groups.get(key);
    if (!g) {
      g = { key, label: item ? `Item ${m[1]}` : `Path ${m[1]}`, attempts: [] };
      groups.set(key, g);
    }
    g.attempts.push(a);
  }
  const out = [...groups.values()];
  // Items in their order, whatever order they ran in.
  const num = (/** @type {Group} */ g) => Number(/\[(\d+)\]$/.exec(g.key)?.[1] ?? -1);
  if (out.every((g) => num(g) >= 0)) out.sort((a, b) => num(a) - num(b));
  return out;
}

/**
 * groupStatus is a group's status: that of the last attempt of each of
 * its steps, the worst of them.
 * @param {Group} g
 */
export function groupStatus(g) {
  /** @type {Map<string, string>} */
  const last = new Map();
  for (const a of g.attempts) last.set(a.step, a.status);
  const all = [...last.values()];
  for (const s of ['failed', 'retrying', 'waiting', 'running', 'filtered']) {
    if (all.includes(s)) return s;
  }
  return all.every((s) => s === 'skipped') ? 'skipped' : 'succeeded';
}

/**
 * nestedView draws a holder's groups, each a disclosure with its status
 * that opens onto its attempts (drawn by card); with failed items, a
 * button replays the loop with only those.
 * @param {string} holder
 * @param {Attempt[]} attempts
 * @param {(a: Attempt) => HTMLElement} card draws one attempt
 * @param {(() => void) | null} replayFailed
 */
export function nestedView(holder, attempts, card, replayFailed) {
  const groups = groupsOf(holder, attempts);
  if (!groups.length) return null;
  const counts = /** @type {Record<string, number>} */ ({});
  for (const g of groups) {
    const s = groupStatus(g);
    counts[s] = (counts[s] || 0) + 1;
  }
  const items = groups[0].key.endsWith(']');
  const summary = Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ');
  const shown = groups.slice(0, MAX_GROUPS);
  return h('section', { class: 'nested-groups', 'aria-label': `${items ? 'Items' : 'Paths'} of ${holder}` },
    h('div', { class: 'nested-head' },
      h('strong', null, items ? `${groups.length} items` : `Paths taken: ${groups.map((g) => g.label.slice(5)).join(', ')}`),
      h('span', { class: 'muted' }, summary),
      items && counts.failed && replayFailed ? h('button', {
        type: 'button', class: 'btn small ghost', 'aria-label': `Replay the failed items of ${holder}`, onclick: replayFailed,
      }, 'Replay failed items') : null),
    h('ul', { class: 'nested-list' }, shown.map((g) => {
      const status = groupStatus(g);
      return h('li', null, h('details', { class: `nested-group st-border-${status}`, dataset: { group: g.key } },
        h('summary', null, h('span', null, g.label), statusPill(status),
          h('span', { class: 'muted small' }, `${g.attempts.length} attempt${g.attempts.length === 1 ? '' : 's'}`)),
        h('ol', { class: 'attempts' }, g.attempts.map(card))));
    })),
    groups.length > shown.length ? h('p', { class: 'muted' }, `${groups.length - shown.length} more not shown`) : null);
}
