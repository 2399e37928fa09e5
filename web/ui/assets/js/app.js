// @ts-check
// The editor's shell: login, routing (history API; the server answers
// index.html for these paths), the top bar.

import { api, setUnauthorizedHandler } from './api.js';
import { h, clear, toast } from './dom.js';
import {
  navigate, onNavigate, setTitle, mayLeave, leavePage, hasUnsavedEdits,
} from './nav.js';
import { workflowList } from './list.js';
import { workflowEditor } from './editor.js';
import { runList, runPage } from './runs.js';
import { secretsPage } from './secrets.js';
import { storagePage } from './storage.js';
import { usersPage } from './users.js';
import { tokensPage } from './tokens.js';
import { auditPage } from './audit.js';
import { loadMe, me } from './me.js';
import { issuesPage } from './issues.js';
import { dashboardPage } from './dashboard.js';
import { destinationsPage } from './destinations.js';

const main = () => /** @type {HTMLElement} */ (document.getElementById('main'));

/** @type {[RegExp, (m: RegExpMatchArray) => unknown][]} */

const routes = [
  [/^\/login$/, () => loginPage()],
  [/^\/$/, () => workflowList(main())],
  [/^\/workflows$/, () => workflowList(main())],
  [/^\/workflows\/new$/, () => workflowEditor(main(), null)],
  [/^\/workflows\/([a-z0-9][a-z0-9-]{0,63})$/, (m) => workflowEditor(main(), m[1])],
  [/^\/runs$/, () => runList(main())],
  [/^\/runs\/([^/]+)$/, (m) => runPage(main(), decodeURIComponent(m[1]))],
  [/^\/secrets$/, () => secretsPage(main())],
  [/^\/storage$/, () => storagePage(main())],
  [/^\/users$/, () => usersPage(main())],
  [/^\/tokens$/, () => tokensPage(main())],
  [/^\/audit$/, () => auditPage(main())],
  [/^\/issues$/, () => issuesPage(main())],
  [/^\/dashboard$/, () => dashboardPage(main())],
  [/^\/destinations$/, () => destinationsPage(main())],
];

/** counts the pages drawn, so a page drawn late does not take the focus */
let renders = 0;

/**
 * focusHeading moves the focus to the page's heading once it is drawn, so
 * a screen reader says where navigation led and Tab starts from there.
 */
function focusHeading() {
  const h1 = main().querySelector('h1');
  if (!(h1 instanceof HTMLElement)) return;
  h1.tabIndex = -1;
  h1.focus({ preventScroll: true });
}

function render() {
  leavePage();
  const path = location.pathname;
  document.body.classList.toggle('anon', path === '/login');
  for (const a of document.querySelectorAll('a[data-nav]')) {
    if (!(a instanceof HTMLElement)) continue;
    const on = (a.dataset.nav === 'runs' && path.startsWith('/runs'))
      || (a.dataset.nav === 'workflows' && (path === '/' || path.startsWith('/workflows')))
      || (a.dataset.nav === 'secrets' && path === '/secrets')
      || (a.dataset.nav === 'storage' && path === '/storage')
      || (a.dataset.nav === 'users' && path === '/users')
      || (a.dataset.nav === 'tokens' && path === '/tokens')
      || (a.dataset.nav === 'audit' && path === '/audit')
      || (a.dataset.nav === 'issues' && path === '/issues')
      || (a.dataset.nav === 'dashboard' && path === '/dashboard')
      || (a.dataset.nav === 'destinations' && path === '/destinations');
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const at = ++renders;
  for (const [re, fn] of routes) {
    const m = path.match(re);
    if (m) {
      clear(main());
      Promise.resolve(fn(m)).then(() => { if (at === renders && path !== '/login') focusHeading(); }).catch((e) => showError(e));
      return;
    }
  }
  clear(main()).append(h('div', { class: 'page narrow' },
    h('h1', null, 'Not found'),
    h('p', null, 'There is no page here. ', h('a', { href: '/', 'data-link': '' }, 'Back to the workflows'), '.')));
}

function showError(e) {
  if (e && e.status === 401) return;
  if (e && e.status === 403) {
    clear(main()).append(h('div', { class: 'page narrow' },
      h('h1', null, 'Not allowed'),
      h('p', { class: 'error-text', role: 'alert', id: 'not-allowed' },
        `Your role (${me.role || 'none'}) does not allow this page. Ask an admin for another role.`)));
    return;
  }
  console.error(e);
  clear(main()).append(h('div', { class: 'page narrow' },
    h('h1', null, 'Something went wrong'),
    h('p', { class: 'error-text', role: 'alert' }, (e && e.message) || String(e))));
}

// ---- login ----------------------------------------------------------------

/**
 * login starts a session with {token} or {email, password}, then reads
 * who is logged in.
 * @param {{token?: string, email?: string, password?: string}} body
 */
async function login(body) {
  await api('POST', '/session', body, { quiet401: true });
  await loadMe();
}

function loginPage(message, withToken = false) {
  setTitle('Log in');
  const err = h('p', { class: 'error-text', role: 'alert', id: 'login-error' }, message || '');
  const email = /** @type {HTMLInputElement} */ (h('input', {
    id: 'login-email', type: 'email', autocomplete: 'username', spellcheck: 'false', required: !withToken,
  }));
  const password = /** @type {HTMLInputElement} */ (h('input', {
    id: 'login-password', type: 'password', autocomplete: 'current-password', required: !withToken,
  }));
  const input = /** @type {HTMLInputElement} */ (h('input', {
    id: 'login-token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: withToken,
    'aria-describedby': 'login-help login-error',
  }));
  const btn = h('button', { type: 'submit', class: 'btn primary', id: 'login-submit' }, 'Log in');
  const fields = withToken ? [
    h('label', { for: 'login-token' }, 'Admin token'),
    input,
    h('p', { class: 'help', id: 'login-help' },
      'The token ', h('code', null, 'hookflow serve'), ' printed at its first start (its login link logs in by itself), or the value of ',
      h('code', null, 'HOOKFLOW_ADMIN_TOKEN'), '.'),
  ] : [
    h('label', { for: 'login-email' }, 'Email'), email,
    h('label', { for: 'login-password' }, 'Password'), password,
  ];
  const other = h('button', {
    type: 'button', class: 'btn ghost small', id: 'login-other',
    onclick: () => loginPage('', !withToken),
  }, withToken ? 'Log in with email and password' : 'Log in with the admin token');
  const form = h('form', {
    class: 'login card',
    onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      btn.disabled = true;
      try {
        await login(withToken ? { token: input.value.trim() } : { email: email.value.trim(), password: password.value });
        const next = new URLSearchParams(location.search).get('next');
        navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true, force: true });
      } catch (x) {
        if (x.status === 401) err.textContent = withToken ? 'That is not the admin token.' : 'Wrong email or password.';
        else err.textContent = x.message;
        (withToken ? input : password).focus();
      } finally {
        btn.disabled = false;
      }
    },
  },
  h('div', { class: 'login-brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Hookflow'),
  h('h1', null, 'Log in'),
  fields,
  err,
  btn,
  other);
  clear(main()).append(h('div', { class: 'login-wrap' }, form));
  (withToken ? input : email).focus();
}

function toLogin() {
  if (location.pathname === '/login') return;
  const next = location.pathname + location.search;
  leavePage();
  history.replaceState(null, '', `/login${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`);
  render();
}

// ---- boot -----------------------------------------------------------------

async function boot() {
  onNavigate(render);
  setUnauthorizedHandler(toLogin);

  // Links inside the app navigate without a reload.
  document.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a[data-link]') : null;
    if (!(a instanceof HTMLAnchorElement) || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => render());
  window.addEventListener('beforeunload', (e) => {
    if (hasUnsavedEdits()) { e.preventDefault(); e.returnValue = ''; }
  });
  document.getElementById('logout').addEventListener('click', async () => {
    if (!mayLeave()) return;
    try { await api('DELETE', '/session', undefined, { quiet401: true }); } catch { /* already out */ }
    leavePage();
    history.replaceState(null, '', '/login');
    render();
    toast('Logged out');
  });

  // "serve" prints a login link: /#token=...; log in with it and drop it
  // from the address bar and history at once.
  const m = location.hash.match(/^#token=(.+)$/);
  if (m) {
    const token = decodeURIComponent(m[1]);
    history.replaceState(null, '', location.pathname + location.search);
    try {
      await login({ token });
    } catch (e) {
      document.body.classList.remove('booting');
      history.replaceState(null, '', '/login');
      loginPage(e.status === 401 ? 'The token in the link is not the admin token.' : e.message, true);
      return;
    }
  }
  document.body.classList.remove('booting');
  if (location.pathname !== '/login') {
    try {
      await loadMe();
    } catch (e) {
      if (e.status === 401) { toLogin(); return; }
    }
  }
  render();
}

boot();
