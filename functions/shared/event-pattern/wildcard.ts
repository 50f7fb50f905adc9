/**
 * The `wildcard` operator's string syntax: `*` stands for zero or more characters,
 * `\*` for a literal asterisk and `\\` for a literal backslash. Two wildcards in a row
 * and a backslash before any other character are rejected by EventBridge
 * (aws/event-ruler README, "Wildcard matching").
 */

type Token = { kind: 'text'; text: string } | { kind: 'star' };

function tokenize(value: string): { tokens: Token[]; problems: string[] } {
  const tokens: Token[] = [];
  const problems: string[] = [];
  let text = '';
  let previousWasStar = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '\\') {
        text += next;
        i++;
        previousWasStar = false;
        continue;
      }
      problems.push(next === undefined ? 'ends with an unescaped backslash' : `backslash may only escape "*" or "\\", not "${next}"`);
      continue;
    }
    if (ch === '*') {
      if (previousWasStar) problems.push('consecutive wildcard characters are not allowed');
      if (text) tokens.push({ kind: 'text', text });
      text = '';
      tokens.push({ kind: 'star' });
      previousWasStar = true;
      continue;
    }
    text += ch;
    previousWasStar = false;
  }
  if (text) tokens.push({ kind: 'text', text });
  return { tokens, problems };
}

/** What EventBridge would reject in a wildcard value; empty when it is valid. */
export function wildcardProblems(value: string): string[] {
  return tokenize(value).problems;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A predicate for a valid wildcard value (validate first with {@link wildcardProblems}). */
export function wildcardMatcher(value: string): (candidate: string) => boolean {
  const source = tokenize(value)
    .tokens.map((t) => (t.kind === 'star' ? '[\\s\\S]*' : escapeRegExp(t.text)))
    .join('');
  const regExp = new RegExp(`^${source}$`, 'u');
  return (candidate) => regExp.test(candidate);
}
