import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoFindingActions } from '../shared/adapters/finding-action-store.js';
import { interpretInteraction, type MessageRef, type SlackView } from '../shared/core/notify/interactions.js';
import { fallbackConsoleUrl } from '../shared/core/notify/links.js';
import { actorMention, findingMessage, slackDate, type SlackMessage } from '../shared/core/notify/slack-blocks.js';
import { verifySlackSignature } from '../shared/core/notify/slack-signature.js';
import type { NotifiableFinding, NotificationKind } from '../shared/core/notify/types.js';
import { actOnFinding, decideAction, parseSuppress, type ActionRequest } from '../shared/core/query/actions.js';
import { ActionConflictError, InvalidParameterError } from '../shared/core/query/errors.js';

export interface InteractionDeps {
  client: DynamoDBDocumentClient;
  tableName: string;
  slack: {
    signingSecret(): Promise<string>;
    openView(triggerId: string, view: SlackView): Promise<void>;
    update(ref: MessageRef, message: SlackMessage): Promise<void>;
  };
  consoleUrl(findingId: string): Promise<string | undefined>;
  logger: Logger;
  now?: () => Date;
}

const ok = (body?: unknown): APIGatewayProxyStructuredResultV2 =>
  body === undefined ? { statusCode: 200, body: '' } : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };

/**
 * `POST /slack/interactions`: verifies Slack's signature (v0 HMAC over the raw body,
 * timestamp within five minutes), then acts: Acknowledge at once, Suppress and Assign
 * through a modal (a reason is required to suppress). The change is decided and written
 * exactly as the API does it (`decideAction`, `actOnFinding`, one writer: status, history
 * entry with the Slack user as actor, conditional on the version), and the original
 * message is updated.
 */
export function createInteractionHandler(deps: InteractionDeps) {
  const actions = new DynamoFindingActions({ tableName: deps.tableName, client: deps.client });
  return async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const now = (deps.now ?? (() => new Date()))();
    const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const check = verifySlackSignature({ timestamp: headers['x-slack-request-timestamp'], signature: headers['x-slack-signature'], body }, await deps.slack.signingSecret(), now);
    if (!check.ok) {
      deps.logger.warn('slack request refused', { reason: check.reason });
      return { statusCode: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: check.reason }) };
    }
    let payload: unknown;
    try {
      payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '');
    } catch {
      return { statusCode: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'no payload' }) };
    }
    const command = interpretInteraction(payload, now);
    switch (command.kind) {
      case 'ignore':
        deps.logger.info('slack interaction ignored', { reason: command.reason });
        return ok();
      case 'invalid-submission':
        return ok({ response_action: 'errors', errors: command.errors });
      case 'open-modal':
        await deps.slack.openView(command.triggerId, command.view);
        return ok();
      case 'apply': {
        let finding: NotifiableFinding | undefined;
        let changed = false;
        try {
          const request: ActionRequest =
            command.action === 'acknowledge'
              ? { kind: 'acknowledge', reason: command.reason ?? 'Acknowledged in Slack' }
              : command.action === 'suppress'
                ? parseSuppress({ reason: command.reason, until: command.until }, now)
                : { kind: 'assign', assignee: command.assignee ?? '', ...(command.reason ? { reason: command.reason } : {}) };
          const outcome = await actOnFinding(actions, command.findingId, (state) => decideAction(state, request, command.actor, now, 'slack'));
          if (outcome) {
            changed = outcome.changed;
            finding = await actions.getNotifiable(command.findingId);
          }
          if (!finding) throw new ActionConflictError(`finding ${command.findingId} does not exist`);
        } catch (error) {
          if (error instanceof ActionConflictError || error instanceof InvalidParameterError) {
            deps.logger.warn('slack action refused', { findingId: command.findingId, action: command.action, reason: error.message });
            const field = command.action === 'assign' ? 'assignee' : 'reason';
            return (payload as { type?: string }).type === 'view_submission' ? ok({ response_action: 'errors', errors: { [field]: error.message } }) : ok();
          }
          throw error;
        }
        deps.logger.info('slack action applied', { findingId: command.findingId, action: command.action, actor: command.actor, result: changed ? 'applied' : 'unchanged' });
        if (command.message) {
          const f = finding;
          const kind: NotificationKind = f.status === 'SUPPRESSED' ? 'SUPPRESSED' : f.transition === 'REOPENED' || f.transition === 'ESCALATED' ? f.transition : 'OPENED';
          const note =
            command.action === 'acknowledge'
              ? `:eyes: Acknowledged by ${actorMention(command.actor)} ${slackDate(now.toISOString())}`
              : command.action === 'assign'
                ? `Assigned to ${actorMention(command.assignee ?? '')} by ${actorMention(command.actor)}`
                : undefined;
          const consoleUrl = (await deps.consoleUrl(f.id)) ?? fallbackConsoleUrl(f);
          const message = findingMessage({ kind, at: f.statusAt ?? now.toISOString(), finding: f }, { consoleUrl, interactive: true, ...(note ? { statusNote: note } : {}) });
          try {
            await deps.slack.update(command.message, message);
          } catch (error) {
            // The change is recorded; a stale message is not worth a failure shown to the person.
            deps.logger.warn('original message not updated', { findingId: f.id, error: (error as Error).message });
          }
        }
        return ok();
      }
    }
  };
}
