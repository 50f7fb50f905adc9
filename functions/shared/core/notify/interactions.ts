import * as z from 'zod';
import { ACTIONS, clipPlain, type Block, type PlainText } from './slack-blocks.js';

/** A modal as views.open takes it. */
export interface SlackView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit: PlainText;
  close: PlainText;
  private_metadata: string;
  blocks: Block[];
}

export type FindingActionName = 'acknowledge' | 'suppress' | 'assign';

/** Where the message with the buttons is, so it can be updated after the change. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** What a Slack interaction asks Vigil to do. */
export type InteractionCommand =
  | {
      kind: 'apply';
      action: FindingActionName;
      findingId: string;
      actor: string;
      reason?: string;
      until?: string;
      assignee?: string;
      message?: MessageRef;
    }
  | { kind: 'open-modal'; triggerId: string; view: SlackView }
  | { kind: 'invalid-submission'; errors: Record<string, string> }
  | { kind: 'ignore'; reason: string };

/** A reason long enough to mean something to the next person reading the history. */
export const MIN_REASON_LENGTH = 3;
export const MAX_REASON_LENGTH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

const User = z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() });

const BlockActions = z.object({
  type: z.literal('block_actions'),
  user: User,
  trigger_id: z.string().min(1),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  channel: z.object({ id: z.string() }).optional(),
  message: z.object({ ts: z.string() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
});

const StateValue = z.object({ type: z.string(), value: z.string().nullish(), selected_user: z.string().nullish() });

const ViewSubmission = z.object({
  type: z.literal('view_submission'),
  user: User,
  view: z.object({
    callback_id: z.string(),
    private_metadata: z.string(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), StateValue)) }),
  }),
});

const ModalMetadata = z.object({
  findingId: z.string().min(1),
  days: z.number().int().positive().optional(),
  channel: z.string().optional(),
  ts: z.string().optional(),
});

const FINDING_ID = /^[0-9a-f]{32}$/;

/**
 * Turns a Slack interaction payload (the `payload` form field, parsed) into a command:
 *
 * - Acknowledge applies at once;
 * - Suppress 7 / 30 days opens a modal that requires a reason;
 * - Assign opens a modal with a user picker;
 * - a submitted modal applies the change (or returns field errors when the reason is missing).
 *
 * Pure; `now` decides when a suppression ends.
 */
export function interpretInteraction(payload: unknown, now: Date): InteractionCommand {
  const type = (payload as { type?: unknown } | null)?.type;
  if (type === 'block_actions') {
    const parsed = BlockActions.safeParse(payload);
    if (!parsed.success) return { kind: 'ignore', reason: 'malformed block_actions payload' };
    const p = parsed.data;
    const action = p.actions[0]!;
    const findingId = action.value ?? '';
    if (!FINDING_ID.test(findingId)) return { kind: 'ignore', reason: `action ${action.action_id} carries no finding id` };
    const channel = p.container?.channel_id ?? p.channel?.id;
    const ts = p.container?.message_ts ?? p.message?.ts;
    const message = channel && ts ? { channel, ts } : undefined;
    const actor = `slack:${p.user.id}`;
    switch (action.action_id) {
      case ACTIONS.acknowledge:
        return { kind: 'apply', action: 'acknowledge', findingId, actor, reason: 'Acknowledged in Slack', ...(message ? { message } : {}) };
      case ACTIONS.suppress7:
      case ACTIONS.suppress30:
        return { kind: 'open-modal', triggerId: p.trigger_id, view: suppressModal(findingId, action.action_id === ACTIONS.suppress7 ? 7 : 30, message) };
      case ACTIONS.assign:
        return { kind: 'open-modal', triggerId: p.trigger_id, view: assignModal(findingId, message) };
      default:
        return { kind: 'ignore', reason: `unknown action ${action.action_id}` };
    }
  }
  if (type === 'view_submission') {
    const parsed = ViewSubmission.safeParse(payload);
    if (!parsed.success) return { kind: 'ignore', reason: 'malformed view_submission payload' };
    const p = parsed.data;
    let meta: z.infer<typeof ModalMetadata>;
    try {
      const m = ModalMetadata.safeParse(JSON.parse(p.view.private_metadata));
      if (!m.success || !FINDING_ID.test(m.data.findingId)) return { kind: 'ignore', reason: 'modal metadata names no finding' };
      meta = m.data;
    } catch {
      return { kind: 'ignore', reason: 'modal metadata is not JSON' };
    }
    const values = p.view.state.values;
    const message = meta.channel && meta.ts ? { message: { channel: meta.channel, ts: meta.ts } } : {};
    const actor = `slack:${p.user.id}`;
    if (p.view.callback_id === 'vigil.suppress') {
      const reason = (values.reason?.reason?.value ?? '').trim();
      if (reason.length < MIN_REASON_LENGTH) return { kind: 'invalid-submission', errors: { reason: `Say why (at least ${MIN_REASON_LENGTH} characters): the reason is kept in the finding's history.` } };
      const days = meta.days ?? 7;
      return { kind: 'apply', action: 'suppress', findingId: meta.findingId, actor, reason: reason.slice(0, MAX_REASON_LENGTH), until: new Date(now.getTime() + days * DAY_MS).toISOString(), ...message };
    }
    if (p.view.callback_id === 'vigil.assign') {
      const user = values.assignee?.assignee?.selected_user;
      if (!user) return { kind: 'invalid-submission', errors: { assignee: 'Pick the person who takes it.' } };
      const note = (values.note?.note?.value ?? '').trim();
      return { kind: 'apply', action: 'assign', findingId: meta.findingId, actor, assignee: `slack:${user}`, reason: note ? note.slice(0, MAX_REASON_LENGTH) : 'Assigned in Slack', ...message };
    }
    return { kind: 'ignore', reason: `unknown modal ${p.view.callback_id}` };
  }
  return { kind: 'ignore', reason: `interaction type ${String(type)} is not handled` };
}

const text = (t: string, max = 24): PlainText => ({ type: 'plain_text', text: clipPlain(t, max), emoji: true });

/** The modal that asks why a finding is suppressed. */
export function suppressModal(findingId: string, days: number, message?: MessageRef): SlackView {
  return {
    type: 'modal',
    callback_id: 'vigil.suppress',
    title: text(`Suppress ${days} days`),
    submit: text('Suppress'),
    close: text('Cancel'),
    private_metadata: JSON.stringify({ findingId, days, ...(message ? { channel: message.channel, ts: message.ts } : {}) }),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Finding \`${findingId}\` will not be announced for ${days} days. It is still recorded, and it is announced when it resolves.` } },
      {
        type: 'input',
        block_id: 'reason',
        label: text('Reason', 2000),
        element: { type: 'plain_text_input', action_id: 'reason', multiline: true, min_length: MIN_REASON_LENGTH, max_length: MAX_REASON_LENGTH, placeholder: text('Why is this acceptable for now?', 150) },
        hint: text('Kept in the finding’s history with your name.', 2000),
      },
    ],
  };
}

/** The modal that picks who takes a finding. */
export function assignModal(findingId: string, message?: MessageRef): SlackView {
  return {
    type: 'modal',
    callback_id: 'vigil.assign',
    title: text('Assign finding'),
    submit: text('Assign'),
    close: text('Cancel'),
    private_metadata: JSON.stringify({ findingId, ...(message ? { channel: message.channel, ts: message.ts } : {}) }),
    blocks: [
      { type: 'input', block_id: 'assignee', label: text('Assignee', 2000), element: { type: 'users_select', action_id: 'assignee', placeholder: text('Pick a person', 150) } },
      { type: 'input', block_id: 'note', optional: true, label: text('Note', 2000), element: { type: 'plain_text_input', action_id: 'note', multiline: true, max_length: MAX_REASON_LENGTH } },
    ],
  };
}
