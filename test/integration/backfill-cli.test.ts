import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { inject } from 'vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../functions/shared/core/normalizers/index.js';
import { tableState } from '../support/table-state.js';
import { freshTables, localDocumentClient } from '../support/tables.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
const RAW = 'events/corpus/cloudtrail/raw/panther-analysis.jsonl';
const DERIVED = 'events/corpus/cloudtrail/eventbridge-derived/panther-analysis.eventbridge.jsonl';
const DERIVED_INDEX = 'events/corpus/cloudtrail/eventbridge-derived/panther-analysis.eventbridge.index.ndjson';

function vigil(args: string[]) {
  return spawnSync(process.execPath, ['bin/vigil.mjs', ...args], { encoding: 'utf8', env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' } });
}
const lines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('vigil normalize and vigil backfill on raw CloudTrail', () => {
  let pairs: Array<{ raw: string; envelope: string }>;

  beforeAll(() => {
    // The provenance sidecar maps each derived envelope to the raw record it wraps.
    const raw = readFileSync(RAW, 'utf8').split('\n');
    const derived = readFileSync(DERIVED, 'utf8').split('\n');
    pairs = readFileSync(DERIVED_INDEX, 'utf8')
      .trim()
      .split('\n')
      .map((l, i) => ({ index: JSON.parse(l) as Record<string, unknown>, envelope: derived[i]! }))
      .map(({ index, envelope }) => ({ raw: raw[Number(index.raw_line) - 1]!, envelope }))
      .filter((p) => p.raw && p.envelope);
  });

  it('gives the same finding for a raw record, a log file and the same record inside its EventBridge envelope', () => {
    // Prepare: the first 60 pairs, as a raw JSONL, a gzipped trail log file and envelopes
    const sample = pairs.slice(0, 60);
    expect(sample.length).toBe(60);
    writeFileSync(join(dir, 'raw.jsonl'), sample.map((p) => p.raw).join('\n'));
    writeFileSync(join(dir, 'trail.json.gz'), gzipSync(JSON.stringify({ Records: sample.map((p) => JSON.parse(p.raw)) })));
    writeFileSync(join(dir, 'envelopes.jsonl'), sample.map((p) => p.envelope).join('\n'));
    // Act
    const [raw, trail, envelopes] = ['raw.jsonl', 'trail.json.gz', 'envelopes.jsonl'].map((f) => vigil(['normalize', join(dir, f)]));
    // Assess: same findings, field for field, but the carrier's event id
    const strip = (o: Record<string, unknown>) => {
      const { eventId: _e, origin: _o, ...rest } = o;
      return rest;
    };
    const fromEnvelopes = lines(envelopes!.stdout).map(strip);
    expect(fromEnvelopes.some((o) => 'id' in o)).toBe(true);
    expect(lines(raw!.stdout).map(strip).map((o) => ('id' in o ? { ...o, sourceId: undefined } : o))).toEqual(fromEnvelopes.map((o) => ('id' in o ? { ...o, sourceId: undefined } : o)));
    expect(lines(trail!.stdout).map(strip).map((o) => o.id ?? o.reason)).toEqual(lines(raw!.stdout).map(strip).map((o) => o.id ?? o.reason));
  });

  it('backfills a trail log file into the table, and a second backfill changes nothing', async () => {
    // Prepare
    const table = (await freshTables()).FindingsTable!;
    writeFileSync(join(dir, 'all.json.gz'), gzipSync(JSON.stringify({ Records: readFileSync(RAW, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) })));
    const args = ['backfill', '--table', table, '--endpoint', inject('dynamoEndpoint'), '--region', 'us-east-1', join(dir, 'all.json.gz')];
    // Act
    const first = vigil(args);
    const state = await tableState(localDocumentClient(), table);
    const second = vigil(args);
    // Assess
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout.trim().split('\n').pop()!);
    expect(summary.inputs).toBe(445);
    expect(summary.invalid).toBe(0);
    // One record per distinct finding id creates it; the rest repeat, come late or change it.
    const ids = new Set(
      readFileSync(RAW, 'utf8')
        .trim()
        .split('\n')
        .flatMap((l) => {
          const r = normalizeRecord(JSON.parse(l));
          return r.kind === 'findings' ? r.observations.map((o) => o.id) : [];
        }),
    );
    expect(summary.findings.create).toBe(ids.size);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout.trim().split('\n').pop()!).findings.create ?? 0).toBe(0);
    expect(await tableState(localDocumentClient(), table)).toEqual(state);
  });
});
