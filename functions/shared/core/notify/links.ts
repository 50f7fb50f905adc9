/**
 * Where a message's links point. `findingsUrl` is a template with `{team}` (and optionally
 * `{status}`), e.g. Vigil's web console `https://vigil.example.com/findings?team={team}`;
 * without one, links open the findings table's byTeam index in the DynamoDB console.
 */
export interface LinkOptions {
  findingsUrl?: string;
  /** Table name and Region for the DynamoDB console fallback. */
  tableName: string;
  region: string;
}

export interface Links {
  /** The open findings of a team. */
  team(team: string): string;
}

export function links(options: LinkOptions): Links {
  return {
    team: (team) => {
      if (options.findingsUrl) return options.findingsUrl.replaceAll('{team}', encodeURIComponent(team)).replaceAll('{status}', 'OPEN');
      const region = encodeURIComponent(options.region);
      return `https://${region}.console.aws.amazon.com/dynamodbv2/home?region=${region}#item-explorer?table=${encodeURIComponent(options.tableName)}&index=byTeam&pk=${encodeURIComponent(`T#${team}`)}`;
    },
  };
}

/** The AWS console page of a finding when the source gave none (GuardDuty, Config). */
export function fallbackConsoleUrl(finding: { source: string; region: string; rule: string; resourceId: string }): string {
  const region = encodeURIComponent(finding.region);
  const base = `https://${region}.console.aws.amazon.com`;
  switch (finding.source) {
    case 'aws.guardduty':
      return `${base}/guardduty/home?region=${region}#/findings`;
    case 'aws.config':
      return `${base}/config/home?region=${region}#/rules/details?configRuleName=${encodeURIComponent(finding.rule)}`;
    case 'aws.securityhub':
      return `${base}/securityhub/home?region=${region}#/findings`;
    default:
      return `${base}/cloudtrail/home?region=${region}#/events`;
  }
}
