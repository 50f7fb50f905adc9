import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../../functions/shared/core/query/errors.js';
import { canonicalFilter, parseListRequest, queryParameters } from '../../../functions/shared/core/query/filters.js';

const parse = (query: string) => parseListRequest(queryParameters(new URLSearchParams(query)));

function parameterAtFault(query: string): string | undefined {
  try {
    parse(query);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidParameterError) return error.parameter;
    throw error;
  }
}

describe('query: filter validation', () => {
  it('takes no filter, a page of 50 by default', () => {
    expect(parse('')).toEqual({ filter: {}, limit: 50 });
  });

  it('parses every filter, normalizing lists and times', () => {
    // Act
    const request = parse('team=payments&account=123456789012&severity=HIGH,LOW&status=OPEN&status=NOTIFIED&source=aws.guardduty&rule=Recon:EC2/PortProbeUnprotectedPort&since=2026-01-01T00:00:00Z&until=2026-01-02T01:00:00%2B01:00&limit=7');
    // Assess
    expect(request).toEqual({
      filter: {
        team: 'payments',
        account: '123456789012',
        severities: ['LOW', 'HIGH'],
        statuses: ['OPEN', 'NOTIFIED'],
        sources: ['aws.guardduty'],
        rule: 'Recon:EC2/PortProbeUnprotectedPort',
        since: '2026-01-01T00:00:00.000Z',
        until: '2026-01-02T00:00:00.000Z',
      },
      limit: 7,
    });
  });

  it('expands minSeverity to that severity and above', () => {
    expect(parse('minSeverity=HIGH').filter.severities).toEqual(['HIGH', 'CRITICAL']);
    expect(canonicalFilter(parse('minSeverity=MEDIUM').filter)).toBe(canonicalFilter(parse('severity=CRITICAL,MEDIUM,HIGH,HIGH').filter));
  });

  it.each([
    ['team=Payments', 'team'],
    ['team=a%23b', 'team'],
    ['team=a&team=b', 'team'],
    ['account=12345', 'account'],
    ['account=12345678901x', 'account'],
    ['severity=SEVERE', 'severity'],
    ['severity=', 'severity'],
    ['severity=HIGH&minSeverity=LOW', 'minSeverity'],
    ['minSeverity=high', 'minSeverity'],
    ['status=CLOSED', 'status'],
    ['status=OPEN,', 'status'],
    ['source=aws.inspector', 'source'],
    ['rule=', 'rule'],
    [`rule=${'x'.repeat(257)}`, 'rule'],
    ['since=yesterday', 'since'],
    ['since=2026-01-01', 'since'],
    ['since=2026-01-01T00:00:00', 'since'],
    ['until=2026-13-01T00:00:00Z', 'until'],
    ['since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', 'until'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=5&limit=6', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['severities=HIGH', 'severities'],
    ['teams=payments', 'teams'],
  ])('rejects %s, naming %s', (query, parameter) => {
    expect(parameterAtFault(query)).toBe(parameter);
  });

  it('says what was expected', () => {
    expect(() => parse('severity=SEVERE')).toThrow(/severity: expected a comma-separated list of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL/);
    expect(() => parse('limit=101')).toThrow(/limit: expected an integer from 1 to 100/);
    expect(() => parse('bogus=1')).toThrow(/bogus: unknown parameter/);
  });

  it('keeps since and until inclusive and equal bounds valid', () => {
    expect(parse('since=2026-01-01T00:00:00.000Z&until=2026-01-01T00:00:00.000Z').filter).toEqual({ since: '2026-01-01T00:00:00.000Z', until: '2026-01-01T00:00:00.000Z' });
  });
});
