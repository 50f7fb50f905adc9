/**
 * Small readers of IAM policy documents as CloudTrail records carry them: an object
 * (S3 `bucketPolicy`), a JSON string (IAM `policyDocument`) or, from some tools, a
 * URL-encoded JSON string. Anything that does not parse is no policy at all.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

/**
 * Condition keys that pin a statement to known callers or networks. A statement for
 * `Principal: "*"` with any of these under a positive operator (not `...Not...`, not
 * `...IfExists`) is not public. Compared case-insensitively.
 */
export const RESTRICTING_CONDITION_KEYS: readonly string[] = [
  'aws:PrincipalOrgID',
  'aws:PrincipalOrgPaths',
  'aws:PrincipalAccount',
  'aws:PrincipalArn',
  'aws:PrincipalServiceName',
  'aws:SourceAccount',
  'aws:SourceArn',
  'aws:SourceOrgID',
  'aws:SourceOrgPaths',
  'aws:SourceOwner',
  'aws:SourceIp',
  'aws:SourceVpc',
  'aws:SourceVpce',
  'aws:userid',
  'aws:username',
  'kms:CallerAccount',
  's3:DataAccessPointAccount',
];

const restrictingKeys = new Set(RESTRICTING_CONDITION_KEYS.map((key) => key.toLowerCase()));

/** Parses a policy document in any of the shapes CloudTrail records use. */
export function parsePolicy(value: unknown): Json | undefined {
  if (isObject(value)) return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  for (const text of [value, safeDecode(value)]) {
    if (text === undefined) continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) return parsed;
    } catch {
      // Not JSON in this form; try the next.
    }
  }
  return undefined;
}

function safeDecode(text: string): string | undefined {
  try {
    const decoded = decodeURIComponent(text);
    return decoded === text ? undefined : decoded;
  } catch {
    return undefined;
  }
}

function statements(policy: Json): Json[] {
  return list(policy.Statement).filter(isObject);
}

function isWildcardPrincipal(principal: unknown): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  return list(principal.AWS).includes('*') || list(principal.CanonicalUser).includes('*');
}

function isRestricted(condition: unknown): boolean {
  if (!isObject(condition)) return false;
  return Object.entries(condition).some(([operator, keys]) => {
    const op = operator.toLowerCase();
    if (op.includes('not') || op.endsWith('ifexists') || op === 'null' || !isObject(keys)) return false;
    return Object.keys(keys).some((key) => restrictingKeys.has(key.toLowerCase()));
  });
}

/**
 * True when a resource policy allows everyone: an `Allow` statement whose `Principal` is
 * `*` (or `{"AWS": "*"}`), or that uses `NotPrincipal`, with no restricting condition.
 */
export function isPublicPolicy(value: unknown): boolean {
  const policy = parsePolicy(value);
  if (!policy) return false;
  return statements(policy).some(
    (s) => s.Effect === 'Allow' && (isWildcardPrincipal(s.Principal) || s.NotPrincipal !== undefined) && !isRestricted(s.Condition),
  );
}

/** True when an identity policy grants everything: `Allow` of `Action: "*"` on `Resource: "*"`. */
export function isAdminPolicy(value: unknown): boolean {
  const policy = parsePolicy(value);
  if (!policy) return false;
  return statements(policy).some((s) => s.Effect === 'Allow' && list(s.Action).includes('*') && list(s.Resource).includes('*'));
}
