// @ts-check
// Navigation between the editor's pages, and what a page may ask of it: a
// guard against leaving with unsaved edits, a cleanup when it is left, its
// title. The pages import this module; app.js draws the page a path shows
// and hands that to onNavigate, so no page imports app.js.

/**
 * @typedef {Object} NavigateOptions
 * @property {boolean} [replace] replace the history entry instead of adding one
 * @property {boolean} [force] leave even if the page's guard would say no
 */

/** @type {{ guard: (() => boolean) | null, dirty: (() => boolean) | null, cleanup: (() => void) | null }} */
const page = { guard: null, dirty: null, cleanup: null };

/** @type {() => void} */
let draw = () => {};

/**
 * onNavigate sets what draws the page of the current path (app.js's router).
 * @param {() => void} fn
 */
export function onNavigate(fn) { draw = fn; }

/**
 * setGuard makes leaving the page ask fn first; fn answers whether to leave.
 * @param {() => boolean} fn
 */
export function setGuard(fn) { page.guard = fn; }

/**
 * setDirtyCheck lets closing the tab ask before losing unsaved edits.
 * @param {() => boolean} fn
 */
export function setDirtyCheck(fn) { page.dirty = fn; }

/**
 * onLeave runs fn when the page is left (timers, open requests).
 * @param {() => void} fn
 */
export function onLeave(fn) { page.cleanup = fn; }

/** mayLeave asks the page's guard, if any, whether it may be left. */
export function mayLeave() { return !page.guard || page.guard(); }

/** hasUnsavedEdits says whether the page holds edits that closing the tab would lose. */
export function hasUnsavedEdits() { return !!(page.guard && page.dirty && page.dirty()); }

/** leavePage runs the page's cleanup and forgets its guard; the next page sets its own. */
export function leavePage() {
  if (page.cleanup) { try { page.cleanup(); } catch { /* the page is gone either way */ } }
  page.guard = null;
  page.dirty = null;
  page.cleanup = null;
}

/**
 * navigate goes to an app path (with query), unless the page's guard says no.
 * @param {string} path
 * @param {NavigateOptions} [opts]
 */
export function navigate(path, { replace = false, force = false } = {}) {
  if (!force && !mayLeave()) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  draw();
}

/**
 * setTitle sets the document title.
 * @param {string} [t]
 */
export function setTitle(t) { document.title = t ? `${t} · Hookflow` : 'Hookflow'; }
