// @ts-check
// A line diff (longest common subsequence), enough for comparing two
// revisions of a definition pretty-printed as JSON.

import { h } from './dom.js';

/**
 * @typedef {{op: ' ' | '-' | '+', text: string}} DiffLine
 */

/**
 * diffLines returns the lines turning a into b.
 * @param {string} a
 * @param {string} b
 * @returns {DiffLine[]}
 */
export function diffLines(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  // Trim the common head and tail so the table stays small.
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let ex = x.length;
  let ey = y.length;
  while (ex > start && ey > start && x[ex - 1] === y[ey - 1]) { ex--; ey--; }
  const xs = x.slice(start, ex);
  const ys = y.slice(start, ey);
  const n = xs.length;
  const m = ys.length;
  /** @type {DiffLine[]} */
  const out = x.slice(0, start).map((text) => ({ op: ' ', text }));
  if (n * m > 4_000_000) { // too big to align: show it as replaced
    xs.forEach((text) => out.push({ op: '-', text }));
    ys.forEach((text) => out.push({ op: '+', text }));
  } else {
    const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i][j] = xs[i] === ys[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (xs[i] === ys[j]) { out.push({ op: ' ', text: xs[i] }); i++; j++; } else if (L[i + 1][j] >= L[i][j + 1]) { out.push({ op: '-', text: xs[i] }); i++; } else { out.push({ op: '+', text: ys[j] }); j++; }
    }
    while (i < n) out.push({ op: '-', text: xs[i++] });
    while (j < m) out.push({ op: '+', text: ys[j++] });
  }
  x.slice(ex).forEach((text) => out.push({ op: ' ', text }));
  return out;
}

/**
 * diffView renders a diff, folding long runs of unchanged lines to three
 * lines of context on each side.
 * @param {DiffLine[]} lines
 */
export function diffView(lines) {
  const pre = h('pre', { class: 'diff' });
  const changed = lines.map((l) => l.op !== ' ');
  if (!changed.some(Boolean)) {
    pre.append(h('span', { class: 'd-same muted' }, 'No differences.'));
    return pre;
  }
  const near = (i) => {
    for (let k = Math.max(0, i - 3); k <= Math.min(lines.length - 1, i + 3); k++) if (changed[k]) return true;
    return false;
  };
  let skipped = 0;
  lines.forEach((l, i) => {
    if (l.op === ' ' && !near(i)) { skipped++; return; }
    if (skipped) { pre.append(h('span', { class: 'd-fold' }, `  ⋯ ${skipped} unchanged line${skipped > 1 ? 's' : ''}\n`)); skipped = 0; }
    const cls = l.op === '+' ? 'd-add' : l.op === '-' ? 'd-del' : 'd-same';
    pre.append(h('span', { class: cls }, `${l.op} ${l.text}\n`));
  });
  if (skipped) pre.append(h('span', { class: 'd-fold' }, `  ⋯ ${skipped} unchanged line${skipped > 1 ? 's' : ''}\n`));
  return pre;
}
