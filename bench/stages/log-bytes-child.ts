/**
 * Child process of the log-bytes stage: the ingest handler with metrics on and the log
 * level Lambda runs it at (INFO), stdout and stderr captured and counted instead of
 * printed. Run: node --import tsx bench/stages/log-bytes-child.ts <stream.json> <table> <endpoint> <events> <batch> <out.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { lambdaContext } from '../../test/support/sqs.js';
import type { GeneratedStream } from '../generate.js';
import { cpuMs } from '../lib/stats.js';
import { batches, importIngestHandler, ingestEnvironment, recordsOf } from './ingest.js';

/** Events run in batches of 2 after the main sample, to separate EMF's per-invocation bytes. */
const SMALL_EVENTS = 300;

const [streamPath, table, endpoint, eventsArg, batchArg, out] = process.argv.slice(2);
if (!streamPath || !table || !endpoint || !eventsArg || !batchArg || !out) throw new Error('usage: log-bytes-child <stream.json> <table> <endpoint> <events> <batch> <out.json>');

const stream = JSON.parse(readFileSync(streamPath, 'utf8')) as GeneratedStream;
const measured = stream.events.slice(0, Number(eventsArg));
const entities = new Set(measured.map((e) => e.entity));
const prime = stream.prime.filter((e) => entities.has(e.entity));

const counts = { emfBytes: 0, emfLines: 0, logBytes: 0, logLines: 0, otherBytes: 0 };
let counting = false;
const capture = (chunk: unknown): boolean => {
  if (!counting) return true;
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  for (const line of text.split('\n')) {
    if (!line) continue;
    const bytes = Buffer.byteLength(line) + 1;
    if (line.includes('"_aws"')) {
      counts.emfBytes += bytes;
      counts.emfLines++;
    } else if (line.startsWith('{')) {
      counts.logBytes += bytes;
      counts.logLines++;
    } else counts.otherBytes += bytes;
  }
  return true;
};
process.stdout.write = capture as typeof process.stdout.write;
process.stderr.write = capture as typeof process.stderr.write;

const handler = await importIngestHandler({
  ...ingestEnvironment(table, endpoint),
  // As deployed: metrics on (EMF lines), Powertools' default log level.
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'INFO',
});
const context = lambdaContext('vigil-ingest');
for (const batch of batches(prime, Number(batchArg))) await handler({ Records: recordsOf(batch) }, context);

counting = true;
let cpu = 0;
let invocations = 0;
for (const batch of batches(measured, Number(batchArg))) {
  const c0 = process.cpuUsage();
  await handler({ Records: recordsOf(batch) }, context);
  cpu += cpuMs(c0);
  invocations++;
}
const full = { ...counts };
// The same kind of events in batches of 2: EMF bytes per invocation = fixed + per event x n.
const small = stream.events.slice(measured.length, measured.length + SMALL_EVENTS);
for (const key of Object.keys(counts) as Array<keyof typeof counts>) counts[key] = 0;
let smallInvocations = 0;
for (const batch of batches(small, 2)) {
  await handler({ Records: recordsOf(batch) }, context);
  smallInvocations++;
}
counting = false;
writeFileSync(
  out,
  JSON.stringify({
    events: measured.length,
    invocations,
    primeEvents: prime.length,
    ...full,
    cpuMsPerEventWithTelemetry: cpu / Math.max(1, measured.length),
    small: { events: small.length, invocations: smallInvocations, ...counts },
  }),
);
