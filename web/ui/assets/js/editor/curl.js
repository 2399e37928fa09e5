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
 */
export function curlExample(url, t, payload) {
  const method = (t.methods && t.methods.length && !t.methods.includes('POST')) ? t.methods[0] : 'POST';
  const lines = [`curl -X ${method} ${shellQuote(url)}`];
  const auth = t.auth || { type: 'none' };
  if (auth.type === 'token') {
    if (auth.header) lines.push(`  -H ${shellQuote(`${auth.header}: <token>`)}`);
    else if (auth.query) lines[0] = `curl -X ${method} ${shellQuote(`${url}?${auth.query}=<token>`)}`;
  }
  if (auth.type === 'basic') lines.push(`  -u ${shellQuote(`${auth.username || 'user'}:<password>`)}`);
  if (method !== 'GET' && method !== 'DELETE') {
    let body = JSON.stringify(payload ?? {});
    if (body.length > 400) body = '{"hello": "world"}';
    lines.push(`  -H 'Content-Type: application/json'`, `  -d ${shellQuote(body)}`);
  }
  let out = lines.join(' \\\n');
  if (['hmac', 'github', 'stripe', 'shopify', 'slack', 'standard'].includes(auth.type)) {
    out = `# This trigger checks a ${auth.type} signature: unsigned requests get 401.\n${out}`;
  }
  return out;
}
