// @ts-check
// An app step's form: the app, the action (a picker of the app's
// actions) and the action's own fields, drawn from the app's description
// (GET /api/v1/apps) as a kind's fields are. The app field's widget draws
// all three; the action and with fields have none of their own.

import { h, clear } from '../../dom.js';
import { registerWidget } from '../registry.js';
import { renderFields, hostWith, joinPath } from '../form.js';
import { fieldBox } from '../field.js';
import { loadApps, iconURL } from '../../apps.js';

/** @typedef {import('../registry.js').WidgetContext} WidgetContext */
/** @typedef {import('../../apps.js').App} App */

/**
 * appForm draws the app step whose "app" field ctx edits.
 * @param {WidgetContext} ctx
 */
function appForm(ctx) {
  const s = /** @type {Record<string, any>} */ (ctx.owner);
  const base = ctx.path.replace(/\.app$/, '');
  const box = h('div', { class: 'app-step' }, h('p', { class: 'muted' }, 'Loading apps…'));
  /** @param {App[]} apps */
  const draw = (apps) => {
    clear(box);
    const app = apps.find((a) => a.id === s.app);
    const appSel = /** @type {HTMLSelectElement} */ (h('select', { 'data-field': joinPath(base, 'app'), class: 'app-pick' },
      app ? null : h('option', { value: s.app || '', selected: true }, s.app ? `${s.app} (not on this server)` : 'Choose an app…'),
      [...new Set(apps.map((a) => a.category))].map((cat) => h('optgroup', { label: cat },
        apps.filter((a) => a.category === cat).map((a) => h('option', { value: a.id, selected: a.id === s.app }, a.name))))));
    appSel.addEventListener('change', () => {
      const next = apps.find((a) => a.id === appSel.value);
      s.app = appSel.value;
      s.action = next && next.actions.length ? next.actions[0].id : undefined;
      if (s.action === undefined) delete s.action;
      keepFields(s, next);
      ctx.host.changed(joinPath(base, 'app'), appSel);
      draw(apps);
    });
    box.append(h('div', { class: 'app-head' },
      app && app.icon ? h('img', { class: 'app-icon', src: iconURL(app), alt: '', width: 28, height: 28 }) : null,
      fieldBox({ ...ctx, field: { ...ctx.field, help: app ? app.description : ctx.field.help } }, appSel)));
    if (!app) return;

    const action = app.actions.find((x) => x.id === s.action);
    const actSel = /** @type {HTMLSelectElement} */ (h('select', { 'data-field': joinPath(base, 'action'), class: 'app-action' },
      action ? null : h('option', { value: s.action || '', selected: true }, s.action ? `${s.action} (not an action of ${app.name})` : 'Choose an action…'),
      app.actions.map((x) => h('option', { value: x.id, selected: x.id === s.action }, x.title))));
    actSel.addEventListener('change', () => {
      s.action = actSel.value;
      keepFields(s, app);
      ctx.host.changed(joinPath(base, 'action'), actSel);
      draw(apps);
    });
    box.append(fieldBox({ ...ctx, path: joinPath(base, 'action'), label: 'Action',
      field: { name: 'action', label: 'Action', kind: 'app_action', required: true, help: action ? action.description : '' } }, actSel));
    if (!action) return;

    /** @type {Record<string, any>} */
    const w = s.with && typeof s.with === 'object' ? s.with : {};
    const host = hostWith(ctx.host, (path, el) => {
      if (Object.keys(w).length) s.with = w;
      else delete s.with;
      ctx.host.changed(path, el);
    });
    box.append(h('fieldset', { class: 'app-with', 'data-field': joinPath(base, 'with') },
      h('legend', null, `${app.name}: ${action.title}`),
      renderFields(action.fields, w, joinPath(base, 'with'), host, ctx.stepIndex)));
  };
  loadApps().then(draw).catch((e) => {
    clear(box).append(h('p', { class: 'error-text' }, `The apps could not be loaded: ${e.message || e}`));
  });
  return box;
}

/**
 * keepFields keeps, of an app step's with, the fields its action has.
 * @param {Record<string, any>} s
 * @param {App | undefined} app
 */
function keepFields(s, app) {
  const action = app && app.actions.find((x) => x.id === s.action);
  if (!s.with) return;
  const names = new Set(action ? action.fields.map((f) => f.name) : []);
  for (const k of Object.keys(s.with)) if (!names.has(k)) delete s.with[k];
  if (!Object.keys(s.with).length) delete s.with;
}

registerWidget('app', { wide: true, render: appForm });
// Drawn by the app field's widget, beside it.
const none = { wide: true, render: () => h('div', { hidden: true }) };
registerWidget('app_action', none);
registerWidget('app_with', none);
