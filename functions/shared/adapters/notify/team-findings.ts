import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IndexedFinding, TeamFindings } from '../../core/notify/digest.js';

export interface TeamFindingsOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Most findings read per team (pages of the index); a digest lists 30 and counts the rest. */
  limit?: number;
}

/**
 * A team's OPEN findings from the findings table's `byTeam` index (`gsi1pk = T#<team>`),
 * newest first: a Query with a filter on status, never a Scan. The index projects what
 * a digest shows (id, severity, status, title, account, Region, rule, firstSeen).
 */
export function dynamoTeamFindings(options: TeamFindingsOptions): TeamFindings {
  const limit = options.limit ?? 2000;
  return {
    openFindings: async (team) => {
      const found: IndexedFinding[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await options.client.send(
          new QueryCommand({
            TableName: options.tableName,
            IndexName: 'byTeam',
            KeyConditionExpression: 'gsi1pk = :team',
            FilterExpression: '#status = :open',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':team': `T#${team}`, ':open': 'OPEN' },
            ScanIndexForward: false,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) found.push(item as IndexedFinding);
        start = out.LastEvaluatedKey;
      } while (start && found.length < limit);
      return found.slice(0, limit);
    },
  };
}
