import type { CfnTemplate } from './template.js';

/** A reference in a template, resolved to the logical id it names (`!Ref X`, `!GetAtt X.Arn`). */
export function refTarget(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

export interface RuleWiring {
  logicalId: string;
  busLogicalId: string | undefined;
  pattern: Record<string, unknown>;
  /** Logical ids of the queues the rule targets. */
  queues: string[];
}

export interface QueueWiring {
  logicalId: string;
  maxReceiveCount: number;
  deadLetterQueue?: string;
}

export interface FunctionWiring {
  logicalId: string;
  entryPoint: string;
  environment: Record<string, unknown>;
  /** SQS event sources of the function. */
  sqs: Array<{ queue: string; batchSize: number; reportBatchItemFailures: boolean }>;
  /** DynamoDB stream event sources of the function. */
  streams: Array<{ table: string; batchSize: number; parallelization: number }>;
  /** HTTP API routes of the function (`METHOD /path`). */
  http: string[];
}

export interface Wiring {
  rules: RuleWiring[];
  queues: QueueWiring[];
  functions: FunctionWiring[];
}

/**
 * Reads how template.yaml wires events: rules → queues → functions, tables → streams →
 * functions. The local runtime follows this, so it wires things exactly as AWS would.
 */
export function wiringFromTemplate(template: CfnTemplate): Wiring {
  const rules: RuleWiring[] = [];
  const queues: QueueWiring[] = [];
  const functions: FunctionWiring[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::Events::Rule' && p.EventPattern) {
      const targets = (p.Targets as Array<Record<string, unknown>> | undefined) ?? [];
      rules.push({
        logicalId,
        busLogicalId: refTarget(p.EventBusName),
        pattern: p.EventPattern as Record<string, unknown>,
        queues: targets.map((t) => refTarget(t.Arn)).filter((id): id is string => !!id && template.Resources[id]?.Type === 'AWS::SQS::Queue'),
      });
    } else if (resource.Type === 'AWS::SQS::Queue') {
      const redrive = p.RedrivePolicy as { deadLetterTargetArn?: unknown; maxReceiveCount?: number } | undefined;
      const dlq = refTarget(redrive?.deadLetterTargetArn);
      queues.push({ logicalId, maxReceiveCount: Number(redrive?.maxReceiveCount ?? 0) || Infinity, ...(dlq ? { deadLetterQueue: dlq } : {}) });
    } else if (resource.Type === 'AWS::Serverless::Function') {
      const build = resource.Metadata?.BuildProperties as { EntryPoints?: string[] } | undefined;
      const env = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
      const events = (p.Events as Record<string, { Type: string; Properties: Record<string, unknown> }> | undefined) ?? {};
      const fn: FunctionWiring = { logicalId, entryPoint: build?.EntryPoints?.[0] ?? '', environment: env, sqs: [], streams: [], http: [] };
      for (const event of Object.values(events)) {
        if (event.Type === 'SQS') {
          fn.sqs.push({
            queue: refTarget(event.Properties.Queue) ?? '',
            batchSize: Number(event.Properties.BatchSize ?? 10),
            reportBatchItemFailures: ((event.Properties.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
          });
        } else if (event.Type === 'HttpApi') {
          fn.http.push(`${String(event.Properties?.Method ?? 'ANY').toUpperCase()} ${String(event.Properties?.Path ?? '/')}`);
        } else if (event.Type === 'DynamoDB') {
          fn.streams.push({ table: refTarget(event.Properties.Stream) ?? '', batchSize: Number(event.Properties.BatchSize ?? 100), parallelization: Number(event.Properties.ParallelizationFactor ?? 1) });
        }
      }
      functions.push(fn);
    }
  }
  return { rules, queues, functions };
}

/**
 * Resolves a function's environment for local use: `!Ref` to a table gives the local
 * table name, `!Ref` to a parameter its default (or an override); other intrinsics
 * that mean nothing locally are dropped.
 */
export function resolveEnvironment(
  env: Record<string, unknown>,
  template: CfnTemplate,
  names: Record<string, string>,
  parameters: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[key] = String(value);
      continue;
    }
    const target = refTarget(value);
    if (!target) continue;
    if (names[target]) out[key] = names[target];
    else if (target in parameters) out[key] = parameters[target]!;
    else if (template.Parameters?.[target]?.Default !== undefined) out[key] = String(template.Parameters[target].Default);
  }
  return out;
}
