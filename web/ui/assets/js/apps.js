// @ts-check
// The apps an app step may use, as GET /api/v1/apps describes them: the
// shipped ones and those of serve --apps, each with its actions' forms.

import { get } from './api.js';

/**
 * @typedef {Object} AppAction one thing an app does
 * @property {string} id
 * @property {string} title
 * @property {string} [description]
 * @property {import('./kinds.js').Field[]} fields the form of the step's "with"
 */

/**
 * @typedef {Object} App an app document
 * @property {string} id
 * @property {string} name
 * @property {string} [icon] an inline SVG document
 * @property {string} category
 * @property {string} [description]
 * @property {AppAction[]} actions
 * @property {boolean} shipped
 */

/** @type {Promise<App[]> | null} */
let loading = null;

/**
 * loadApps asks the server for its apps once per page load: they are
 * fixed while it runs.
 * @returns {Promise<App[]>}
 */
export function loadApps() {
  if (!loading) {
    loading = get('/apps').then((r) => r.apps).catch((e) => {
      loading = null; // ask again next time
      throw e;
    });
  }
  return loading;
}

/**
 * iconURL is an app's icon as an image's address: an SVG shown as an
 * image runs no script, whoever wrote the app's file.
 * @param {App} app
 */
export function iconURL(app) {
  return app.icon ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(app.icon)}` : '';
}
