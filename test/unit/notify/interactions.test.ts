import { describe, expect, it } from 'vitest';
import { interpretInteraction } from '../../../functions/shared/core/notify/interactions.js';

const NOW = new Date('2026-01-05T10:00:00.000Z');
const FINDING = '0123456789abcdef0123456789abcdef';
const blockAction = (action_id: string, value = FINDING) => ({
  type: 'block_actions',
  user: { id: 'U024BE7LH', username: 'ana' },
  trigger_id: '13345224609.738474920.8088930838d88f008e0',
  container: { type: 'message', channel_id: 'C123', message_ts: '1700000000.000100' },
  actions: [{ action_id, value, type: 'button' }],
});
const submission = (callback_id: string, metadata: object, values: object) => ({
  type: 'view_submission',
  user: { id: 'U024BE7LH' },
  view: { callback_id, private_metadata: JSON.stringify(metadata), state: { values } },
});

describe('notify: Slack interactions', () => {
  it('Acknowledge applies at once, by the Slack user, and remembers the message to update', () => {
    expect(interpretInteraction(blockAction('vigil.acknowledge'), NOW)).toEqual({
      kind: 'apply',
      action: 'acknowledge',
      findingId: FINDING,
      actor: 'slack:U024BE7LH',
      reason: 'Acknowledged in Slack',
      message: { channel: 'C123', ts: '1700000000.000100' },
    });
  });

  it('Suppress opens a modal asking for a reason; the submission needs one', () => {
    const open = interpretInteraction(blockAction('vigil.suppress.30d'), NOW);
    expect(open).toMatchObject({ kind: 'open-modal', triggerId: '13345224609.738474920.8088930838d88f008e0', view: { callback_id: 'vigil.suppress', title: { text: 'Suppress 30 days' } } });
    const metadata = JSON.parse(open.kind === 'open-modal' ? open.view.private_metadata : '{}');
    expect(metadata).toEqual({ findingId: FINDING, days: 30, channel: 'C123', ts: '1700000000.000100' });

    expect(interpretInteraction(submission('vigil.suppress', metadata, { reason: { reason: { type: 'plain_text_input', value: '  ' } } }), NOW)).toMatchObject({ kind: 'invalid-submission', errors: { reason: expect.stringMatching(/at least 3/) } });
    expect(interpretInteraction(submission('vigil.suppress', metadata, { reason: { reason: { type: 'plain_text_input', value: 'sandbox account, closed Friday' } } }), NOW)).toEqual({
      kind: 'apply',
      action: 'suppress',
      findingId: FINDING,
      actor: 'slack:U024BE7LH',
      reason: 'sandbox account, closed Friday',
      until: '2026-02-04T10:00:00.000Z',
      message: { channel: 'C123', ts: '1700000000.000100' },
    });
  });

  it('Assign opens a user picker; the submission names the assignee', () => {
    const open = interpretInteraction(blockAction('vigil.assign'), NOW);
    expect(open).toMatchObject({ kind: 'open-modal', view: { callback_id: 'vigil.assign' } });
    const metadata = JSON.parse(open.kind === 'open-modal' ? open.view.private_metadata : '{}');
    expect(interpretInteraction(submission('vigil.assign', metadata, { assignee: { assignee: { type: 'users_select', selected_user: 'U0G9QF9C6' } }, note: { note: { type: 'plain_text_input', value: null } } }), NOW)).toMatchObject({
      kind: 'apply',
      action: 'assign',
      assignee: 'slack:U0G9QF9C6',
      reason: 'Assigned in Slack',
    });
    expect(interpretInteraction(submission('vigil.assign', metadata, { assignee: { assignee: { type: 'users_select', selected_user: null } } }), NOW)).toMatchObject({ kind: 'invalid-submission' });
  });

  it('ignores what it does not know, with a reason', () => {
    expect(interpretInteraction(blockAction('vigil.other'), NOW)).toMatchObject({ kind: 'ignore' });
    expect(interpretInteraction(blockAction('vigil.acknowledge', 'not-a-finding'), NOW)).toMatchObject({ kind: 'ignore' });
    expect(interpretInteraction({ type: 'shortcut' }, NOW)).toMatchObject({ kind: 'ignore' });
    expect(interpretInteraction(submission('vigil.suppress', { findingId: '../x' }, {}), NOW)).toMatchObject({ kind: 'ignore' });
  });
});
