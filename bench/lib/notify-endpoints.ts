/**
 * Starts bench/lib/notify-endpoints-child.ts and reads back what it recorded over HTTP
 * (the Slack server's `/messages` and `/requests`, the SNS sink's `/messages`).
 */
import { spawn } from 'node:child_process';
import type { RecordedMessage, RecordedRequest } from '../../cli/local/slack-server.js';
import type { SnsPublish } from '../../cli/local/sns-sink.js';

export interface NotifyEndpoints {
  slackApiUrl: string;
  /** Base URL for AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  awsUrl: string;
  slackMessages(): Promise<RecordedMessage[]>;
  slackRequests(): Promise<RecordedRequest[]>;
  snsPublishes(): Promise<SnsPublish[]>;
  stop(): Promise<void>;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

export async function startNotifyEndpoints(options: { root: string; webhookSecrets: Record<string, string>; botSecretName: string; botToken: string }): Promise<NotifyEndpoints> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/notify-endpoints-child.ts', JSON.stringify({ webhookSecrets: options.webhookSecrets, botSecretName: options.botSecretName, botToken: options.botToken })], {
    cwd: options.root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const urls = await new Promise<{ slackUrl: string; slackApiUrl: string; snsUrl: string }>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        child.stdout!.off('data', onData);
        resolve(JSON.parse(line) as { slackUrl: string; slackApiUrl: string; snsUrl: string });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`notify endpoints exited (${String(code)}) before starting: ${out}`)));
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout!.resume();
  return {
    slackApiUrl: urls.slackApiUrl,
    awsUrl: urls.snsUrl,
    slackMessages: async () => (await getJson<{ messages: RecordedMessage[] }>(`${urls.slackUrl}/messages`)).messages,
    slackRequests: async () => (await getJson<{ requests: RecordedRequest[] }>(`${urls.slackUrl}/requests`)).requests,
    snsPublishes: async () => (await getJson<{ publishes: SnsPublish[] }>(`${urls.snsUrl}/messages`)).publishes,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
