// @ts-check
// Who is logged in, and with which role: read from GET /api/v1/session
// when the editor starts and after each login. Pages ask can() before they
// draw a control the role may not use; the server enforces the roles
// either way (a 403 "not allowed").

import { get } from './api.js';

/** @type {{role: string, email: string, actor: string, via: string}} */
export const me = { role: '', email: '', actor: '', via: '' };

const ORDER = ['viewer', 'editor', 'admin'];

/**
 * can says whether the user's role is at least role.
 * @param {'viewer' | 'editor' | 'admin'} role
 */
export function can(role) {
  return ORDER.indexOf(me.role) >= ORDER.indexOf(role);
}

/** loadMe reads who is logged in; a 401 is thrown to the caller. */
export async function loadMe() {
  const s = await get('/session', { quiet401: true });
  me.role = s.role || '';
  me.email = s.email || '';
  me.actor = s.actor || '';
  me.via = s.via || '';
  showRole();
}

/** showRole hides the navigation entries the role may not use. */
export function showRole() {
  for (const el of document.querySelectorAll('[data-min-role]')) {
    if (!(el instanceof HTMLElement)) continue;
    el.hidden = !can(/** @type {any} */ (el.dataset.minRole));
  }
  const who = document.getElementById('whoami');
  if (who) who.textContent = me.actor ? `${me.actor} · ${me.role}` : '';
}
