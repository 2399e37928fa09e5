// @ts-check
// The admin API client. Every request carries the X-Hookflow header, which
// the server requires (or a JSON body) on changes made with the session
// cookie: its CSRF guard.

/** ApiError is an error answer: {"error": {code, message, field, step, line, column, hint}}. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {any} body the answer, parsed when it is JSON
   */
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || (typeof body === 'string' && body) || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || '';
    this.field = e.field || '';
    this.step = e.step || '';
    this.line = e.line || 0;
    this.column = e.column || 0;
    /** @type {string} how to mend it, in plain words */
    this.hint = e.hint || '';
  }
}

/** @type {() => void} */
let onUnauthorized = () => {};
/**
 * setUnauthorizedHandler sets what happens when a request answers 401.
 * @param {() => void} fn
 */
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

/**
 * api calls /api/v1 + path. body: undefined (none), a string (sent as
 * is, as JSON) or a value (JSON-encoded). opts: signal, raw (answer
 * {data, text, res}), quiet401 (do not go to the login page).
 * @param {string} method
 * @param {string} path
 * @param {any} [body]
 * @param {{signal?: AbortSignal, raw?: boolean, quiet401?: boolean}} [opts]
 * @returns {Promise<any>}
 */
export async function api(method, path, body, opts = {}) {
  /** @type {Record<string, string>} */
  const headers = { 'X-Hookflow': '1', Accept: 'application/json' };
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`/api/v1${path}`, {
    method, headers, body: payload, credentials: 'same-origin', signal: opts.signal, cache: 'no-store',
  });
  const text = res.status === 204 ? '' : await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (res.status === 401 && !opts.quiet401) onUnauthorized();
  if (!res.ok) throw new ApiError(res.status, data);
  return opts.raw ? { data, text, res } : data;
}

/** @typedef {{signal?: AbortSignal, raw?: boolean, quiet401?: boolean}} ApiOptions */

/** @type {(path: string, opts?: ApiOptions) => Promise<any>} */
export const get = (path, opts) => api('GET', path, undefined, opts);
/** @type {(path: string, body?: any, opts?: ApiOptions) => Promise<any>} */
export const post = (path, body, opts) => api('POST', path, body ?? {}, opts);
/** @type {(path: string, body: any, opts?: ApiOptions) => Promise<any>} */
export const put = (path, body, opts) => api('PUT', path, body, opts);
/** @type {(path: string, opts?: ApiOptions) => Promise<any>} */
export const del = (path, opts) => api('DELETE', path, undefined, opts);

/**
 * qs builds a query string from an object, skipping empty values.
 * @param {Record<string, string | number | null | undefined>} params
 */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v != null && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
