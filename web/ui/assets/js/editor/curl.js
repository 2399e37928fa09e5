// @ts-check
// The curl command shown under a webhook trigger's URL: a request the
// trigger accepts, with the sample as its body.

/** @param {string} s */
function shellQuote(s) {
  return `'${String(s).replace(/'/g, "'\\''")}'`;
}

/**
 * curlExample is a curl command that calls url as trigger t expects.
 * @param {string} url
 * @param {Record<string, any>} t the webhook trigger
 * @param {any} payload the body to send
 * @param {(type: string) => string} authTitle what an auth type is called
 */
export function curlExample(url, t, payload, authTitle) {
  const method = (t.methods && t.methods.length && !t.methods.includes('POST')) ? t.methods[0] : 'POST';
  const lines = [`curl -X ${method} ${shellQuote(url)}`];
  const auth = t.auth || { type: 'none' };
  // A token and a password are sent as they are; other auth (signatures)
  // cannot be written into a command ahead of the body.
  let sends = true;
  if (auth.type === 'token') {
    if (auth.header) lines.push(`  -H ${shellQuote(`${auth.header}: <token>`)}`);
    else if (auth.query) lines[0] = `curl -X ${method} ${shellQuote(`${url}?${auth.query}=<token>`)}`;
    else lines.push(`  -H 'Authorization: Bearer <token>'`);
  } else if (auth.type === 'basic') {
    lines.push(`  -u ${shellQuote(`${auth.username || 'user'}:<password>`)}`);
  } else {
    sends = auth.type === 'none';
  }
  if (method !== 'GET' && method !== 'DELETE') {
    let body = JSON.stringify(payload ?? {});
    if (body.length > 400) body = '{"hello": "world"}';
    lines.push(`  -H 'Content-Type: application/json'`, `  -d ${shellQuote(body)}`);
  }
  let out = lines.join(' \\\n');
  if (!sends) {
    out = `# This trigger checks its callers (${authTitle(auth.type)}): requests without it get 401.\n${out}`;
  }
  return out;
}
