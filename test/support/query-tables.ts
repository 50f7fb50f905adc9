import { randomUUID } from 'node:crypto';
import { createTables, loadTemplate, tablesFromTemplate } from '../../cli/local/template.js';
import { localClient } from './tables.js';

/**
 * Fresh tables as template.yaml defines them; returns logical id → table name.
 * `stream: false` leaves the stream out, for bulk-loaded tables nothing reads the stream
 * of (DynamoDB Local writes stream records slowly).
 */
export async function freshQueryTables(options: { stream?: boolean } = {}): Promise<Record<string, string>> {
  const suffix = randomUUID().slice(0, 8);
  const tables = tablesFromTemplate(loadTemplate('template.yaml'), (id) => `${id}-${suffix}`);
  if (options.stream === false) for (const t of tables) delete t.input.StreamSpecification;
  return createTables(localClient(), tables);
}
