import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A local stand-in for Slack, on 127.0.0.1: it takes incoming-webhook posts
 * (`POST /webhook/<team>`) and the Web API calls Vigil makes (`/api/chat.postMessage`,
 * `/api/chat.update`, `/api/views.open`), records them, and shows them at `/` as a person
 * would read them, one channel at a time with `/?channel=webhook:<team>` (or the API's
 * channel); `/messages` lists them as JSON. It can be told to answer the next N
 * requests with 429 (and Retry-After) or 500, to try Vigil's retries:
 *
 * ```sh
 * curl -XPOST localhost:PORT/admin/faults -d '{"status":429,"count":2,"retryAfter":1}'
 * curl -XPOST localhost:PORT/admin/reset
 * ```
 */

export interface RecordedMessage {
  /** Order of arrival, from 1. */
  seq: number;
  via: 'webhook' | 'api';
  /** Team of the webhook path (webhooks), or the channel the API call named. */
  channel: string;
  team?: string;
  ts: string;
  threadTs?: string;
  text: string;
  blocks: unknown[];
  /** Earlier versions, oldest first, when chat.update replaced it. */
  edits: Array<{ text: string; blocks: unknown[]; at: string }>;
  receivedAt: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  at: string;
  /** The body as JSON (or the form fields); never the Authorization header. */
  body: unknown;
}

export interface Fault {
  status: 429 | 500 | 503;
  /** How many of the next matching requests get it. */
  count: number;
  /** Seconds, for 429. */
  retryAfter?: number;
  /** Only requests whose path starts with this (e.g. `/webhook/payments`). */
  pathPrefix?: string;
}

export interface SlackServerOptions {
  port?: number;
  /** Bot token the API accepts (anything non-empty when unset). */
  botToken?: string;
  /** Answer 429 when a channel gets two messages within this many ms (Slack: about 1,000). Off when unset. */
  enforceRateLimitMs?: number;
}

export interface LocalSlackServer {
  url: string;
  port: number;
  /** Base for SLACK_API_URL. */
  apiUrl: string;
  webhookUrl(team: string): string;
  messages(): RecordedMessage[];
  requests(): RecordedRequest[];
  views(): unknown[];
  /** Answers the next `count` matching requests with the status. */
  fail(fault: Fault): void;
  reset(): void;
  stop(): Promise<void>;
}

export async function startSlackServer(options: SlackServerOptions = {}): Promise<LocalSlackServer> {
  let messages: RecordedMessage[] = [];
  let requests: RecordedRequest[] = [];
  let views: unknown[] = [];
  let faults: Fault[] = [];
  let seq = 0;
  let clock = 1_700_000_000_000;
  const lastPost = new Map<string, number>();
  const nextTs = () => {
    clock = Math.max(clock + 1, Date.now() * 1000);
    const micro = String(clock);
    return `${micro.slice(0, -6)}.${micro.slice(-6)}`;
  };

  const takeFault = (path: string): Fault | undefined => {
    const fault = faults.find((f) => f.count > 0 && (!f.pathPrefix || path.startsWith(f.pathPrefix)));
    if (!fault) return undefined;
    fault.count--;
    faults = faults.filter((f) => f.count > 0);
    return fault;
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`local slack server error: ${(error as Error).message}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const raw = await readBody(req);
    const at = new Date().toISOString();
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const text = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(body);
    };

    if (req.method === 'GET' && path === '/') {
      const counts = new Map<string, number>();
      for (const m of messages) counts.set(m.channel, (counts.get(m.channel) ?? 0) + 1);
      const selected = url.searchParams.get('channel') ?? undefined;
      const channels = [...counts].map(([channel, count]) => ({ channel, count })).sort((a, b) => a.channel.localeCompare(b.channel));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(renderPage(selected ? messages.filter((m) => m.channel === selected) : messages, 'Vigil · local Slack', { channels, ...(selected ? { selected } : {}) }));
      return;
    }
    if (req.method === 'GET' && path === '/messages') return json(200, { messages, views });
    if (req.method === 'GET' && path === '/requests') return json(200, { requests });
    if (req.method === 'POST' && path === '/admin/faults') {
      const fault = JSON.parse(raw || '{}') as Fault;
      if (![429, 500, 503].includes(fault.status) || !(fault.count > 0)) return json(400, { error: 'expected {"status": 429|500|503, "count": N, "retryAfter"?: seconds, "pathPrefix"?: "/webhook/x"}' });
      faults.push(fault);
      return json(200, { ok: true, faults });
    }
    if (req.method === 'POST' && path === '/admin/reset') {
      reset();
      return json(200, { ok: true });
    }
    if (req.method !== 'POST' || !(path.startsWith('/webhook/') || path.startsWith('/api/'))) return text(404, 'not found');

    const body = parseBody(raw, req.headers['content-type']);
    const record = (status: number) => requests.push({ method: req.method ?? 'POST', path, status, at, body });
    const fault = takeFault(path);
    if (fault) {
      record(fault.status);
      const headers: Record<string, string> = fault.status === 429 ? { 'retry-after': String(fault.retryAfter ?? 1) } : {};
      return path.startsWith('/api/') ? json(fault.status, { ok: false, error: fault.status === 429 ? 'ratelimited' : 'internal_error' }, headers) : text(fault.status, fault.status === 429 ? 'rate_limited' : 'internal_error', headers);
    }

    const rateLimited = (channel: string): boolean => {
      if (!options.enforceRateLimitMs) return false;
      const now = Date.now();
      const last = lastPost.get(channel);
      if (last !== undefined && now - last < options.enforceRateLimitMs) return true;
      lastPost.set(channel, now);
      return false;
    };

    if (path.startsWith('/webhook/')) {
      const team = decodeURIComponent(path.slice('/webhook/'.length));
      const b = body as { text?: unknown; blocks?: unknown };
      if (!b || typeof b !== 'object' || (typeof b.text !== 'string' && !Array.isArray(b.blocks))) {
        record(400);
        return text(400, 'invalid_payload');
      }
      if (rateLimited(`webhook:${team}`)) {
        record(429);
        return text(429, 'rate_limited', { 'retry-after': '1' });
      }
      record(200);
      messages.push({ seq: ++seq, via: 'webhook', channel: `webhook:${team}`, team, ts: nextTs(), text: String(b.text ?? ''), blocks: Array.isArray(b.blocks) ? b.blocks : [], edits: [], receivedAt: at });
      return text(200, 'ok');
    }

    const method = path.slice('/api/'.length);
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!token || (options.botToken && token !== options.botToken)) {
      record(200);
      return json(200, { ok: false, error: 'invalid_auth' });
    }
    const b = (body ?? {}) as Record<string, unknown>;
    const blocks = typeof b.blocks === 'string' ? (JSON.parse(b.blocks) as unknown[]) : ((b.blocks as unknown[] | undefined) ?? []);
    switch (method) {
      case 'chat.postMessage': {
        const channel = String(b.channel ?? '');
        if (!channel) {
          record(200);
          return json(200, { ok: false, error: 'channel_not_found' });
        }
        if (channel === '#does-not-exist') {
          record(200);
          return json(200, { ok: false, error: 'channel_not_found' });
        }
        if (rateLimited(channel)) {
          record(429);
          return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
        }
        record(200);
        const ts = nextTs();
        const message: RecordedMessage = { seq: ++seq, via: 'api', channel, ts, text: String(b.text ?? ''), blocks, edits: [], receivedAt: at, ...(b.thread_ts ? { threadTs: String(b.thread_ts) } : {}) };
        messages.push(message);
        return json(200, { ok: true, channel, ts, message: { text: message.text, blocks, ts } });
      }
      case 'chat.update': {
        const original = messages.find((m) => m.channel === String(b.channel) && m.ts === String(b.ts));
        if (!original) {
          record(200);
          return json(200, { ok: false, error: 'message_not_found' });
        }
        record(200);
        original.edits.push({ text: original.text, blocks: original.blocks, at });
        original.text = String(b.text ?? original.text);
        original.blocks = blocks.length ? blocks : original.blocks;
        return json(200, { ok: true, channel: original.channel, ts: original.ts, text: original.text });
      }
      case 'views.open': {
        record(200);
        if (!b.trigger_id) return json(200, { ok: false, error: 'invalid_trigger_id' });
        const view = typeof b.view === 'string' ? JSON.parse(b.view) : b.view;
        views.push({ trigger_id: b.trigger_id, view });
        return json(200, { ok: true, view: { id: `V${views.length}`, ...(view as object) } });
      }
      default:
        record(200);
        return json(200, { ok: false, error: 'unknown_method' });
    }
  }

  function reset(): void {
    messages = [];
    requests = [];
    views = [];
    faults = [];
    lastPost.clear();
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    apiUrl: `${url}/api`,
    webhookUrl: (team) => `${url}/webhook/${encodeURIComponent(team)}`,
    messages: () => structuredClone(messages),
    requests: () => structuredClone(requests),
    views: () => structuredClone(views),
    fail: (fault) => void faults.push({ ...fault }),
    reset,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(raw));
    return form.payload ? JSON.parse(form.payload) : form;
  }
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

// ------------------------------------------------------------------ rendering

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Emoji codes Vigil uses, as characters. */
const EMOJI: Record<string, string> = {
  rotating_light: '🚨',
  red_circle: '🔴',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  white_circle: '⚪',
  white_check_mark: '✅',
  zzz: '💤',
  repeat: '🔁',
  arrow_double_up: '⏫',
  arrows_counterclockwise: '🔄',
  ocean: '🌊',
  eyes: '👀',
};

/**
 * Slack mrkdwn as HTML: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, `<url|label>`,
 * `<@U123>`, `<!date^…|fallback>`, `:emoji:`, line breaks. The input is already
 * escaped for mrkdwn (`&amp;`, `&lt;`, `&gt;`), which is also valid HTML.
 */
export function mrkdwnToHtml(text: string): string {
  const tokens: string[] = [];
  const keep = (html: string) => `\uE000${tokens.push(html) - 1}\uE000`;
  let s = text.replace(/"/g, '&quot;');
  s = s.replace(/`([^`\n]+)`/g, (_m, code: string) => keep(`<code>${code}</code>`));
  s = s.replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, (_m, fallback: string) => keep(`<time>${fallback}</time>`));
  s = s.replace(/<@([A-Z0-9]+)>/g, (_m, user: string) => keep(`<span class="mention">@${user}</span>`));
  s = s.replace(/<((?:https?|mailto):[^|>]+)\|([^>]*)>/g, (_m, href: string, label: string) => keep(`<a href="${href}">${label}</a>`));
  s = s.replace(/<((?:https?):[^|>]+)>/g, (_m, href: string) => keep(`<a href="${href}">${href}</a>`));
  s = s.replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>');
  s = s.replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>');
  s = s.replace(/(^|[\s(])~([^~\n]+)~/g, '$1<s>$2</s>');
  s = s.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m);
  s = s.replace(/\n/g, '<br>');
  // Tokens can nest (a date inside a link label): restore until none is left.
  while (s.includes('\uE000')) s = s.replace(/\uE000(\d+)\uE000/g, (_m, i: string) => tokens[Number(i)]!);
  return s;
}

interface AnyText {
  type?: string;
  text?: string;
}

function textHtml(t: AnyText | undefined): string {
  if (!t?.text) return '';
  return t.type === 'mrkdwn' ? mrkdwnToHtml(t.text) : escapeHtml(t.text).replace(/:([a-z0-9_+-]+):/g, (m, n: string) => EMOJI[n] ?? m);
}

/** One Block Kit block as HTML (the kinds Vigil sends, and a fallback for others). */
export function renderBlock(block: Record<string, unknown>): string {
  switch (block.type) {
    case 'header':
      return `<div class="header">${textHtml(block.text as AnyText)}</div>`;
    case 'section': {
      const fields = (block.fields as AnyText[] | undefined) ?? [];
      return `<div class="section">${block.text ? `<div class="text">${textHtml(block.text as AnyText)}</div>` : ''}${
        fields.length ? `<div class="fields">${fields.map((f) => `<div class="field">${textHtml(f)}</div>`).join('')}</div>` : ''
      }</div>`;
    }
    case 'context':
      return `<div class="context">${((block.elements as AnyText[] | undefined) ?? []).map((e) => `<span>${textHtml(e)}</span>`).join(' ')}</div>`;
    case 'actions':
      return `<div class="actions">${((block.elements as Array<{ text?: AnyText; style?: string; action_id?: string }> | undefined) ?? [])
        .map((e) => `<button class="${e.style ?? 'default'}" title="${escapeHtml(e.action_id ?? '')}">${textHtml(e.text)}</button>`)
        .join('')}</div>`;
    case 'divider':
      return '<hr>';
    case 'input':
      return `<div class="input"><label>${textHtml(block.label as AnyText)}</label><textarea disabled></textarea></div>`;
    default:
      return `<pre class="unknown">${escapeHtml(JSON.stringify(block, null, 2))}</pre>`;
  }
}

/** Severities and the outcomes a message can announce, as the colour bar Slack draws beside an attachment. */
export type MessageTone = 'critical' | 'high' | 'medium' | 'low' | 'informational' | 'resolved' | 'suppressed' | 'other';

/**
 * What a message is about, read from its first line as Vigil writes it
 * (`:red_circle: *HIGH* · *New finding* · payments`, `:white_check_mark: *Resolved* ...`).
 */
export function messageTone(message: Pick<RecordedMessage, 'text' | 'blocks'>): MessageTone {
  const first = (message.blocks as Array<{ text?: AnyText }>).find((b) => b.text?.text)?.text?.text ?? message.text;
  const headline = first.split('\n')[0]!;
  if (/\*Resolved\*/.test(headline)) return 'resolved';
  if (/\*Suppressed\*/.test(headline)) return 'suppressed';
  const severity = /\*?(CRITICAL|HIGH|MEDIUM|LOW|INFORMATIONAL)\*?(?: ·|$)/.exec(headline)?.[1];
  return severity ? (severity.toLowerCase() as MessageTone) : 'other';
}

/** `webhook:payments` (a team's incoming webhook) as a channel name a person knows; API channels as they are. */
function channelLabel(channel: string): string {
  return channel.startsWith('webhook:') ? `#${channel.slice('webhook:'.length)}` : channel.startsWith('#') || /^[CG][A-Z0-9]+$/.test(channel) ? channel : `#${channel}`;
}

/** A message as Slack would show it (blocks, or its text when it has none). */
export function renderMessage(message: Pick<RecordedMessage, 'channel' | 'text' | 'blocks' | 'ts'> & Partial<Pick<RecordedMessage, 'threadTs' | 'edits' | 'receivedAt'>>): string {
  const body = message.blocks.length ? (message.blocks as Array<Record<string, unknown>>).map(renderBlock).join('\n') : `<div class="text">${mrkdwnToHtml(escapeHtml(message.text))}</div>`;
  const time = message.receivedAt ? `<time class="sent" datetime="${escapeHtml(message.receivedAt)}">${escapeHtml(message.receivedAt.slice(11, 19))}</time>` : '';
  const meta = [escapeHtml(channelLabel(message.channel)), message.threadTs ? `reply in thread ${escapeHtml(message.threadTs)}` : '', message.edits?.length ? `edited ${message.edits.length}×` : '']
    .filter(Boolean)
    .join(' · ');
  const tone = messageTone(message);
  return `<article class="message tone-${tone}${message.threadTs ? ' reply' : ''}" data-tone="${tone}" data-channel="${escapeHtml(message.channel)}"><div class="avatar">V</div><div class="content"><div class="meta"><b>Vigil</b> <span class="app">APP</span> ${time} <span class="where">${meta}</span></div><div class="bar">${body}</div></div></article>`;
}

const TONE_COLOURS: Record<MessageTone, string> = {
  critical: '#a3001b',
  high: '#e01e5a',
  medium: '#f2952f',
  low: '#ecb22e',
  informational: '#9e9ea6',
  resolved: '#2eb67d',
  suppressed: '#9e9ea6',
  other: '#1264a3',
};

const STYLE = `
*{box-sizing:border-box}
body{font:15px/1.46 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif,"Noto Color Emoji";color:#1d1c1d;margin:0;background:#fff}
.page{display:grid;grid-template-columns:220px 1fr;min-height:100vh}
nav{background:#3f0e40;color:#cfc3cf;padding:14px 0;font-size:15px}nav .workspace{color:#fff;font-weight:900;font-size:17px;padding:0 16px 12px;border-bottom:1px solid #5d3a5e;margin-bottom:10px}
nav a{display:flex;justify-content:space-between;color:#cfc3cf;padding:3px 16px}nav a.selected{background:#1164a3;color:#fff}nav a .count{font-size:12px;opacity:.8}
main{padding:0 24px 24px;min-width:0;max-width:1040px}
h1{font-size:18px;font-weight:900;margin:0 -24px 8px;padding:14px 24px;border-bottom:1px solid #e2e2e2}h1 small{font-weight:400;color:#616061;font-size:13px;margin-left:8px}
.message{display:flex;gap:10px;padding:10px 0;margin:0}.message+.message{border-top:1px solid #f0f0f0}.message.reply{margin-left:48px}
.avatar{flex:none;width:36px;height:36px;border-radius:6px;background:#1d1c1d;color:#fff;font-weight:900;display:flex;align-items:center;justify-content:center}
.content{flex:1;min-width:0}.meta{color:#616061;font-size:13px;margin-bottom:4px}.meta b{color:#1d1c1d;font-size:15px}.app{background:#e8e8e8;border-radius:3px;font-size:10px;padding:1px 3px;font-weight:700}
.bar{border-left:4px solid #ddd;padding:2px 0 2px 12px}
${Object.entries(TONE_COLOURS)
  .map(([tone, colour]) => `.tone-${tone} .bar{border-left-color:${colour}}`)
  .join('')}
.header{font-weight:900;font-size:18px;margin:4px 0}.section{margin:4px 0}.fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 24px;margin-top:6px}
.context{color:#616061;font-size:12px;margin:6px 0}code{background:#f6f6f6;border:1px solid #e1e1e1;border-radius:3px;padding:0 3px;font-size:12px;color:#c01343;word-break:break-all}
.actions button{border:1px solid #bbb;background:#fff;border-radius:4px;padding:4px 12px;margin:4px 8px 0 0;font:inherit;font-size:14px;font-weight:700}
.actions button.primary{background:#007a5a;color:#fff;border-color:#007a5a}.actions button.danger{background:#e01e5a;color:#fff;border-color:#e01e5a}
a{color:#1264a3;text-decoration:none}.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}.section time,.fields time,.context time{border-bottom:1px dotted #999}
.input label{display:block;font-weight:700}.input textarea{width:100%;height:48px}
pre.unknown{background:#fafafa;font-size:12px;padding:6px}`;

/** The channels of the local server's sidebar, and the one shown. */
export interface PageNavigation {
  channels: Array<{ channel: string; count: number }>;
  /** The channel shown; all of them when absent. */
  selected?: string;
}

function renderNavigation(nav: PageNavigation, total: number): string {
  const link = (href: string, label: string, count: number, selected: boolean) =>
    `<a href="${escapeHtml(href)}"${selected ? ' class="selected"' : ''}><span>${escapeHtml(label)}</span><span class="count">${count}</span></a>`;
  return `<nav><div class="workspace">Vigil · local</div>${link('/', 'All messages', total, !nav.selected)}${nav.channels
    .map((c) => link(`/?channel=${encodeURIComponent(c.channel)}`, channelLabel(c.channel), c.count, c.channel === nav.selected))
    .join('')}</nav>`;
}

/**
 * The page of the local server (and of docs/notifications/*.html): every message in order,
 * with the server's channel list beside them when `nav` is given.
 */
export function renderPage(messages: ReadonlyArray<Parameters<typeof renderMessage>[0]>, title = 'Vigil · local Slack', nav?: PageNavigation): string {
  const heading = nav?.selected ? `${channelLabel(nav.selected)}<small>${messages.length} message${messages.length === 1 ? '' : 's'}</small>` : escapeHtml(title);
  const list = messages.length ? messages.map(renderMessage).join('\n') : '<p>No messages yet.</p>';
  const main = `<main><h1>${heading}</h1>\n${list}\n</main>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${nav ? `<div class="page">${renderNavigation(nav, nav.channels.reduce((n, c) => n + c.count, 0))}${main}</div>` : main}
</body></html>
`;
}
