// @ts-check
// The field mapper: a mapping (a transform's fields, a request's body) as
// rows of a key and a value. The value is text; the fields of the data go
// into it from a picker that shows the sample and every earlier step's
// output as a tree, each with an optional formatter (money, number, date,
// ...), so nobody types {{ }}. Each value shows what it reads as (fields as
// chips) and what it gives on the sample. A mapping may be an expression
// instead: it is drawn as one, and the two ways can be swapped.

import { post } from '../../api.js';
import { h, clear, append, confirmDialog, compact, debounce, nextId } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { groupLabel, helpOf } from '../field.js';
import { codeInput } from './code.js';
import { dataFields, envOf, shortValue } from '../../editor/data-fields.js';

/**
 * @typedef {import('../registry.js').WidgetContext} WidgetContext
 * @typedef {import('../../editor/data-fields.js').DataField} DataField
 */

/**
 * @typedef {Object} FormatterChoice how a picked field may be shaped
 * @property {string} name the formatter's function
 * @property {string} label as the list shows it
 * @property {(t: string) => boolean} fits whether it suits a field of type t
 */

/** @type {FormatterChoice[]} the formatters the picker offers, where the server has them */
const CHOICES = [
  { name: 'formatMoney', label: 'Money (120.00 USD)', fits: (t) => t === 'number' },
  { name: 'formatNumber', label: 'Number with decimals', fits: (t) => t === 'number' },
  { name: 'formatDate', label: 'Date', fits: (t) => t === 'date' || t === 'number' },
  { name: 'titleCase', label: 'Title Case', fits: (t) => t === 'text' },
  { name: 'slugify', label: 'slug-for-urls', fits: (t) => t === 'text' },
  { name: 'truncate', label: 'Shortened', fits: (t) => t === 'text' },
  { name: 'default', label: 'With a fallback where empty', fits: () => true },
  { name: 'count', label: 'Count of items', fits: (t) => t === 'list' },
  { name: 'first', label: 'First item', fits: (t) => t === 'list' },
  { name: 'last', label: 'Last item', fits: (t) => t === 'list' },
];

const FORMAT_LABELS = /** @type {Record<string, string>} */ ({
  formatMoney: 'money', formatNumber: 'number', formatDate: 'date', titleCase: 'title case', slugify: 'slug',
  truncate: 'shortened', default: 'or fallback', count: 'count', first: 'first', last: 'last',
});

const PATH = /(payload|steps|trigger|vars)((\.[A-Za-z_][\w-]*)|(\[[^\]]*\]))*/;

/**
 * readable is a template as a person reads it: text, and each {{ }} part
 * as a chip naming its field (and formatter).
 * @param {string} src
 */
export function readable(src) {
  /** @type {(string | HTMLElement)[]} */
  const out = [];
  const re = /\{\{([\s\S]*?)\}\}/g;
  let last = 0;
  let m;
  while ((m = re.exec(src))) {
    if (m.index > last) out.push(src.slice(last, m.index));
    const expr = m[1].trim();
    const p = PATH.exec(expr);
    const fn = /^(\w+)\(/.exec(expr);
    const name = p ? p[0].replace(/^payload\./, '').replace(/^steps\.(\w+)\./, '$1 › ').replaceAll('.', ' › ') : expr;
    const fmt = fn && FORMAT_LABELS[fn[1]] ? ` as ${FORMAT_LABELS[fn[1]]}` : fn ? ` (${fn[1]})` : '';
    out.push(h('span', { class: 'chip', title: expr }, `${name}${fmt}`));
    last = re.lastIndex;
  }
  if (last < src.length) out.push(src.slice(last));
  return out;
}

/**
 * fieldExpr is the expression a field and its formatter give.
 * @param {DataField} f
 * @param {string} fmt
 * @param {Record<string, any>} opts
 */
function fieldExpr(f, fmt, opts) {
  const x = f.expr;
  switch (fmt) {
    case 'formatMoney': {
      const amount = opts.cents ? `${x} / 100` : x;
      const cur = opts.currencyField ? opts.currencyField : JSON.stringify((opts.currencyCode || 'USD').trim());
      return `formatMoney(${amount}, ${cur})`;
    }
    case 'formatNumber': return `formatNumber(${x}, ${Number(opts.decimals) || 0})`;
    case 'formatDate': return `formatDate(${x}, ${JSON.stringify(opts.layout || 'date')})`;
    case 'truncate': return `truncate(${x}, ${Number(opts.length) || 20})`;
    case 'default': return `default(${x}, ${JSON.stringify(opts.fallback ?? '')})`;
    case '': return x;
    default: return `${fmt}(${x})`;
  }
}

/**
 * picker is the panel that inserts a field of the data into input: first
 * the field, from a tree; then how to shape it; then Insert.
 * @param {WidgetContext} ctx
 * @param {HTMLInputElement} input
 * @param {string} rowName names the row in labels: field 2
 * @param {() => void} close
 */
function picker(ctx, input, rowName, close) {
  const env = envOf(ctx);
  const fields = dataFields(env);
  const panel = h('div', { class: 'data-picker', role: 'group', 'aria-label': `Data for ${rowName}` });
  const known = new Set((ctx.host.kinds.common.formatters || []).map((f) => f.name));
  const choices = CHOICES.filter((c) => known.has(c.name));

  const showTree = () => {
    const tree = h('ul', { class: 'data-tree' });
    let source = '';
    for (const f of fields) {
      if (f.source !== source) {
        source = f.source;
        tree.append(h('li', { class: 'data-source' }, source));
      }
      tree.append(h('li', { class: `depth-${Math.min(f.depth, 6)}` },
        h('button', {
          type: 'button', class: 'data-field-btn', 'aria-label': `Pick ${f.path}`, 'data-path': f.path,
          onclick: () => showFormat(f),
        }, h('span', { class: 'data-name' }, f.name), ' ', h('span', { class: 'data-value' }, shortValue(f.value)))));
    }
    clear(panel).append(
      h('div', { class: 'data-picker-head' }, h('strong', null, 'Pick a field'),
        h('button', { type: 'button', class: 'btn small ghost', onclick: close }, 'Cancel')),
      fields.length ? tree : h('p', { class: 'muted' }, 'No data yet: capture a sample event (Listen for a test event) or edit the sample.'));
  };

  /** @param {DataField} f */
  const showFormat = (f) => {
    /** @type {Record<string, any>} */
    const opts = { decimals: 2, layout: 'date', length: 20, fallback: '', cents: false, currencyField: '', currencyCode: '' };
    const fmtId = nextId('m');
    const offered = choices.filter((c) => c.fits(f.type));
    const fmt = /** @type {HTMLSelectElement} */ (h('select', { id: fmtId },
      h('option', { value: '' }, 'As it is'),
      offered.map((c) => h('option', { value: c.name }, c.label))));
    const extra = h('div', { class: 'data-format-opts' });
    const gives = h('div', { class: 'preview', 'aria-live': 'polite' });
    const expr = () => fieldExpr(f, fmt.value, opts);
    const preview = debounce(async () => {
      if (!env) return;
      try {
        const { value } = await post('/expr', { expr: expr(), ...env });
        clear(gives).className = 'preview ok';
        gives.append(h('span', null, 'Gives: '), h('code', { class: 'value' }, typeof value === 'string' ? value : compact(value, 200)));
      } catch (e) {
        clear(gives).className = 'preview err';
        gives.append(e.message);
      }
    }, 200);
    /**
     * @param {string} label
     * @param {HTMLElement} control
     */
    const opt = (label, control) => {
      control.id = control.id || nextId('m');
      return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
    };
    const drawExtra = () => {
      clear(extra);
      if (fmt.value === 'formatMoney') {
        const texts = fields.filter((x) => x.type === 'text' && x.source === f.source);
        const guess = texts.find((x) => /currency/i.test(x.name) && x.path.split('.').slice(0, -1).join('.') === f.path.split('.').slice(0, -1).join('.')) ||
          texts.find((x) => /currency/i.test(x.name));
        opts.currencyField = guess ? guess.expr : '';
        const cur = /** @type {HTMLSelectElement} */ (h('select', null,
          texts.map((x) => h('option', { value: x.expr, selected: guess === x }, `${x.path.replace(/^payload\./, '')} = ${shortValue(x.value)}`)),
          h('option', { value: '', selected: !guess }, 'A currency code I type')));
        const code = /** @type {HTMLInputElement} */ (h('input', { value: opts.currencyCode, placeholder: 'USD', maxlength: 3, hidden: !!guess, 'aria-label': 'Currency code' }));
        cur.addEventListener('change', () => { opts.currencyField = cur.value; code.hidden = !!cur.value; preview(); });
        code.addEventListener('input', () => { opts.currencyCode = code.value; preview(); });
        const whole = Number.isInteger(Number(f.value));
        const cents = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: nextId('m'), checked: opts.cents }));
        cents.addEventListener('change', () => { opts.cents = cents.checked; preview(); });
        append(extra, [opt('Currency', cur), code,
          whole ? h('label', { class: 'check', for: cents.id }, cents, `The amount is in cents: divide by 100 (${shortValue(f.value)} → ${Number(f.value) / 100})`) : null]);
      } else if (fmt.value === 'formatNumber') {
        const d = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: 0, max: 20, value: opts.decimals }));
        d.addEventListener('input', () => { opts.decimals = d.value; preview(); });
        extra.append(opt('Decimals', d));
      } else if (fmt.value === 'formatDate') {
        const l = /** @type {HTMLSelectElement} */ (h('select', null, ['date', 'datetime', 'rfc3339', 'relative'].map((x) => h('option', { value: x }, x))));
        l.addEventListener('change', () => { opts.layout = l.value; preview(); });
        extra.append(opt('Show as', l));
      } else if (fmt.value === 'truncate') {
        const n = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: 1, value: opts.length }));
        n.addEventListener('input', () => { opts.length = n.value; preview(); });
        extra.append(opt('At most (characters)', n));
      } else if (fmt.value === 'default') {
        const t = /** @type {HTMLInputElement} */ (h('input', { value: opts.fallback }));
        t.addEventListener('input', () => { opts.fallback = t.value; preview(); });
        extra.append(opt('Fallback', t));
      }
      preview();
    };
    fmt.addEventListener('change', drawExtra);
    const insert = h('button', {
      type: 'button', class: 'btn small primary',
      onclick: () => {
        const text = `{{ ${expr()} }}`;
        const start = input.selectionStart ?? input.value.length;
        const end = input.selectionEnd ?? start;
        input.focus();
        input.setRangeText(text, start, end, 'end');
        input.dispatchEvent(new Event('input', { bubbles: true }));
        close();
      },
    }, 'Insert');
    clear(panel).append(
      h('div', { class: 'data-picker-head' }, h('strong', null, f.path), ' ', h('span', { class: 'muted' }, shortValue(f.value))),
      h('div', { class: 'field' }, h('label', { for: fmtId }, 'Format'), fmt),
      extra,
      h('div', { class: 'data-picker-actions' }, insert,
        h('button', { type: 'button', class: 'btn small ghost', onclick: showTree }, 'Back'),
        h('button', { type: 'button', class: 'btn small ghost', onclick: close }, 'Cancel')),
      gives); // below the buttons: its arrival moves none of them
    drawExtra();
    fmt.focus();
  };

  showTree();
  return panel;
}

/**
 * mapperRows draws a mapping as rows of a key and a value.
 * @param {WidgetContext} ctx
 */
function mapperRows(ctx) {
  const current = ctx.get();
  /** @type {{name: string, value: any}[]} */
  const rows = Object.entries(current && typeof current === 'object' ? current : {}).map(([name, value]) => ({ name, value }));
  const wrap = h('div', { class: 'field kv mapper', 'data-field': ctx.path });
  const list = h('div', { class: 'kv-rows' });
  /** @param {Element} [el] */
  const sync = (el) => {
    /** @type {Record<string, any>} */
    const o = {};
    for (const r of rows) if (r.name) o[r.name] = r.value;
    ctx.set(Object.keys(o).length ? o : undefined, el);
  };
  const draw = () => {
    clear(list);
    rows.forEach((r, k) => {
      const rowName = `field ${k + 1}`;
      const name = h('input', {
        class: 'mono', value: r.name, placeholder: 'field', 'aria-label': `Field ${k + 1} name`, spellcheck: 'false',
      });
      const shown = typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
      const val = /** @type {HTMLInputElement} */ (h('input', {
        class: 'mono', value: shown, placeholder: 'text, and fields from the data', 'aria-label': `Field ${k + 1} value`,
        'data-field': `${ctx.path}.${r.name}`, 'data-insertable': '', 'data-kind': 'template', spellcheck: 'false',
      }));
      const reads = h('div', { class: 'reads-as' });
      const showReads = () => {
        const parts = readable(val.value);
        clear(reads);
        if (parts.some((p) => typeof p !== 'string')) reads.append(h('span', { class: 'muted' }, 'Reads as: '), ...parts);
      };
      showReads();
      const preview = h('div', { class: 'preview', 'aria-live': 'polite', 'data-preview-for': `${ctx.path}.${r.name}` });
      name.addEventListener('input', () => {
        r.name = name.value;
        val.dataset.field = `${ctx.path}.${r.name}`;
        preview.dataset.previewFor = val.dataset.field;
        sync(name);
      });
      val.addEventListener('input', () => { r.value = val.value; showReads(); sync(val); });
      const slot = h('div', { class: 'picker-slot' });
      const pickBtn = h('button', {
        type: 'button', class: 'btn small', 'aria-label': `Insert data into field ${k + 1}`, 'aria-expanded': 'false',
        onclick: () => {
          if (slot.firstChild) { clear(slot); pickBtn.setAttribute('aria-expanded', 'false'); return; }
          pickBtn.setAttribute('aria-expanded', 'true');
          slot.append(picker(ctx, val, rowName, () => { clear(slot); pickBtn.setAttribute('aria-expanded', 'false'); }));
          /** @type {HTMLElement | null} */ (slot.querySelector('button.data-field-btn'))?.focus();
        },
      }, '+ Data');
      list.append(h('div', { class: 'mapper-row' },
        h('div', { class: 'kv-row' }, name, val, pickBtn,
          h('button', {
            type: 'button', class: 'btn icon ghost', 'aria-label': `Remove field ${k + 1}`,
            onclick: () => { rows.splice(k, 1); sync(); draw(); },
          }, '✕')),
        reads, preview, slot));
      ctx.host.addPreview({ el: val, preview, kind: 'template', stepIndex: ctx.stepIndex });
    });
  };
  draw();
  append(wrap, [h('div', { class: 'kv-label' }, groupLabel(ctx)), list,
    h('button', {
      type: 'button', class: 'btn small ghost', 'aria-label': 'Add field',
      onclick: () => { rows.push({ name: '', value: '' }); draw(); list.lastElementChild?.querySelector('input')?.focus(); },
    }, '+ Field'),
    helpOf(ctx)]);
  return wrap;
}

/**
 * mapping draws a mapping as rows, or as an expression when it is one, with
 * a button to swap. Swapping empties the field, after asking if it had a
 * value.
 * @param {WidgetContext} ctx
 */
function mapping(ctx) {
  const box = h('div', { class: 'mapping' });
  /** @param {boolean} asExpr */
  const draw = (asExpr) => {
    const swap = h('button', {
      type: 'button', class: 'btn small ghost swap',
      onclick: async () => {
        const v = ctx.get();
        const empty = v === undefined || v === '' || (typeof v === 'object' && v && !Object.keys(v).length);
        if (!empty && !(await confirmDialog({
          title: asExpr ? 'Use fields instead?' : 'Use an expression instead?',
          message: 'What the field holds now is cleared.', confirm: 'Clear it',
        }))) return;
        if (!empty) ctx.set(undefined, swap);
        draw(!asExpr);
      },
    }, asExpr ? 'Use fields instead' : 'Advanced: use an expression instead');
    clear(box).append(asExpr ? codeInput(ctx, 'expr') : mapperRows(ctx), swap);
  };
  draw(typeof ctx.get() === 'string');
  return box;
}

registerWidget('mapping', { wide: true, render: mapping });
