/**
 * The benchmark's view of DynamoDB: every request of every document client in this
 * process is recorded (input, output or error) with ReturnConsumedCapacity INDEXES, so
 * the ingest handler module runs unchanged while its requests are counted.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SentRequest } from './capacity.js';

type Send = (this: DynamoDBDocumentClient, command: unknown, ...rest: unknown[]) => Promise<unknown>;

let installed = false;
let sink: ((request: SentRequest) => void) | undefined;

/** Routes every document-client request to `to` (undefined: stop recording). */
export function recordRequests(to: ((request: SentRequest) => void) | undefined): void {
  sink = to;
  if (installed) return;
  installed = true;
  const proto = DynamoDBDocumentClient.prototype as unknown as { send: Send };
  const original = proto.send;
  proto.send = async function send(this: DynamoDBDocumentClient, command: unknown, ...rest: unknown[]) {
    const c = command as SentRequest['command'];
    if (sink && c?.input && typeof c.input === 'object') c.input.ReturnConsumedCapacity = 'INDEXES';
    try {
      const output = (await original.call(this, command, ...rest)) as Record<string, unknown>;
      sink?.({ command: c, output });
      return output;
    } catch (error) {
      sink?.({ command: c, error });
      throw error;
    }
  };
}
