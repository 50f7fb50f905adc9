import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;

/** A stream record as Lambda hands it to a function (times in epoch seconds, the stream's ARN). */
type Image = Record<string, unknown>;

/**
 * The Streams SDK client reads an empty map (`{"M":{}}`) back as `{}`: a value with no
 * type, which `unmarshall` rejects. Lambda's poller delivers `{"M":{}}`; so do we.
 */
function repairImage(image: Image): Image {
  const repair = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const v = value as Record<string, unknown>;
    if (Object.keys(v).length === 0) return { M: {} };
    if (v.M && typeof v.M === 'object') return { M: repairImage(v.M as Image) };
    if (Array.isArray(v.L)) return { L: v.L.map(repair) };
    return v;
  };
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, repair(value)]));
}

export function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
      ...(d.Keys ? { Keys: d.Keys as never } : {}),
      ...(d.NewImage ? { NewImage: repairImage(d.NewImage as Image) as never } : {}),
      ...(d.OldImage ? { OldImage: repairImage(d.OldImage as Image) as never } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
  } as DynamoDBRecord;
}

/**
 * Reads a table's stream (DynamoDB Local supports streams) with the Streams API, as
 * Lambda's poller does: every shard from its start, then only what is new on each call.
 */
export class TableStreamReader {
  private readonly iterators = new Map<string, string | undefined>();
  private streamArn: string | undefined;

  public constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly streams: DynamoDBStreamsClient,
    private readonly tableName: string,
  ) {}

  public static forEndpoint(dynamodb: DynamoDBClient, endpoint: string, tableName: string, region = 'us-east-1', credentials = { accessKeyId: 'local', secretAccessKey: 'local' }): TableStreamReader {
    return new TableStreamReader(dynamodb, new DynamoDBStreamsClient({ endpoint, region, credentials }), tableName);
  }

  public async arn(): Promise<string> {
    if (!this.streamArn) {
      const table = await this.dynamodb.send(new DescribeTableCommand({ TableName: this.tableName }));
      this.streamArn = table.Table?.LatestStreamArn;
      if (!this.streamArn) throw new Error(`table ${this.tableName} has no stream`);
    }
    return this.streamArn;
  }

  /** Records written since the last call, in stream order (shards parents first). */
  public async next(): Promise<DynamoDBRecord[]> {
    const arn = await this.arn();
    const out: DynamoDBRecord[] = [];
    const described = await this.streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    for (const shard of described.StreamDescription?.Shards ?? []) {
      const id = shard.ShardId!;
      if (!this.iterators.has(id)) {
        const it = await this.streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }));
        this.iterators.set(id, it.ShardIterator);
      }
      let iterator = this.iterators.get(id);
      while (iterator) {
        const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const records = page.Records ?? [];
        out.push(...records.map((r) => toLambdaRecord(r, arn)));
        iterator = page.NextShardIterator;
        this.iterators.set(id, iterator);
        if (records.length === 0) break;
      }
    }
    return out;
  }
}

export interface FeedResult {
  /** Invocations of the handler. */
  invocations: number;
  /** Records Lambda would send to the mapping's on-failure destination (retries exhausted). */
  onFailure: DynamoDBRecord[];
}

/**
 * Feeds records to a stream handler as Lambda's event source mapping does with
 * `ReportBatchItemFailures`: in order, in batches; after a reported failure the batch is
 * retried from the first failed record (up to `maximumRetryAttempts`, then those
 * records go to `onFailure` and the shard moves on).
 */
export async function feedStream(
  records: readonly DynamoDBRecord[],
  handler: StreamHandler,
  options: { batchSize?: number; maximumRetryAttempts?: number; retryDelayMs?: number; context: () => Context },
): Promise<FeedResult> {
  const batchSize = options.batchSize ?? 100;
  const maxRetries = options.maximumRetryAttempts ?? 10;
  const result: FeedResult = { invocations: 0, onFailure: [] };
  let position = 0;
  let retries = 0;
  while (position < records.length) {
    const batch = records.slice(position, position + batchSize);
    result.invocations++;
    let failedAt: number | undefined;
    try {
      const response = await handler({ Records: [...batch] }, options.context());
      const failures = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      const index = batch.findIndex((r) => failures.has(r.dynamodb?.SequenceNumber ?? ''));
      if (index >= 0) failedAt = index;
      else if (failures.size) failedAt = 0;
    } catch {
      failedAt = 0;
    }
    if (failedAt === undefined) {
      position += batch.length;
      retries = 0;
      continue;
    }
    position += failedAt;
    // The checkpoint moved past what succeeded: the retry count starts again from there.
    if (failedAt > 0) retries = 0;
    if (++retries > maxRetries) {
      result.onFailure.push(...records.slice(position, position + batch.length - failedAt));
      position += batch.length - failedAt;
      retries = 0;
    } else if (options.retryDelayMs) {
      await new Promise((r) => setTimeout(r, options.retryDelayMs));
    }
  }
  return result;
}
