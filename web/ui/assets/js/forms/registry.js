// @ts-check
// The widgets a form draws its fields with, one per kind of value (text,
// template, expression, ..., steps). A module registers the widget of a
// kind; registering again replaces it, which is how a richer widget (the
// condition builder, the field mapper) plugs in for its kind.

/**
 * @typedef {import('../kinds.js').Field} Field
 * @typedef {import('../kinds.js').Kinds} Kinds
 * @typedef {import('../editor/previews.js').PreviewField} PreviewField
 */

/**
 * @typedef {Object} FormHost what a form asks of the page it is on
 * @property {Kinds} kinds the kinds the server knows
 * @property {(path: string, el?: Element) => void} changed an edit was made to the field at path with control el
 * @property {(f: PreviewField) => void} addPreview shows an expression's value live
 * @property {(el: HTMLElement, message: string | null) => void} setLocalError records (or, with null, clears)
 *   what is wrong with the value of control el (its data-field names the field) before the server is
 *   asked: Save refuses while the control is on the page with one
 * @property {() => Promise<string[]>} secretNames the names of the stored secrets
 * @property {(stepIndex: number) => import('../editor/previews.js').ExprEnv} [envFor] the data step
 *   stepIndex sees (the sample, earlier steps' outputs as tested): what the condition builder and the
 *   field mapper offer to pick from
 */

/**
 * @typedef {Object} WidgetContext what a widget draws and edits
 * @property {Field} field its description
 * @property {string} path its path in the definition, as errors name it: steps[1].url
 * @property {() => any} get the value; undefined when the field is left out
 * @property {(v: any, el?: Element) => void} set stores a value (undefined leaves the field out) and
 *   reports the edit made with control el
 * @property {FormHost} host
 * @property {number} stepIndex the step whose environment previews use (-1: the trigger's)
 * @property {boolean} [bare] the control alone, named by aria-label (a row of a list)
 * @property {string} [label] the label to show, when not the field's own (a row of a list: "Method 2")
 * @property {Record<string, any>} [owner] the object holding the field (a step), for a widget that
 *   draws its neighbours too (the app step's)
 */

/**
 * @typedef {Object} Widget
 * @property {(ctx: WidgetContext) => HTMLElement} render draws the field: its label, control and help
 * @property {boolean} [wide] takes a whole row; others share a row with their short neighbours
 */

/** @type {Map<string, Widget>} */
const widgets = new Map();

/**
 * registerWidget sets the widget of a kind of value.
 * @param {string} kind
 * @param {Widget} widget
 */
export function registerWidget(kind, widget) {
  widgets.set(kind, widget);
}

/**
 * widgetFor is the widget of a kind of value. A kind this editor has no
 * widget for is edited as JSON, so its value is kept as it is.
 * @param {string} kind
 * @returns {Widget}
 */
export function widgetFor(kind) {
  const w = widgets.get(kind) || widgets.get('json');
  if (!w) throw new Error(`no widget for ${kind}, and none for json`);
  return w;
}
