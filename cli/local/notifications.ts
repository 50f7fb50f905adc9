import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import type { VigilConfig } from '../../functions/shared/core/routing/config.js';
import { startSlackServer, type LocalSlackServer } from './slack-server.js';
import { startSnsSink, type SnsSink } from './sns-sink.js';
import { feedStream, TableStreamReader, type StreamHandler } from './table-stream.js';

/** The bot secret's name locally (the template's SlackBotSecretName parameter in AWS). */
export const LOCAL_BOT_SECRET = 'vigil/slack/bot';
export const LOCAL_SIGNING_SECRET = 'local-signing-secret';

export interface LocalNotifications {
  slack: LocalSlackServer;
  aws: SnsSink;
  topicArn: string;
  /**
   * Environment for the notification functions, on top of what template.yaml gives them:
   * the local Slack, SNS and Secrets Manager endpoints, the topic, the bot secret.
   */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts what the notifier talks to on this machine: the local Slack server (every
 * team's incoming webhook and the Web API) and the SNS sink (SNS Publish and Secrets
 * Manager GetSecretValue, holding every team's webhook URL and the bot secret).
 */
export async function startLocalNotifications(options: { config: VigilConfig; region: string; accountId: string; slackPort?: number; snsPort?: number }): Promise<LocalNotifications> {
  const slack = await startSlackServer({ ...(options.slackPort ? { port: options.slackPort } : {}), botToken: 'xoxb-local' });
  const secrets: Record<string, string> = { [LOCAL_BOT_SECRET]: JSON.stringify({ botToken: 'xoxb-local', signingSecret: LOCAL_SIGNING_SECRET }) };
  for (const [team, settings] of Object.entries(options.config.teams)) {
    if (settings.slack?.webhookSecretName) secrets[settings.slack.webhookSecretName] = slack.webhookUrl(team);
  }
  const aws = await startSnsSink({ ...(options.snsPort ? { port: options.snsPort } : {}), secrets });
  const topicArn = `arn:aws:sns:${options.region}:${options.accountId}:vigil-findings-local`;
  return {
    slack,
    aws,
    topicArn,
    env: {
      TOPIC_ARN: topicArn,
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_SECRET_NAME: LOCAL_BOT_SECRET,
      AWS_ENDPOINT_URL_SNS: aws.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    },
    stop: async () => {
      await slack.stop();
      await aws.stop();
    },
  };
}

export interface StreamPoller {
  /** Resolves once everything written so far has been handled. */
  drain(): Promise<void>;
  stop(): Promise<void>;
  stats: { invocations: number; records: number; onFailure: number };
}

/**
 * Records split as a mapping with a ParallelizationFactor splits a shard: every record of
 * one item (its keys) in the same lane, in stream order, so each item's changes stay in
 * order while different items are handled concurrently.
 */
export function byPartitionKey(records: readonly DynamoDBRecord[], lanes: number): DynamoDBRecord[][] {
  if (lanes <= 1) return [records.slice()];
  const out: DynamoDBRecord[][] = Array.from({ length: lanes }, () => []);
  for (const record of records) {
    const key = JSON.stringify(record.dynamodb?.Keys ?? {});
    out[createHash('sha256').update(key).digest().readUInt32BE(0) % lanes]!.push(record);
  }
  return out.filter((lane) => lane.length > 0);
}

/**
 * Feeds a stream handler from a table's stream, as Lambda's event source mapping does
 * (batches, ReportBatchItemFailures, retry from the failed record), polling every
 * `intervalMs`. One poller per (table, function), like one mapping.
 */
export function pollTableStream(options: {
  dynamodb: DynamoDBClient;
  endpoint: string;
  tableName: string;
  handler: StreamHandler;
  context: () => Context;
  batchSize?: number;
  /** The mapping's ParallelizationFactor: concurrent batches, each holding whole partition keys. */
  parallelization?: number;
  intervalMs?: number;
  retryDelayMs?: number;
  onError?: (error: unknown) => void;
}): StreamPoller {
  const reader = TableStreamReader.forEndpoint(options.dynamodb, options.endpoint, options.tableName);
  const stats = { invocations: 0, records: 0, onFailure: 0 };
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const once = async () => {
    const records = await reader.next();
    if (!records.length) return 0;
    stats.records += records.length;
    const lanes = byPartitionKey(records, options.parallelization ?? 1);
    const fed = await Promise.all(lanes.map((lane) => feedStream(lane, options.handler, { batchSize: options.batchSize ?? 100, retryDelayMs: options.retryDelayMs ?? 500, context: options.context })));
    for (const f of fed) {
      stats.invocations += f.invocations;
      stats.onFailure += f.onFailure.length;
    }
    return records.length;
  };
  const loop = async () => {
    while (!stopped) {
      let found = 0;
      try {
        const polled = once();
        running = polled.then(() => undefined);
        found = await polled;
      } catch (error) {
        options.onError?.(error);
      }
      // Like Lambda's poller: batch after batch while the shard has records, a pause only
      // when it is empty (or the poll failed).
      if (found === 0) await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
    }
  };
  void loop();
  return {
    stats,
    drain: async () => {
      await running;
      // The handler's own writes (OPEN → NOTIFIED) come back on the stream: read until quiet.
      while ((await once()) > 0);
    },
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}
