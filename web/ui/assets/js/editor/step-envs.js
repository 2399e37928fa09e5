// @ts-check
// The data as it arrives at each step: a step's previews see the payload
// and steps.* the steps before it make of the sample. They come from a
// test run (nothing sent) of the draft's earlier steps, asked of the
// server's test route once per version of those steps and sample.

import { post } from '../api.js';
import { toDefinition } from './draft.js';

/**
 * @typedef {import('./previews.js').ExprEnv} ExprEnv
 * @typedef {import('../editor.js').Editor} Editor
 * @typedef {{status: string, error?: string, steps: Record<string, any>[]}} TestReport
 */

/** How many test runs are kept; the oldest goes first. */
const KEEP = 40;

/**
 * envFromReport is the environment after the steps of a test report: each
 * step's output as steps.ID, and the payload the last step that sets it
 * (a transform) left.
 * @param {ExprEnv} base the environment of the first step
 * @param {TestReport} rep
 * @returns {ExprEnv}
 */
export function envFromReport(base, rep) {
  let payload = base.payload;
  /** @type {Record<string, any>} */
  const steps = {};
  for (const r of rep.steps) {
    if (r.status === 'succeeded' || r.status === 'waiting') {
      steps[r.step] = r.output ?? null;
      if (r.sets_payload) payload = r.output;
    } else if (r.status === 'skipped') {
      steps[r.step] = null;
    }
  }
  return { ...base, payload, steps };
}

/**
 * stepIDs are the ids of steps and of the steps they hold, at any depth.
 * @param {any} v
 * @param {Set<string>} [out]
 */
function stepIDs(v, out = new Set()) {
  if (Array.isArray(v)) v.forEach((x) => stepIDs(x, out));
  else if (v && typeof v === 'object') {
    if (typeof v.id === 'string' && typeof v.type === 'string') out.add(v.id);
    Object.values(v).forEach((x) => { if (x && typeof x === 'object') stepIDs(x, out); });
  }
  return out;
}

/**
 * before is a report cut where the first of later (or a step it holds,
 * reported before it) begins.
 * @param {TestReport} rep
 * @param {Record<string, any>[]} later
 * @returns {TestReport}
 */
function before(rep, later) {
  const ids = stepIDs(later);
  const cut = rep.steps.findIndex((r) => ids.has(r.step));
  return cut < 0 ? rep : { ...rep, steps: rep.steps.slice(0, cut) };
}

/** StepEnvs answers the environment each step of the draft sees. */
export class StepEnvs {
  /** @param {Editor} ed */
  constructor(ed) {
    this.ed = ed;
    /** @type {Map<string, Promise<TestReport>>} test runs by what they ran */
    this.runs = new Map();
  }

  /**
   * base is the environment of the first step: the sample as it arrives.
   * @returns {ExprEnv}
   */
  base() {
    const ed = this.ed;
    return { payload: ed.sample.payload, trigger: ed.sampler.triggerEnv(), steps: {}, vars: ed.draft.vars || {} };
  }

  /**
   * report is the test run of the draft's first n steps on the sample:
   * asked once per version of those steps, vars and sample.
   * @param {number} n
   * @returns {Promise<TestReport>}
   */
  report(n) {
    const ed = this.ed;
    if (!ed.saved) return Promise.reject(new Error('not saved'));
    const def = toDefinition(ed.draft);
    def.steps = (def.steps || []).slice(0, n);
    const body = { definition: def, payload: ed.sample.payload, send: false };
    const key = JSON.stringify([ed.saved.id, body]);
    let run = this.runs.get(key);
    if (!run) {
      run = post(`/workflows/${ed.saved.id}/test`, body);
      run.catch(() => this.runs.delete(key));
      if (this.runs.size >= KEEP) this.runs.delete(this.runs.keys().next().value || '');
      this.runs.set(key, run);
    }
    return run;
  }

  /**
   * envAt is the environment step i sees. One test run of the whole draft
   * serves every step (what step i sees does not depend on the steps after
   * it); where the draft cannot be run whole (a later step being edited is
   * not valid yet), the steps before i are run alone. Where those cannot be
   * run either (an unsaved workflow, an invalid earlier step), it is what
   * the last test made of them.
   * @param {number} i
   * @returns {Promise<ExprEnv>}
   */
  async envAt(i) {
    if (i <= 0) return this.base();
    const steps = this.ed.draft.steps || [];
    try {
      const whole = await this.report(steps.length);
      return envFromReport(this.base(), before(whole, steps.slice(i)));
    } catch { /* run the earlier steps alone */ }
    try {
      return envFromReport(this.base(), await this.report(i));
    } catch {
      return this.ed.envFor(i);
    }
  }

  /**
   * failing is the first step of the draft that fails on the sample, with
   * its error, or null: what is asked before an enabled workflow is saved.
   * @returns {Promise<{step: string, error: string} | null>}
   */
  async failing() {
    const n = (this.ed.draft.steps || []).length;
    if (!n) return null;
    const rep = await this.report(n);
    const bad = rep.steps.find((r) => r.status === 'failed');
    return bad ? { step: bad.step, error: bad.error || 'failed' } : null;
  }
}
