// @ts-check
// A schedule without cron syntax: every N minutes, every N hours, daily at,
// weekly on days at, monthly on a day at, or a cron expression typed as it
// is. The picker writes the cron expression (shown, and editable, below
// it); a cron expression it can say is read back into it; the next five
// times come from the server (GET /api/v1/schedule/next), in the trigger's
// time zone.

import { get, qs } from '../../api.js';
import { h, clear, debounce, nextId } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { fieldBox, labelText } from '../field.js';

/** @typedef {import('../registry.js').WidgetContext} WidgetContext */

/**
 * @typedef {Object} Picked a schedule as the picker holds it
 * @property {'minutes' | 'hours' | 'daily' | 'weekly' | 'monthly' | 'custom'} mode
 * @property {number} every N of every N minutes or hours
 * @property {number} minute the minute of an hourly schedule
 * @property {string} at HH:MM
 * @property {number[]} days days of the week, 0 (Sunday) to 6
 * @property {number} day day of the month
 */

/** @type {[Picked['mode'], string][]} */
const MODES = [
  ['minutes', 'Every N minutes'],
  ['hours', 'Every N hours'],
  ['daily', 'Daily'],
  ['weekly', 'Weekly, on days'],
  ['monthly', 'Monthly, on a day'],
  ['custom', 'Custom (cron)'],
];

// Monday first, as people read a week; cron counts Sunday as 0.
const DAYS = [[1, 'Monday'], [2, 'Tuesday'], [3, 'Wednesday'], [4, 'Thursday'], [5, 'Friday'], [6, 'Saturday'], [0, 'Sunday']];

/** @returns {Picked} */
function defaults() {
  return { mode: 'daily', every: 15, minute: 0, at: '09:00', days: [1, 2, 3, 4, 5], day: 1 };
}

/** @param {number} n */
const pad = (n) => String(n).padStart(2, '0');

/**
 * toCron is the cron expression of a picked schedule ('' for custom).
 * @param {Picked} p
 */
export function toCron(p) {
  const [hh, mm] = (p.at || '00:00').split(':').map((x) => parseInt(x, 10) || 0);
  switch (p.mode) {
    case 'minutes': return p.every <= 1 ? '* * * * *' : `*/${p.every} * * * *`;
    case 'hours': return `${p.minute} ${p.every <= 1 ? '*' : `*/${p.every}`} * * *`;
    case 'daily': return `${mm} ${hh} * * *`;
    case 'weekly': return `${mm} ${hh} * * ${[...p.days].sort((a, b) => a - b).join(',') || '*'}`;
    case 'monthly': return `${mm} ${hh} ${p.day} * *`;
    default: return '';
  }
}

/**
 * num reads a whole number field of a cron expression within [lo, hi].
 * @param {string} s
 * @param {number} lo
 * @param {number} hi
 */
function num(s, lo, hi) {
  if (!/^\d{1,2}$/.test(s)) return null;
  const n = parseInt(s, 10);
  return n >= lo && n <= hi ? n : null;
}

/**
 * weekdays reads a day-of-week field (1-5, 1,3,5, 0-6, 7 for Sunday) into
 * days, or null where it uses more than lists and ranges of numbers.
 * @param {string} s
 */
function weekdays(s) {
  /** @type {Set<number>} */
  const out = new Set();
  for (const part of s.split(',')) {
    const m = part.match(/^(\d)(?:-(\d))?$/);
    if (!m) return null;
    const a = parseInt(m[1], 10);
    const b = m[2] === undefined ? a : parseInt(m[2], 10);
    if (a > 7 || b > 7 || b < a) return null;
    for (let d = a; d <= b; d++) out.add(d % 7);
  }
  return [...out];
}

/**
 * fromCron reads a cron expression the picker can say back into it; null
 * for one it cannot (seconds, descriptors, steps in other fields...).
 * @param {string} cron
 * @returns {Picked | null}
 */
export function fromCron(cron) {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5) return null;
  const [mi, ho, dom, mon, dow] = f;
  if (mon !== '*') return null;
  const p = defaults();
  if (ho === '*' && dom === '*' && dow === '*') {
    if (mi === '*') return { ...p, mode: 'minutes', every: 1 };
    const m = mi.match(/^\*\/(\d{1,2})$/);
    const n = m ? num(m[1], 1, 59) : null;
    return n === null ? null : { ...p, mode: 'minutes', every: n };
  }
  const minute = num(mi, 0, 59);
  if (minute === null) return null;
  if (dom === '*' && dow === '*') {
    if (ho === '*') return { ...p, mode: 'hours', every: 1, minute };
    const m = ho.match(/^\*\/(\d{1,2})$/);
    if (m) {
      const n = num(m[1], 1, 23);
      return n === null ? null : { ...p, mode: 'hours', every: n, minute };
    }
  }
  const hour = num(ho, 0, 23);
  if (hour === null) return null;
  const at = `${pad(hour)}:${pad(minute)}`;
  if (dom === '*' && dow === '*') return { ...p, mode: 'daily', at };
  if (dom === '*') {
    const days = weekdays(dow);
    return days && days.length ? { ...p, mode: 'weekly', at, days } : null;
  }
  if (dow === '*') {
    const day = num(dom, 1, 31);
    return day === null ? null : { ...p, mode: 'monthly', at, day };
  }
  return null;
}

/**
 * siblingPath is the path of the field beside path's: trigger.schedule ->
 * trigger.timezone.
 * @param {string} path
 * @param {string} name
 */
function siblingPath(path, name) {
  const i = path.lastIndexOf('.');
  return i < 0 ? name : `${path.slice(0, i + 1)}${name}`;
}

/** @param {string} iso an RFC 3339 time with its zone's offset, shown as it is: in that zone */
function showTime(iso) {
  const m = iso.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/);
  if (!m) return iso;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  const wd = d.toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });
  const date = d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  return `${wd} ${date}, ${m[4]}:${m[5]}`;
}

/**
 * renderSchedule draws the picker, the cron expression and the next times.
 * @param {WidgetContext} ctx
 */
function renderSchedule(ctx) {
  const v = ctx.get();
  const cronIn = /** @type {HTMLInputElement} */ (h('input', {
    value: v == null ? '' : String(v), placeholder: '0 9 * * 1-5', 'data-field': ctx.path,
    class: 'mono', autocomplete: 'off', spellcheck: 'false',
  }));
  if (ctx.bare) return fieldBox(ctx, cronIn);
  const name = labelText(ctx);
  let picked = (v ? fromCron(String(v)) : null) || { ...defaults(), mode: v ? 'custom' : 'daily' };

  const mode = /** @type {HTMLSelectElement} */ (h('select', null,
    MODES.map(([m, l]) => h('option', { value: m }, l))));
  const every = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: '1', max: '59', class: 'short' }));
  const everyLabel = h('span');
  const minute = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: '0', max: '59', class: 'short' }));
  const at = /** @type {HTMLInputElement} */ (h('input', { type: 'time', step: '60' }));
  const day = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: '1', max: '31', class: 'short' }));
  /** @type {Map<number, HTMLInputElement>} */
  const dayBoxes = new Map();
  const daysBox = h('fieldset', { class: 'checks schedule-days' }, h('legend', null, 'On days'),
    DAYS.map(([n, l]) => {
      const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', value: String(n) }));
      dayBoxes.set(Number(n), box);
      return h('label', { class: 'check' }, box, String(l));
    }));

  /**
   * @param {string} text
   * @param {HTMLElement} control
   */
  const row = (text, control) => {
    control.id = nextId('sched');
    return h('div', { class: 'field' }, h('label', { for: control.id }, text), control);
  };
  const everyRow = h('div', { class: 'field' });
  every.id = nextId('sched');
  everyRow.append(h('label', { for: every.id }, everyLabel), every);
  const minuteRow = row('At minute', minute);
  const atRow = row('At', at);
  const dayRow = row('On day of the month', day);
  const modeRow = row('Repeat', mode);

  const list = h('ol', { class: 'schedule-next mono', 'aria-label': 'Next five times' });
  const status = h('div', { class: 'help schedule-status', role: 'status' });
  const note = h('div', { class: 'help schedule-note' });

  /** showPicked puts picked into the controls, and shows those its mode uses. */
  const showPicked = () => {
    mode.value = picked.mode;
    every.value = String(picked.every);
    every.max = picked.mode === 'hours' ? '23' : '59';
    everyLabel.textContent = picked.mode === 'hours' ? 'Every (hours)' : 'Every (minutes)';
    minute.value = String(picked.minute);
    at.value = picked.at;
    day.value = String(picked.day);
    for (const [n, box] of dayBoxes) box.checked = picked.days.includes(n);
    everyRow.hidden = picked.mode !== 'minutes' && picked.mode !== 'hours';
    minuteRow.hidden = picked.mode !== 'hours';
    atRow.hidden = !['daily', 'weekly', 'monthly'].includes(picked.mode);
    daysBox.hidden = picked.mode !== 'weekly';
    dayRow.hidden = picked.mode !== 'monthly';
    note.textContent = picked.mode === 'monthly' && picked.day > 28
      ? `Months without a day ${picked.day} are skipped.` : '';
  };

  const tzPath = siblingPath(ctx.path, 'timezone');
  const timezone = () => {
    const el = document.querySelector(`[data-field="${tzPath}"]`);
    return el instanceof HTMLInputElement || el instanceof HTMLSelectElement ? el.value.trim() : '';
  };
  let asked = 0;
  const refreshNext = debounce(async () => {
    const cron = cronIn.value.trim();
    const n = ++asked;
    clear(list);
    list.dataset.cron = ''; // which schedule the times are of: set once they come
    list.setAttribute('aria-busy', 'true');
    if (!cron) { status.textContent = 'Pick a schedule to see when it runs.'; return; }
    try {
      const r = await get(`/schedule/next${qs({ cron, timezone: timezone(), count: 5 })}`);
      if (n !== asked) return;
      status.textContent = `Next times (${r.timezone}):`;
      for (const t of r.next) list.append(h('li', null, h('time', { datetime: t }, showTime(t))));
      list.dataset.cron = cron;
      list.removeAttribute('aria-busy');
    } catch (e) {
      if (n !== asked) return;
      list.removeAttribute('aria-busy');
      status.textContent = e.field === 'timezone' ? `Time zone: ${e.message}` : `Not a schedule: ${e.message}`;
    }
  }, 250);

  /** fromPicker writes the picked schedule's cron expression. */
  const fromPicker = () => {
    if (picked.mode === 'custom') { showPicked(); return; }
    const cron = toCron(picked);
    cronIn.value = cron;
    ctx.set(cron, cronIn);
    showPicked();
    refreshNext();
  };

  mode.addEventListener('change', () => {
    const m = /** @type {Picked['mode']} */ (mode.value);
    if (m === 'custom') {
      picked = { ...picked, mode: m };
      showPicked();
      cronIn.focus();
      return;
    }
    picked = { ...picked, mode: m };
    if (m === 'hours' && picked.every > 23) picked.every = 1;
    fromPicker();
  });
  every.addEventListener('input', () => {
    const n = parseInt(every.value, 10);
    const max = picked.mode === 'hours' ? 23 : 59;
    if (Number.isFinite(n) && n >= 1 && n <= max) { picked.every = n; fromPicker(); }
  });
  minute.addEventListener('input', () => {
    const n = parseInt(minute.value, 10);
    if (Number.isFinite(n) && n >= 0 && n <= 59) { picked.minute = n; fromPicker(); }
  });
  at.addEventListener('input', () => { if (/^\d{2}:\d{2}/.test(at.value)) { picked.at = at.value.slice(0, 5); fromPicker(); } });
  day.addEventListener('input', () => {
    const n = parseInt(day.value, 10);
    if (Number.isFinite(n) && n >= 1 && n <= 31) { picked.day = n; fromPicker(); }
  });
  for (const [n, box] of dayBoxes) {
    box.addEventListener('change', () => {
      const days = new Set(picked.days);
      if (box.checked) days.add(n); else days.delete(n);
      if (days.size === 0) { box.checked = true; return; } // a week with no day never runs
      picked.days = [...days];
      fromPicker();
    });
  }
  cronIn.addEventListener('input', () => {
    ctx.set(cronIn.value === '' ? undefined : cronIn.value, cronIn);
    const p = fromCron(cronIn.value);
    picked = p || { ...picked, mode: 'custom' };
    showPicked();
    refreshNext();
  });
  // A change of the time zone changes the times.
  const onTz = (/** @type {Event} */ e) => {
    if (!cronIn.isConnected) { document.removeEventListener('input', onTz); return; }
    if (e.target instanceof HTMLElement && e.target.dataset.field === tzPath) refreshNext();
  };
  document.addEventListener('input', onTz);

  showPicked();
  refreshNext();
  cronIn.id = nextId('sched');
  const box = h('fieldset', { class: 'field schedule', 'data-schedule': ctx.path },
    h('legend', null, name, ctx.field.required ? null : h('span', { class: 'opt' }, ' optional')),
    h('div', { class: 'schedule-picker' }, modeRow, everyRow, minuteRow, daysBox, dayRow, atRow),
    note,
    h('div', { class: 'field' }, h('label', { for: cronIn.id }, 'Cron expression'), cronIn,
      ctx.field.help ? h('div', { class: 'help', id: `${cronIn.id}-help` }, ctx.field.help) : null),
    status, list);
  if (ctx.field.help) cronIn.setAttribute('aria-describedby', `${cronIn.id}-help`);
  return box;
}

registerWidget('schedule', { render: renderSchedule, wide: true });
