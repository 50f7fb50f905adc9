import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../cli/local/template.js';

/** Every metric the code publishes in the Vigil namespace, found by reading the sources. */
function metricsInCode(): Set<string> {
  const files = ['functions/ingest/record-processor.ts', 'functions/notifier/record-processor.ts', 'functions/coverage/handler.ts', 'functions/directory-sync/handler.ts', 'functions/reconcile/pass.ts', 'functions/reconcile/handler.ts'];
  const names = new Set<string>();
  for (const file of files) {
    for (const [, name] of readFileSync(file, 'utf8').matchAll(/addMetric\(\s*[`'"]([A-Za-z]+)/g)) names.add(name!);
  }
  // Template literals: `Findings${decision}` and `NotificationsSent${channel}`.
  for (const d of ['Create', 'Change', 'Touch', 'Noop']) names.add(`Findings${d}`);
  for (const c of ['Slack', 'Sns']) names.add(`NotificationsSent${c}`);
  return names;
}

describe('meta: the dashboard', () => {
  const template = loadTemplate('template.yaml');
  const body = (template.Resources.VigilDashboard!.Properties!.DashboardBody as { 'Fn::Sub': [string, unknown] })['Fn::Sub'][0];
  const dashboard = JSON.parse(body.replace(/\$\{[^}]+\}/g, 'x')) as { widgets: Array<{ properties: { title: string; metrics: unknown[][] } }> };

  it('shows what a platform team watches', () => {
    const titles = dashboard.widgets.map((w) => w.properties.title.toLowerCase()).join('\n');
    for (const topic of ['events in, by source', 'ingest lag', 'quarantined', 'dead-lettered', 'coverage and ownership', 'lag from write to send', 'rate limited (429)']) {
      expect(titles).toContain(topic);
    }
  });

  it('charts only metrics the code publishes', () => {
    const published = metricsInCode();
    const charted = dashboard.widgets.flatMap((w) => w.properties.metrics).filter((m) => m[0] === 'Vigil').map((m) => String(m[1]));
    const searched = [...body.matchAll(/MetricName=\\"([A-Za-z]+)\\"/g)].map((m) => m[1]!);
    expect(charted.length).toBeGreaterThan(5);
    expect([...charted, ...searched].filter((name) => !published.has(name))).toEqual([]);
  });
});
