import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A local endpoint for the notifier's AWS services that have no local engine, so the
 * real SDK clients work unchanged with `AWS_ENDPOINT_URL_SNS` and
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER` pointing here:
 *
 * - SNS `Action=Publish` (the Query protocol, as `@aws-sdk/client-sns` speaks it): every
 *   publish is recorded with its attributes; `GET /messages` lists them;
 * - Secrets Manager `GetSecretValue` (JSON 1.1): answers from the map given at start
 *   (local Slack webhook URLs and the bot secret), so no secret lives in an environment
 *   variable even locally.
 *
 * It can be told to answer the next N publishes with `Throttling` (`fail`), to try retries.
 */

export interface SnsPublish {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  attributes: Record<string, { dataType: string; value: string }>;
  receivedAt: string;
}

export interface SnsSinkOptions {
  port?: number;
  /** Secret name → secret string, for GetSecretValue. */
  secrets?: Record<string, string>;
}

export interface SnsSink {
  url: string;
  port: number;
  publishes(): SnsPublish[];
  /** Answers the next `count` publishes with this error code (HTTP 400, as SNS throttles). */
  fail(count: number, code?: string): void;
  setSecret(name: string, value: string): void;
  reset(): void;
  stop(): Promise<void>;
}

export async function startSnsSink(options: SnsSinkOptions = {}): Promise<SnsSink> {
  let publishes: SnsPublish[] = [];
  const secrets = new Map(Object.entries(options.secrets ?? {}));
  let failures: Array<{ code: string }> = [];

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String((error as Error).message));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;

    if (req.method === 'GET' && (path === '/messages' || path === '/')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ publishes }, null, 2));
      return;
    }

    const target = String(req.headers['x-amz-target'] ?? '');
    if (target === 'secretsmanager.GetSecretValue') {
      const input = JSON.parse(raw || '{}') as { SecretId?: string };
      const value = input.SecretId ? secrets.get(input.SecretId) : undefined;
      res.writeHead(value === undefined ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify(
          value === undefined
            ? { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }
            : { ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${input.SecretId}`, Name: input.SecretId, SecretString: value, VersionId: 'local' },
        ),
      );
      return;
    }

    const form = new URLSearchParams(raw);
    const action = form.get('Action');
    const requestId = randomUUID();
    if (action !== 'Publish') {
      return xml(res, 400, errorXml('Sender', 'InvalidAction', `the local sink answers Publish only, not ${String(action)}`, requestId));
    }
    const failure = failures.shift();
    if (failure) return xml(res, 400, errorXml('Sender', failure.code, 'Rate exceeded', requestId));
    const topicArn = form.get('TopicArn');
    const message = form.get('Message');
    if (!topicArn || message === null) return xml(res, 400, errorXml('Sender', 'InvalidParameter', 'TopicArn and Message are required', requestId));
    const attributes: SnsPublish['attributes'] = {};
    for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
      const name = form.get(`MessageAttributes.entry.${i}.Name`)!;
      attributes[name] = { dataType: form.get(`MessageAttributes.entry.${i}.Value.DataType`) ?? 'String', value: form.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '' };
    }
    const messageId = randomUUID();
    const subject = form.get('Subject');
    publishes.push({ messageId, topicArn, ...(subject ? { subject } : {}), message, attributes, receivedAt: new Date().toISOString() });
    return xml(
      res,
      200,
      `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    publishes: () => structuredClone(publishes),
    fail: (count, code = 'Throttling') => {
      for (let i = 0; i < count; i++) failures.push({ code });
    },
    setSecret: (name, value) => void secrets.set(name, value),
    reset: () => {
      publishes = [];
      failures = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(body);
}

function errorXml(type: string, code: string, message: string, requestId: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
