import { describe, expect, it } from 'vitest';
import { loadTemplate, type CfnTemplate } from '../../cli/local/template.js';
import { CATALOGUE } from '../../functions/shared/core/detections/catalogue/index.js';
import { normalizeEvent } from '../../functions/shared/core/normalizers/index.js';
import { corpusEvents, type CorpusEvent } from '../support/events.js';
import {
  checkBusPolicies,
  checkRuleCoverage,
  checkRuleNarrowness,
  checkRulePatterns,
  matchingRules,
  type RuleExpectations,
} from '../support/template-checks.js';

type Event = Record<string, unknown>;
const is = (source: string, detailType: string) => (e: Event) => e.source === source && e['detail-type'] === detailType;
const isConfigComplianceChange = is('aws.config', 'Config Rules Compliance Change');
const isGuardDutyFinding = is('aws.guardduty', 'GuardDuty Finding');
const isHeartbeat = (e: Event) =>
  e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event' && ((e.resources as string[] | undefined) ?? []).some((r) => r.endsWith(':rule/vigil-heartbeat'));
/** Calls that change who is in the organization, where, or with which tags. */
const ORGANIZATION_CHANGES = new Set(['CreateAccount', 'CreateGovCloudAccount', 'InviteAccountToOrganization', 'AcceptHandshake', 'MoveAccount', 'RemoveAccountFromOrganization', 'CloseAccount', 'TagResource', 'UntagResource', 'CreateOrganizationalUnit', 'UpdateOrganizationalUnit', 'DeleteOrganizationalUnit']);
const isSecurityHubImport = is('aws.securityhub', 'Security Hub Findings - Imported');
const CLOUDTRAIL_TYPES = ['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail'];
const catalogueCalls = new Set(CATALOGUE.flatMap((d) => d.match.flatMap((c) => (c.eventName ?? []).map((name) => name))));
const catalogueSources = new Set(CATALOGUE.flatMap((d) => d.match.flatMap((c) => c.eventSource ?? [])));
/**
 * What the CloudTrail rule must let through, derived from the detection catalogue (not
 * the template): a call some detection names, or anything root did.
 */
const isCloudTrailDetectable = (e: Event) => {
  const detail = (e.detail ?? {}) as { eventName?: string; eventSource?: string; userIdentity?: { type?: string } };
  if (!String(e.source).startsWith('aws.') || !CLOUDTRAIL_TYPES.includes(String(e['detail-type']))) return false;
  return (catalogueCalls.has(String(detail.eventName)) && catalogueSources.has(String(detail.eventSource))) || detail.userIdentity?.type === 'Root';
};

/**
 * What each rule is meant to receive. Adding a rule to a template means adding its
 * entry here; a rule without one fails "each corpus event is matched by exactly the
 * rules meant for it".
 */
const CENTRAL_RULES: RuleExpectations = {
  ConfigComplianceRule: isConfigComplianceChange,
  GuardDutyFindingRule: isGuardDutyFinding,
  CloudTrailDetectionsRule: isCloudTrailDetectable,
  SecurityHubFindingsRule: isSecurityHubImport,
  HeartbeatRule: isHeartbeat,
  OrganizationsChangeRule: (e: Event) => e.source === 'aws.organizations' && e['detail-type'] === 'AWS API Call via CloudTrail' && ORGANIZATION_CHANGES.has(String((e.detail as { eventName?: string })?.eventName)),
};
const FORWARDER_RULES: RuleExpectations = {
  ConfigComplianceForwardRule: isConfigComplianceChange,
  GuardDutyFindingForwardRule: isGuardDutyFinding,
  CloudTrailDetectionsForwardRule: isCloudTrailDetectable,
  SecurityHubFindingsForwardRule: isSecurityHubImport,
};

const TEMPLATES = [
  { file: 'template.yaml', expectations: CENTRAL_RULES, configRule: 'ConfigComplianceRule', guardDutyRule: 'GuardDutyFindingRule' },
  { file: 'infra/member-forwarder.yaml', expectations: FORWARDER_RULES, configRule: 'ConfigComplianceForwardRule', guardDutyRule: 'GuardDutyFindingForwardRule' },
];

// EventBridge envelopes only: cloudtrail/raw/ holds bare CloudTrail records, never put on a bus.
const corpus = {
  config: corpusEvents('config'),
  guardduty: corpusEvents('guardduty'),
  cloudtrail: corpusEvents('cloudtrail').filter((e) => !e.origin.includes('/raw/')),
  securityhub: corpusEvents('securityhub'),
};
const allEvents: CorpusEvent[] = Object.values(corpus).flat();

/** A copy of the template to break on purpose. */
function copyOf(template: CfnTemplate, edit: (resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>) => void): CfnTemplate {
  const copy = structuredClone(template);
  edit(copy.Resources);
  return copy;
}

describe('meta: the corpus the rules are tested with', () => {
  it('has events of every source, all of the kinds their folders say', () => {
    expect(corpus.config.length).toBeGreaterThan(0);
    expect(corpus.guardduty.length).toBeGreaterThan(0);
    expect(corpus.cloudtrail.length).toBeGreaterThan(0);
    expect(corpus.securityhub.length).toBeGreaterThan(0);
    expect(corpus.config.every((e) => isConfigComplianceChange(e.event))).toBe(true);
    expect(corpus.guardduty.every((e) => isGuardDutyFinding(e.event))).toBe(true);
  });
});

describe.each(TEMPLATES)('meta: event rules of $file', ({ file, expectations, configRule, guardDutyRule }) => {
  const template = loadTemplate(file);

  it('has only valid event patterns', () => {
    expect(checkRulePatterns(template)).toEqual([]);
  });

  it('matches each corpus event with exactly the rules meant for it', () => {
    expect(checkRuleCoverage(template, expectations, allEvents)).toEqual([]);
  });

  it('sends every Config compliance change to the Config rule and no other', () => {
    for (const { origin, event } of corpus.config) expect(matchingRules(template, event), origin).toEqual([configRule]);
  });

  it('sends every GuardDuty finding to the GuardDuty rule and no other', () => {
    for (const { origin, event } of corpus.guardduty) expect(matchingRules(template, event), origin).toEqual([guardDutyRule]);
  });

  it('sends no CloudTrail or Security Hub event to the Config or GuardDuty rule', () => {
    for (const { origin, event } of [...corpus.cloudtrail, ...corpus.securityhub]) {
      expect(matchingRules(template, event).filter((id) => id === configRule || id === guardDutyRule), origin).toEqual([]);
    }
  });

  it('has rules as narrow as the detections need', () => {
    expect(checkRuleNarrowness(template, allEvents)).toEqual([]);
  });

  it('lets through every CloudTrail event a detection turns into a finding', () => {
    const detected = corpus.cloudtrail.filter((e) => normalizeEvent(e.event).kind === 'findings');
    expect(detected.length).toBeGreaterThan(50);
    for (const { origin, event } of detected) expect(matchingRules(template, event).length, origin).toBe(1);
  });

  it('admits only the organization to its event buses', () => {
    expect(checkBusPolicies(template)).toEqual([]);
  });
});

describe('meta: the rule checks catch broken templates', () => {
  const template = loadTemplate('template.yaml');
  const patternOf = (id: string, pattern: unknown) => (resources: Parameters<Parameters<typeof copyOf>[1]>[0]) => {
    resources[id]!.Properties!.EventPattern = pattern;
  };

  it('reads an EventPattern written as a JSON string, as CloudFormation allows', () => {
    // Prepare
    const broken = copyOf(template, (r) => {
      r.ConfigComplianceRule!.Properties!.EventPattern = JSON.stringify(r.ConfigComplianceRule!.Properties!.EventPattern);
    });
    // Act / Assess
    expect(checkRulePatterns(broken)).toEqual([]);
    expect(checkRuleCoverage(broken, CENTRAL_RULES, allEvents)).toEqual([]);
  });

  it('fails a rule that only pins the source', () => {
    // Prepare
    const broken = copyOf(template, patternOf('ConfigComplianceRule', { source: ['aws.config'] }));
    // Act
    const narrowness = checkRuleNarrowness(broken, allEvents);
    const coverage = checkRuleCoverage(broken, CENTRAL_RULES, allEvents);
    // Assess: no detail-type, and the corpus's Config API calls via CloudTrail now match too.
    expect(narrowness).toContain('ConfigComplianceRule: pattern has no "detail-type" constraint');
    expect(narrowness.join('\n')).toMatch(/ConfigComplianceRule: still matches .* with its detail-type changed/);
    expect(coverage.join('\n')).toMatch(/ConfigComplianceRule: matches 4 event\(s\) it is not meant for: .*aws\.config \/ AWS API Call via CloudTrail/);
  });

  it('fails a rule that matches every AWS source', () => {
    // Prepare
    const broken = copyOf(template, patternOf('GuardDutyFindingRule', { source: [{ prefix: 'aws.' }] }));
    // Act
    const narrowness = checkRuleNarrowness(broken, allEvents);
    const coverage = checkRuleCoverage(broken, CENTRAL_RULES, allEvents);
    // Assess
    expect(narrowness).toEqual(
      expect.arrayContaining([
        'GuardDutyFindingRule: pattern has no "detail-type" constraint',
        'GuardDutyFindingRule: "source" must list exact values, not [{"prefix":"aws."}]',
        'GuardDutyFindingRule: matches an event it can never be meant for: synthetic aws.ec2 state change (aws.ec2 / EC2 Instance State-change Notification)',
      ]),
    );
    expect(coverage.join('\n')).toMatch(/GuardDutyFindingRule: matches \d+ event\(s\) it is not meant for/);
  });

  it('fails a rule whose detail-type is a prefix', () => {
    const broken = copyOf(template, patternOf('GuardDutyFindingRule', { source: ['aws.guardduty'], 'detail-type': [{ prefix: 'GuardDuty' }] }));
    expect(checkRuleNarrowness(broken, allEvents)).toEqual(['GuardDutyFindingRule: "detail-type" must list exact values, not [{"prefix":"GuardDuty"}]']);
  });

  it('fails a rule whose pattern EventBridge would reject', () => {
    const broken = copyOf(template, patternOf('ConfigComplianceRule', { source: ['aws.config'], 'detail-type': [] }));
    expect(checkRulePatterns(broken)).toEqual(['ConfigComplianceRule: invalid EventPattern: detail-type: empty arrays are not allowed']);
    expect(checkRuleCoverage(broken, CENTRAL_RULES, allEvents)).toEqual(['ConfigComplianceRule: cannot be matched, its EventPattern is invalid']);
  });

  it('fails an archive whose pattern EventBridge would reject', () => {
    const broken = copyOf(template, patternOf('CentralEventArchive', { source: ['aws.config', { contains: 'guardduty' }] }));
    expect(checkRulePatterns(broken)).toEqual(['CentralEventArchive: invalid EventPattern: source[1]: unknown operator "contains"']);
  });

  it('fails a rule that misses events it is meant for', () => {
    const broken = copyOf(template, patternOf('ConfigComplianceRule', { source: ['aws.config'], 'detail-type': ['Config Rules Compliance Change'], detail: { newEvaluationResult: { complianceType: ['NON_COMPLIANT'] } } }));
    expect(checkRuleCoverage(broken, CENTRAL_RULES, allEvents).join('\n')).toMatch(/ConfigComplianceRule: misses \d+ event\(s\) it is meant for/);
  });

  it('fails a new rule that has no expectation entry', () => {
    // Prepare
    const broken = copyOf(template, (r) => {
      r.ConsoleSignInRule = { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['aws.signin'], 'detail-type': ['AWS Console Sign In via CloudTrail'] } } };
    });
    // Act / Assess
    expect(checkRuleCoverage(broken, CENTRAL_RULES, allEvents)).toEqual([
      'ConsoleSignInRule: no expectation says which events this rule is meant for; add it to the expectation map',
    ]);
  });

  it('fails an expectation for a rule the template does not have', () => {
    const expectations = { ...CENTRAL_RULES, RemovedRule: () => false };
    expect(checkRuleCoverage(template, expectations, allEvents)).toEqual(['RemovedRule: has an expectation but is not an event rule of this template']);
  });

  it('fails a bus policy without the organization condition', () => {
    // Prepare
    const broken = copyOf(template, (r) => {
      delete (r.CentralEventBusPolicy!.Properties!.Statement as Record<string, unknown>).Condition;
    });
    // Act / Assess
    expect(checkBusPolicies(broken)).toEqual([
      "CentralEventBusPolicy: Allow statement OrganizationPutEvents admits Principal '*' without a StringEquals aws:PrincipalOrgID condition",
    ]);
  });

  it('fails a bus policy that names an organization instead of the parameter', () => {
    const broken = copyOf(template, (r) => {
      (r.CentralEventBusPolicy!.Properties!.Statement as Record<string, unknown>).Condition = { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' } };
    });
    expect(checkBusPolicies(broken)).toEqual(['CentralEventBusPolicy: Allow statement OrganizationPutEvents: aws:PrincipalOrgID is "o-exampleorgid", not !Ref OrganizationId']);
  });

  it("fails a bus's own Policy that admits everyone", () => {
    const broken = copyOf(template, (r) => {
      r.CentralEventBus!.Properties!.Policy = { Version: '2012-10-17', Statement: [{ Sid: 'Everyone', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'events:PutEvents', Resource: '*' }] };
    });
    expect(checkBusPolicies(broken)).toEqual(["CentralEventBus.Policy: Allow statement Everyone admits Principal '*' without a StringEquals aws:PrincipalOrgID condition"]);
  });

  it('fails a legacy-form bus policy for one account without the organization condition, and accepts it with one', () => {
    const legacy = (condition?: unknown) =>
      copyOf(template, (r) => {
        r.CentralEventBusPolicy!.Properties = { EventBusName: { Ref: 'CentralEventBus' }, StatementId: 'Legacy', Action: 'events:PutEvents', Principal: '111122223333', ...(condition ? { Condition: condition } : {}) };
      });
    expect(checkBusPolicies(legacy())).toEqual(['CentralEventBusPolicy: Allow statement Legacy has no StringEquals aws:PrincipalOrgID condition']);
    expect(checkBusPolicies(legacy({ Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: { Ref: 'OrganizationId' } }))).toEqual([]);
  });

  it('fails a central bus that no policy admits the organization to', () => {
    const broken = copyOf(template, (r) => {
      delete r.CentralEventBusPolicy;
    });
    expect(checkBusPolicies(broken)).toEqual(['CentralEventBus: no bus policy admits the organization, so member accounts cannot forward events']);
  });
});
