// @ts-check
// What a workflow's sample is before a real event is captured: an example
// of what its trigger gives. A webhook gets an order; a schedule gets the
// payload each of its ticks carries (triggers/cron.go), at its next fire
// time.

import { takesRequests } from './trigger-url.js';
import { firesFor } from './fires.js';

/**
 * @typedef {Object} Sample
 * @property {any} payload
 * @property {Record<string, any> | null} event the trigger event it comes from, if captured
 * @property {string} label where it comes from
 * @property {string} [source] the trigger source of an example (webhook, cron, manual)
 * @property {boolean} [example] made up from the trigger, not captured or edited
 */

const ORDER = { id: 'ord_1001', status: 'paid', amount: 4200, customer: { email: 'ada@example.com' } };

/**
 * exampleSample is the sample a workflow starts with, for its trigger.
 * @param {Record<string, any> | undefined} trigger the draft's trigger
 * @param {string[]} [nextFires] the saved schedule's next fire times
 * @returns {Sample}
 */
export function exampleSample(trigger, nextFires) {
  const type = trigger && trigger.type;
  if (firesFor(type)) {
    return {
      payload: tick(trigger, nextFires), event: null, source: 'cron', example: true,
      label: 'Example of what each tick of the schedule gives: edit it to try other values',
    };
  }
  if (takesRequests(type)) {
    return { payload: ORDER, event: null, source: 'manual', example: true, label: 'Example payload: edit it, or capture a real request' };
  }
  return { payload: ORDER, event: null, source: 'manual', example: true, label: 'Example payload: edit it' };
}

/**
 * tick is the payload a schedule's run gets, for its next fire time.
 * @param {Record<string, any>} t
 * @param {string[]} [nextFires]
 */
function tick(t, nextFires) {
  let at = nextFires && nextFires.length ? new Date(nextFires[0]) : new Date();
  if (!nextFires || !nextFires.length) at = new Date(Math.ceil(at.getTime() / 60000) * 60000);
  const tz = t.timezone || 'UTC';
  return {
    scheduled_at: utc(at),
    local_time: local(at, tz),
    fired_at: utc(at),
    schedule: t.schedule || '',
    timezone: tz,
  };
}

/** @param {Date} d as Go's RFC 3339 in UTC, fractions of a second left out when zero */
function utc(d) {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/** @param {number} n */
const pad2 = (n) => String(n).padStart(2, '0');

/**
 * local is d in time zone tz, as RFC 3339 with its offset; UTC when tz is
 * not a zone the browser knows.
 * @param {Date} d
 * @param {string} tz
 */
function local(d, tz) {
  let parts;
  try {
    parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(d).map((p) => [p.type, p.value]));
  } catch {
    return utc(new Date(Math.floor(d.getTime() / 1000) * 1000));
  }
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  const off = Math.round((wall - Math.floor(d.getTime() / 1000) * 1000) / 60000);
  const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${pad2(Math.floor(Math.abs(off) / 60))}:${pad2(Math.abs(off) % 60)}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${zone}`;
}
