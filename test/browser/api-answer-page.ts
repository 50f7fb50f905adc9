/** An HTTP exchange with the query API, as the browser made it. */
export interface ApiExchange {
  method: string;
  url: string;
  /** Who asked, in words: the token itself is never shown. */
  caller: string;
  status: number;
  contentType: string;
  body: unknown;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Pretty-printed JSON with keys, strings, numbers and literals marked for colour. */
export function highlightJson(value: unknown): string {
  return escapeHtml(JSON.stringify(value, null, 2)).replace(
    /(&quot;(?:[^&\\]|\\.|&(?!quot;))*&quot;)(\s*:)?|\b(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\b|\b(true|false|null)\b/g,
    (match, string: string | undefined, colon: string | undefined, number: string | undefined, literal: string | undefined) => {
      if (string) return colon ? `<span class="key">${string}</span>${colon}` : `<span class="string">${string}</span>`;
      if (number) return `<span class="number">${number}</span>`;
      if (literal) return `<span class="literal">${literal}</span>`;
      return match;
    },
  );
}

/** A page showing one request and the API's answer, as an API client would. */
export function renderApiExchange(exchange: ApiExchange): string {
  const { pathname, search, origin } = new URL(exchange.url);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil · query API</title><style>
body{margin:0;font:14px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d1c1d;background:#fff}
header{background:#232f3e;color:#fff;padding:12px 20px;font-weight:700;font-size:16px}header small{font-weight:400;color:#c6ccd3;margin-left:8px}
.request,.response{padding:10px 20px;border-bottom:1px solid #e2e2e2;font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:13px}
.method{background:#0b7a3e;color:#fff;border-radius:3px;padding:1px 6px;font-weight:700;margin-right:8px}.path{font-weight:700}.query{color:#8a3ffc}.origin{color:#616061}
.header{color:#616061;margin-top:4px}.status{background:#2eb67d;color:#fff;border-radius:3px;padding:1px 6px;font-weight:700;margin-right:8px}
pre{margin:0;padding:14px 20px;font:13px/1.45 "DejaVu Sans Mono",Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
.key{color:#0451a5}.string{color:#a31515}.number{color:#098658}.literal{color:#0000ff}
</style></head><body>
<header>Vigil · query API<small>the answer, as the browser received it</small></header>
<div class="request"><span class="method">${escapeHtml(exchange.method)}</span><span class="origin">${escapeHtml(origin)}</span><span class="path">${escapeHtml(pathname)}</span><span class="query">${escapeHtml(search)}</span>
<div class="header">Authorization: Bearer … (${escapeHtml(exchange.caller)})</div></div>
<div class="response"><span class="status">${exchange.status}</span>${escapeHtml(exchange.contentType)}</div>
<pre id="answer">${highlightJson(exchange.body)}</pre>
</body></html>
`;
}
