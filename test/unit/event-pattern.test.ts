import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidEventPatternError, matches, validatePattern } from '../../functions/shared/event-pattern/index.js';

// Doc pages cited below (Amazon EventBridge User Guide):
//   [patterns]   "Event patterns" / "Event pattern syntax"            .../userguide/eb-event-patterns.html, eb-create-pattern.html
//   [filtering]  "Content filtering in Amazon EventBridge event patterns" .../userguide/eb-event-patterns-content-based-filtering.html
//   [operators]  "Comparison operators for use in event patterns"     .../userguide/eb-create-pattern-operators.html
//   [arrays]     "Matching on multiple field values"                  .../userguide/eb-event-patterns-arrays.html
//   [nulls]      "Matching events on null values and empty strings"   .../userguide/eb-event-patterns-null-values.html
//   [ruler]      aws/event-ruler README (the engine behind EventBridge), for what the guide leaves out.

/** The EC2 state-change event of [patterns]. */
function ec2Event(detail: Record<string, unknown> = { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' }) {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
    detail,
  };
}

/** The sample event of [ruler] "Ruler by Example", used by [filtering]'s numeric and IP examples. */
const rulerEvent = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', 'instance-id': 'i-000000aaaaaa00000', state: 'running' },
};

const withDetail = (detail: Record<string, unknown>) => ({ ...rulerEvent, detail });

describe('event pattern: structure', () => {
  it('matches when every named field matches and ignores the others [patterns]', () => {
    // Prepare
    const pattern = { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } };
    // Act / Assess
    expect(matches(pattern, ec2Event())).toBe(true);
    expect(matches(pattern, ec2Event({ state: 'running' }))).toBe(false);
    expect(matches(pattern, { ...ec2Event(), source: 'aws.fargate' })).toBe(false);
  });

  it('ORs the values listed for one field [patterns]', () => {
    const pattern = { source: ['aws.ec2', 'aws.fargate'] };
    expect(matches(pattern, ec2Event())).toBe(true);
    expect(matches(pattern, { ...ec2Event(), source: 'aws.fargate' })).toBe(true);
    expect(matches(pattern, { ...ec2Event(), source: 'aws.s3' })).toBe(false);
  });

  it('requires the event to have the pattern field with the same nesting [patterns]', () => {
    const pattern = { detail: { state: ['terminated'] } };
    expect(matches(pattern, { ...ec2Event(), detail: undefined, state: 'terminated' })).toBe(false);
    expect(matches(pattern, { ...ec2Event(), detail: { nested: { state: 'terminated' } } })).toBe(false);
    expect(matches(pattern, { ...ec2Event(), detail: 'terminated' })).toBe(false);
  });

  it('compiles once and matches many events', () => {
    const compiled = compilePattern({ source: ['aws.ec2'] });
    expect([ec2Event(), { source: 'aws.s3' }].map((e) => compiled.matches(e))).toEqual([true, false]);
  });
});

describe('event pattern: exact values, null and empty strings', () => {
  const autoscaling = {
    version: '0',
    id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
    'detail-type': 'EC2 Instance Launch Successful',
    source: 'aws.autoscaling',
    account: '123456789012',
    time: '2015-11-11T21:31:47Z',
    region: 'us-east-1',
    resources: [],
    detail: { eventVersion: '', responseElements: null },
  };

  it('matches an empty string and a null, and never one for the other [nulls]', () => {
    expect(matches({ detail: { eventVersion: [''] } }, autoscaling)).toBe(true);
    expect(matches({ detail: { responseElements: [null] } }, autoscaling)).toBe(true);
    // "Null values and empty strings are not interchangeable in pattern matching."
    expect(matches({ detail: { eventVersion: [null] } }, autoscaling)).toBe(false);
    expect(matches({ detail: { responseElements: [''] } }, autoscaling)).toBe(false);
  });

  it('does not match a null pattern value to a missing field', () => {
    expect(matches({ detail: { missing: [null] } }, autoscaling)).toBe(false);
  });

  it('keeps strings and numbers apart: "5" does not match 5, nor 5 "5"', () => {
    expect(matches({ detail: { 'c-count': ['5'] } }, rulerEvent)).toBe(false);
    expect(matches({ detail: { 'c-count': [5] } }, withDetail({ 'c-count': '5' }))).toBe(false);
    expect(matches({ detail: { 'c-count': [5] } }, rulerEvent)).toBe(true);
  });

  it('compares numbers numerically: 301.8 matches 3.018e2 [filtering]', () => {
    expect(matches({ detail: { 'x-limit': [3.018e2] } }, rulerEvent)).toBe(true);
    expect(matches({ detail: { 'c-count': [5.0] } }, rulerEvent)).toBe(true);
  });

  it('keeps booleans apart from their string spellings', () => {
    expect(matches({ detail: { enabled: [true] } }, withDetail({ enabled: true }))).toBe(true);
    expect(matches({ detail: { enabled: ['true'] } }, withDetail({ enabled: true }))).toBe(false);
    expect(matches({ detail: { enabled: [false] } }, withDetail({ enabled: true }))).toBe(false);
  });

  it('is case-sensitive [patterns]', () => {
    expect(matches({ source: ['AWS.EC2'] }, ec2Event())).toBe(false);
  });

  it('compares an IP-shaped exact value as an address [ruler]', () => {
    expect(matches({ detail: { ip: ['2001:db8::1'] } }, withDetail({ ip: '2001:0db8:0:0:0:0:0:1' }))).toBe(true);
    expect(matches({ detail: { ip: ['2001:db8::1'] } }, withDetail({ ip: '2001:db8::2' }))).toBe(false);
  });
});

describe('event pattern: arrays in events', () => {
  it('matches when the pattern values and the event array intersect [arrays]', () => {
    // Prepare: the pattern's first value is the event array's second element.
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const event = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    // Act / Assess
    expect(matches(pattern, event)).toBe(true);
    expect(matches(pattern, { resources: [event.resources[0]] })).toBe(false);
  });

  it('crushes arrays of objects, nested arrays included [ruler]', () => {
    const employees = [
      [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
      ],
      [{ firstName: 'Peter', lastName: 'Jones' }],
    ];
    expect(matches({ employees: { firstName: ['Anna'] } }, { employees })).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, { employees })).toBe(true);
  });

  it('does not combine fields from different elements of one array [ruler]', () => {
    const employees = [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ];
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, { employees })).toBe(false);
  });

  it('never matches an empty array with a value', () => {
    expect(matches({ resources: [{ prefix: '' }] }, { resources: [] })).toBe(false);
  });
});

describe('event pattern: prefix and suffix', () => {
  it('matches a prefix [filtering]', () => {
    expect(matches({ time: [{ prefix: '2017-10-02' }] }, rulerEvent)).toBe(true);
    expect(matches({ time: [{ prefix: '2017-10-03' }] }, rulerEvent)).toBe(false);
  });

  it('matches a prefix ignoring case [filtering]', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    for (const service of ['EventBridge', 'EVENTBRIDGE', 'eventbus']) expect(matches(pattern, withDetail({ service }))).toBe(true);
    expect(matches(pattern, withDetail({ service: 'Lambda' }))).toBe(false);
  });

  it('matches a suffix, with and without case [filtering]', () => {
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' })).toBe(true);
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' })).toBe(false);
    expect(matches({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, withDetail({ FileName: 'image.PNG' }))).toBe(true);
  });

  it('applies to strings only [ruler]', () => {
    expect(matches({ detail: { 'c-count': [{ prefix: '5' }] } }, rulerEvent)).toBe(false);
    expect(matches({ detail: { 'c-count': [{ suffix: '5' }] } }, rulerEvent)).toBe(false);
  });
});

describe('event pattern: equals-ignore-case and wildcard', () => {
  it('matches a value in any case [operators]', () => {
    expect(matches({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alice' })).toBe(true);
    expect(matches({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alicia' })).toBe(false);
  });

  it('matches * as zero or more characters [operators] [ruler]', () => {
    const pattern = { FilePath: [{ wildcard: '*/lib/*' }] };
    expect(matches(pattern, { FilePath: 'usr/lib/libc.so' })).toBe(true);
    expect(matches(pattern, { FilePath: '/lib/' })).toBe(true);
    expect(matches(pattern, { FilePath: 'usr/bin/ls' })).toBe(false);
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueService' })).toBe(true);
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleService' })).toBe(true);
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, { source: 'simpleQueueService' })).toBe(false);
  });

  it('treats \\* as a literal asterisk and \\\\ as a backslash [ruler]', () => {
    expect(matches({ key: [{ wildcard: 'a\\*b' }] }, { key: 'a*b' })).toBe(true);
    expect(matches({ key: [{ wildcard: 'a\\*b' }] }, { key: 'axb' })).toBe(false);
    expect(matches({ key: [{ wildcard: 'C:\\\\*' }] }, { key: 'C:\\Windows' })).toBe(true);
  });

  it('does not treat regular-expression characters specially', () => {
    expect(matches({ key: [{ wildcard: 'a.c*' }] }, { key: 'abcd' })).toBe(false);
    expect(matches({ key: [{ wildcard: 'a.c*' }] }, { key: 'a.cd' })).toBe(true);
  });
});

describe('event pattern: anything-but', () => {
  it('excludes one string or one number [filtering]', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, rulerEvent)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': 'running' }] } }, rulerEvent)).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, rulerEvent)).toBe(true);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': 301.8 }] } }, rulerEvent)).toBe(false);
  });

  it('excludes a list of strings or of numbers [filtering]', () => {
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, rulerEvent)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, rulerEvent)).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, rulerEvent)).toBe(true);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, withDetail({ 'x-limit': 200 }))).toBe(false);
  });

  it('excludes a prefix, a suffix, a case-insensitive value and a wildcard [filtering] [operators]', () => {
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, rulerEvent)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, withDetail({ state: 'initializing' }))).toBe(false);
    expect(matches({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.jpg' })).toBe(true);
    expect(matches({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.png' })).toBe(false);
    expect(matches({ state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, { state: 'INITIALIZING' })).toBe(false);
    expect(matches({ state: [{ 'anything-but': { 'equals-ignore-case': ['stopped', 'initializing'] } }] }, { state: 'Running' })).toBe(true);
    expect(matches({ FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: 'usr/lib/x' })).toBe(false);
    expect(matches({ FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: 'usr/bin/x' })).toBe(true);
  });

  it('needs the field to be present', () => {
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } }, rulerEvent)).toBe(false);
  });

  it('only excludes values of its own type [ruler]', () => {
    expect(matches({ detail: { v: [{ 'anything-but': 'x' }] } }, withDetail({ v: 5 }))).toBe(true);
    expect(matches({ detail: { v: [{ 'anything-but': 5 }] } }, withDetail({ v: '5' }))).toBe(true);
    expect(matches({ detail: { v: [{ 'anything-but': 'x' }] } }, withDetail({ v: null }))).toBe(true);
  });

  it('matches an array when any element is not excluded [arrays]', () => {
    expect(matches({ detail: { v: [{ 'anything-but': 'x' }] } }, withDetail({ v: ['x', 'y'] }))).toBe(true);
    expect(matches({ detail: { v: [{ 'anything-but': 'x' }] } }, withDetail({ v: ['x', 'x'] }))).toBe(false);
  });
});

describe('event pattern: numeric', () => {
  it('matches ranges and equality [filtering]', () => {
    // Prepare: the example of [filtering] "Numeric matching"; every field must hold.
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    // Act / Assess
    expect(matches(pattern, rulerEvent)).toBe(true);
    expect(matches(pattern, withDetail({ ...rulerEvent.detail, 'c-count': 6 }))).toBe(false);
    expect(matches(pattern, withDetail({ ...rulerEvent.detail, 'c-count': 0 }))).toBe(false);
    expect(matches(pattern, withDetail({ ...rulerEvent.detail, 'd-count': 10 }))).toBe(false);
  });

  it('honours open and closed bounds', () => {
    const at = (n: number) => withDetail({ n });
    expect(matches({ detail: { n: [{ numeric: ['>=', 1, '<', 2] }] } }, at(1))).toBe(true);
    expect(matches({ detail: { n: [{ numeric: ['>=', 1, '<', 2] }] } }, at(2))).toBe(false);
    expect(matches({ detail: { n: [{ numeric: ['>', 1] }] } }, at(1))).toBe(false);
    expect(matches({ detail: { n: [{ numeric: ['<=', -1.5] }] } }, at(-1.5))).toBe(true);
  });

  it('works only with JSON numbers [filtering]', () => {
    expect(matches({ detail: { n: [{ numeric: ['>', 0] }] } }, withDetail({ n: '5' }))).toBe(false);
    expect(matches({ detail: { n: [{ numeric: ['>', 0] }] } }, withDetail({ n: null }))).toBe(false);
  });
});

describe('event pattern: cidr', () => {
  it('matches IPv4 addresses in a block [filtering]', () => {
    const pattern = { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } };
    expect(matches(pattern, rulerEvent)).toBe(true);
    expect(matches(pattern, withDetail({ 'source-ip': '10.0.0.255' }))).toBe(true);
    expect(matches(pattern, withDetail({ 'source-ip': '10.0.1.0' }))).toBe(false);
    expect(matches(pattern, withDetail({ 'source-ip': 'not-an-ip' }))).toBe(false);
  });

  it('matches IPv6 addresses in a block, and keeps the families apart [filtering]', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } };
    expect(matches(pattern, withDetail({ sourceIPAddress: '2001:db8:85a3::8a2e:370:7334' }))).toBe(true);
    expect(matches(pattern, withDetail({ sourceIPAddress: '2001:db9::1' }))).toBe(false);
    expect(matches(pattern, withDetail({ sourceIPAddress: '10.0.0.1' }))).toBe(false);
    expect(matches({ ip: [{ cidr: '::ffff:10.0.0.0/120' }] }, { ip: '::ffff:10.0.0.7' })).toBe(true);
  });
});

describe('event pattern: exists', () => {
  it('matches a present field with exists: true [filtering]', () => {
    const pattern = { detail: { state: [{ exists: true }] } };
    expect(matches(pattern, ec2Event({ 'instance-id': 'i-abcd1111', state: 'pending' }))).toBe(true);
    expect(matches(pattern, { ...ec2Event(), detail: { 'c-count': { c1: 100 } } })).toBe(false);
  });

  it('matches a missing field with exists: false [filtering]', () => {
    const pattern = { detail: { 'c-count': [{ exists: false }] } };
    expect(matches(pattern, { 'detail-type': 'EC2 Instance State-change Notification', detail: { state: ['initializing', 'running'] } })).toBe(true);
    expect(matches(pattern, rulerEvent)).toBe(false);
    expect(matches(pattern, { source: 'aws.ec2' })).toBe(true);
  });

  it('works on leaves only: an object there is not a value [filtering]', () => {
    // "The preceding event pattern also matches the following event because c-count isn't a leaf node."
    const event = { detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } };
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, event)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, event)).toBe(false);
  });

  it('counts null as a value and an empty array as none', () => {
    expect(matches({ detail: { v: [{ exists: true }] } }, withDetail({ v: null }))).toBe(true);
    expect(matches({ detail: { v: [{ exists: false }] } }, withDetail({ v: [] }))).toBe(true);
    expect(matches({ detail: { v: [{ exists: true }] } }, withDetail({ v: [] }))).toBe(false);
  });

  it('combines with values in one field: present with a value, or absent', () => {
    const pattern = { detail: { team: ['payments', { exists: false }] } };
    expect(matches(pattern, withDetail({ team: 'payments' }))).toBe(true);
    expect(matches(pattern, withDetail({}))).toBe(true);
    expect(matches(pattern, withDetail({ team: 'search' }))).toBe(false);
  });

  it('looks for absence within the array element the other fields matched in [ruler]', () => {
    const event = { findings: [{ id: 'a', Workflow: { Status: 'NEW' } }, { id: 'b' }] };
    expect(matches({ findings: { id: ['b'], Workflow: { Status: [{ exists: false }] } } }, event)).toBe(true);
    expect(matches({ findings: { id: ['a'], Workflow: { Status: [{ exists: false }] } } }, event)).toBe(false);
  });
});

describe('event pattern: $or', () => {
  const metric = (fields: Record<string, unknown>) => ({ source: 'aws.cloudwatch', ...fields });

  it('ORs sub-patterns and ANDs them with the other fields [operators] [ruler]', () => {
    // Prepare: "source" && ("metricName" || "namespace")
    const pattern = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] };
    // Act / Assess
    expect(matches(pattern, metric({ metricName: 'ReadLatency' }))).toBe(true);
    expect(matches(pattern, metric({ namespace: 'AWS/ES' }))).toBe(true);
    expect(matches(pattern, metric({ metricName: 'NetworkIn', namespace: 'AWS/S3' }))).toBe(false);
    expect(matches(pattern, { source: 'aws.s3', metricName: 'ReadLatency' })).toBe(false);
  });

  it('works inside nested objects, in parallel with another $or [ruler]', () => {
    const pattern = {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    };
    expect(matches(pattern, { namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } })).toBe(true);
    expect(matches(pattern, { namespace: 'AWS/EC2', detail: { source: 'aws.ec2' } })).toBe(false);
  });

  it('nests $or inside $or [ruler]', () => {
    // "source" && ("metricName" || ("metricType" && "namespace" && ("metricId" || "spaceId")) || "scope")
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        { scope: ['Service'] },
      ],
    };
    expect(matches(pattern, metric({ metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 }))).toBe(true);
    expect(matches(pattern, metric({ metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1001 }))).toBe(false);
    expect(matches(pattern, metric({ metricType: 'MetricType', spaceId: 1000 }))).toBe(false);
    expect(matches(pattern, metric({ scope: 'Service' }))).toBe(true);
  });

  it('ORs numeric conditions on different fields [ruler]', () => {
    const pattern = {
      detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] },
    };
    expect(matches(pattern, withDetail({ 'd-count': 3 }))).toBe(true);
    expect(matches(pattern, withDetail({ 'c-count': 9, 'd-count': 11 }))).toBe(false);
  });
});

describe('event pattern: the complex example [filtering]', () => {
  it('combines prefix, anything-but, numeric and cidr', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    };
    expect(matches(pattern, rulerEvent)).toBe(true);
    expect(matches(pattern, withDetail({ ...rulerEvent.detail, state: 'initializing' }))).toBe(false);
  });
});

describe('event pattern: validation', () => {
  it('accepts every pattern used above', () => {
    const patterns = [
      { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } },
      { detail: { eventVersion: [''], responseElements: [null] } },
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }], FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      { state: [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }], x: [{ 'anything-but': [1, 2] }], y: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      { n: [{ numeric: ['>', 0, '<=', 5] }], m: [{ numeric: ['=', 3.018e2] }], ip: [{ cidr: '2001:db8::/32' }], e: [{ exists: false }] },
      { $or: [{ a: ['1'] }, { b: [{ wildcard: 'a\\*b*' }], $or: [{ c: [true] }, { d: [false] }] }] },
    ];
    for (const pattern of patterns) expect(validatePattern(pattern), JSON.stringify(pattern)).toEqual([]);
  });

  it.each([
    ['a pattern that is not an object', ['aws.ec2'], 'pattern must be a JSON object'],
    ['an empty pattern', {}, 'empty objects are not allowed'],
    ['an empty value list', { source: [] }, 'source: empty arrays are not allowed'],
    ['a bare string leaf', { source: 'aws.ec2' }, 'source: must be an array'],
    ['a bare number leaf', { detail: { n: 5 } }, 'detail.n: must be an array'],
    ['an empty nested object', { detail: {} }, 'detail: empty objects are not allowed'],
    ['a nested array', { source: [['aws.ec2']] }, 'source[0]: nested arrays are not allowed'],
    ['an unknown operator', { detail: { type: [{ contains: 'Normal' }] } }, 'detail.type[0]: unknown operator "contains"'],
    ['two operators in one expression', { a: [{ prefix: 'x', suffix: 'y' }] }, 'exactly one operator'],
    ['an empty match expression', { a: [{}] }, 'exactly one operator'],
    ['a prefix list', { a: [{ prefix: ['x'] }] }, 'prefix takes a string'],
    ['a non-string equals-ignore-case', { a: [{ 'equals-ignore-case': 5 }] }, 'equals-ignore-case takes a string'],
    ['consecutive wildcards', { a: [{ wildcard: 'a**b' }] }, 'consecutive wildcard characters'],
    ['a backslash escaping a letter', { a: [{ wildcard: 'a\\b' }] }, 'backslash may only escape'],
    ['a mixed anything-but list', { a: [{ 'anything-but': ['x', 1] }] }, 'only strings or only numbers'],
    ['an empty anything-but list', { a: [{ 'anything-but': [] }] }, 'must not be empty'],
    ['an anything-but null', { a: [{ 'anything-but': null }] }, 'anything-but takes'],
    ['an anything-but prefix list', { a: [{ 'anything-but': { prefix: ['x', 'y'] } }] }, 'one non-empty string'],
    ['an empty anything-but prefix', { a: [{ 'anything-but': { prefix: '' } }] }, 'one non-empty string'],
    ['an anything-but numeric', { a: [{ 'anything-but': { numeric: ['>', 1] } }] }, 'does not support "numeric"'],
    ['a numeric with an unknown operator', { a: [{ numeric: ['!=', 1] }] }, 'first element must be one of'],
    ['a numeric with a string bound', { a: [{ numeric: ['>', '1'] }] }, 'must be followed by a number'],
    ['a numeric upper bound first', { a: [{ numeric: ['<', 10, '>', 0] }] }, 'only a lower bound'],
    ['an empty numeric range', { a: [{ numeric: ['>', 10, '<', 0] }] }, 'lower bound must be below'],
    ['too many numeric terms', { a: [{ numeric: ['>', 0, '<', 5, '<', 6] }] }, 'too many elements'],
    ['a string exists', { a: [{ exists: 'true' }] }, 'exists takes true or false'],
    ['an invalid cidr', { a: [{ cidr: '10.0.0.0/33' }] }, 'cidr takes'],
    ['a cidr without a prefix length', { a: [{ cidr: '10.0.0.1' }] }, 'cidr takes'],
    ['an $or with one sub-pattern', { $or: [{ a: ['x'] }] }, '$or: must be an array of at least two'],
    ['an $or that is an object', { $or: { a: ['x'] } }, '$or: must be an array of at least two'],
    ['a non-object in $or', { $or: [{ a: ['x'] }, ['b']] }, '$or[1]: each sub-pattern must be an object'],
    ['an operator name as a field inside $or', { $or: [{ numeric: [1] }, { prefix: ['abc'] }] }, 'cannot be a field name inside $or'],
    ['an invalid value deep inside $or', { detail: { $or: [{ a: ['x'] }, { b: [] }] } }, 'detail.$or[1].b: empty arrays'],
  ])('rejects %s', (_name, pattern, problem) => {
    // Act
    const problems = validatePattern(pattern);
    // Assess
    expect(problems.join('\n')).toContain(problem);
  });

  it('refuses to match with an invalid pattern, naming its problems', () => {
    expect(() => matches({ source: [] }, ec2Event())).toThrow(InvalidEventPatternError);
    expect(() => matches({ source: [] }, ec2Event())).toThrow(/source: empty arrays are not allowed/);
  });
});
