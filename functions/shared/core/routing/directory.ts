import * as z from 'zod';
import { SourceFile, show } from './source-file.js';

/**
 * One account of the organization as routing sees it. `ouPath` names the OUs from the
 * root down (`/Root/Workloads/Payments`); `status` is the account's state in
 * Organizations (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`, ...) or `REMOVED`
 * once it has left the organization (Vigil keeps what it knew, for the findings it has).
 */
export interface DirectoryAccount {
  id: string;
  name: string;
  email: string;
  status: string;
  ouPath: string;
  tags: Record<string, string>;
}

/** Anything that can list the organization's accounts (Organizations, a file, the cache table). */
export interface DirectorySource {
  listAccounts(): Promise<DirectoryAccount[]>;
}

/** The organization directory routing reads (the port). */
export interface Directory extends DirectorySource {
  getAccount(id: string): Promise<DirectoryAccount | undefined>;
}

/** A directory over a fixed list: local mode, `vigil route --org FILE`, tests. */
export function staticDirectory(accounts: readonly DirectoryAccount[]): Directory {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  return {
    getAccount: async (id) => byId.get(id),
    listAccounts: async () => [...byId.values()],
  };
}

/** Account states a directory file may give; REMOVED is Vigil's own (left the organization). */
export const ACCOUNT_STATUSES = ['ACTIVE', 'SUSPENDED', 'PENDING_ACTIVATION', 'PENDING_CLOSURE', 'CLOSED', 'REMOVED'] as const;

const AccountSchema = z.strictObject({
  id: z.string({ error: 'expected a 12-digit account id, quoted' }).regex(/^\d{12}$/, { error: 'expected a 12-digit account id, quoted' }),
  name: z.string().min(1),
  email: z.string().min(1),
  status: z.enum(ACCOUNT_STATUSES).default('ACTIVE'),
  ouPath: z.string().regex(/^\/[^/]+(\/[^/]+)*$/, { error: 'expected an OU path such as /Root/Workloads/Payments' }),
  tags: z.record(z.string().min(1), z.string()).default({}),
});
const DirectoryFileSchema = z.strictObject({ accounts: z.array(AccountSchema) });

/**
 * Parses a directory file (YAML or JSON):
 *
 * ```yaml
 * accounts:
 *   - id: '746869318262'
 *     name: payments-prod
 *     email: aws+payments-prod@example.com
 *     status: ACTIVE              # optional, ACTIVE by default
 *     ouPath: /Root/Workloads/Payments
 *     tags: { owner-team: payments }
 * ```
 *
 * @throws ConfigError listing every problem as `file:line:col: path: problem`
 */
export function parseDirectoryFile(text: string, fileName: string): DirectoryAccount[] {
  const file = SourceFile.parse(text, fileName);
  file.throwIfProblems();
  const parsed = DirectoryFileSchema.safeParse(file.data());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) file.report([...path, key], `unknown property "${key}" (expected one of: ${Object.keys(path.length ? AccountSchema.shape : DirectoryFileSchema.shape).join(', ')})`, { atKey: true });
      } else if (issue.code === 'invalid_type') {
        const node = file.node(path);
        const value = node && 'value' in node ? (node as { value: unknown }).value : undefined;
        const hint = typeof value === 'number' ? ' (quote it: unquoted, YAML reads a number and drops leading zeros)' : '';
        const got = file.node(path) === undefined ? 'nothing' : typeof value === 'number' ? `the number ${value}` : value === undefined ? 'a list or map' : show(value);
        const missing = file.node(path) === undefined;
        file.report(path, missing ? `missing "${String(path[path.length - 1])}"` : `expected ${issue.expected}, got ${got}${hint}`, { atKey: missing });
      } else {
        file.report(path, issue.message);
      }
    }
    file.throwIfProblems();
  }
  const accounts = (parsed.data as z.infer<typeof DirectoryFileSchema>).accounts;
  const first = new Map<string, number>();
  accounts.forEach((account, i) => {
    const seen = first.get(account.id);
    if (seen !== undefined) file.report(['accounts', i, 'id'], `account ${account.id} is listed twice (first as accounts[${seen}])`);
    else first.set(account.id, i);
  });
  file.throwIfProblems();
  return accounts.map((a) => ({ id: a.id, name: a.name, email: a.email, status: a.status, ouPath: a.ouPath, tags: a.tags }));
}
