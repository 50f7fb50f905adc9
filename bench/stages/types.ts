/**
 * What a benchmark stage is: a named step that reads the shared context and returns a
 * partial results object; bench/run.ts merges them, in order, into bench/results.json.
 * To add a stage, write bench/stages/<name>.ts exporting a `Stage` and add it to STAGES
 * in bench/run.ts.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GeneratedStream } from '../generate.js';

export interface BenchArgs {
  events: number;
  seed: number;
  batchSize: number;
  /** Runs of each cold-start measurement (median taken). */
  coldStartRuns: number;
  /** Rounds of the core-vs-JSON.parse comparison (median taken). */
  cpuRounds: number;
  /** Findings loaded for the query stage. */
  queryFindings: number;
  /** Events sent through the local runtime by the e2e stage. */
  e2eEvents: number;
  /** Events per second the e2e stage sends. */
  e2eRate: number;
  skip: string[];
  out: string;
}

export interface Price {
  usd: number;
  unit: string;
  [key: string]: unknown;
}

export type Prices = Record<string, Price> & { _meta?: unknown };

export interface BenchContext {
  args: BenchArgs;
  root: string;
  /** Scratch space: bench/tmp (git-ignored). */
  tmp: string;
  stream: GeneratedStream;
  prices: Prices;
  /** What the stages before this one returned, merged. */
  results: BenchResults;
  /** Present while DynamoDB Local runs (stages of phase `dynamo`). */
  dynamo?: {
    endpoint: string;
    client: DynamoDBClient;
    /**
     * Creates a fresh table as template.yaml defines FindingsTable, with the organization's
     * directory synced into it. `stream: false` leaves the stream off: DynamoDB Local slows
     * down as stream records pile up, so a stage that reads no stream should not make them.
     */
    freshTable(name: string, options?: { stream?: boolean }): Promise<string>;
  };
  log(message: string): void;
}

/** The keys results.json always has; `null` while the stage that computes them is pending. */
export interface HeadlineResults {
  events: number | null;
  costPer1MEventsUSD: number | null;
  securityHubCostPer1MEventsUSD: number | null;
  dynamoWriteUnitsPerEvent: number | null;
  dynamoReadUnitsPerEvent: number | null;
  coreCpuRatioToJsonParse: number | null;
  transitions: number | null;
  notificationsSent: number | null;
  duplicateNotifications: number | null;
  missedTransitions: number | null;
  notificationsPer1kEvents: number | null;
  naiveNotificationsPer1kEvents: number | null;
  bundleInitMsMedian: Record<string, number | null> | null;
  unbundledInitMsMedian: Record<string, number | null> | null;
  /** Read units of one page of each query endpoint (median over the pages read), keyed by endpoint. */
  queryReadUnitsPerPage: Record<string, number | null> | null;
  scans: number | null;
  maxWritesPerSecondOnOneKey: number | null;
  e2eP99Ms: number | null;
}

export interface BenchResults extends HeadlineResults {
  measuredAt: string;
  command: string;
  code?: { commit: string; uncommittedOutsideBench: boolean };
  machine: Record<string, unknown>;
  /** Why a headline key is null: the stage that will fill it. */
  pending: Record<string, string>;
  targets: Record<string, { target: string; value: unknown; met: boolean | null; note?: string }>;
  details: Record<string, unknown>;
}

export type StageResult = Partial<HeadlineResults> & { details?: Record<string, unknown>; pending?: Record<string, string> };

export interface Stage {
  name: string;
  /**
   * `dynamo`: runs while the bench's DynamoDB Local is up; `runtime`: after it stopped,
   * starting what it needs itself (the local runtime); `cpu`: after that (quiet machine);
   * `derive`: computes from earlier results.
   */
  phase: 'dynamo' | 'runtime' | 'cpu' | 'derive';
  run(ctx: BenchContext): Promise<StageResult>;
}
