import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '../../../functions/shared/core/notify/slack-signature.js';

// The example of Slack's "Verifying requests from Slack" guide.
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const TIMESTAMP = '1531420618';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT = new Date(Number(TIMESTAMP) * 1000 + 30_000);

describe('notify: Slack request signatures', () => {
  it('computes Slack’s documented example signature', () => {
    expect(slackSignature(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it('accepts a valid signature within five minutes', () => {
    expect(verifySlackSignature({ timestamp: TIMESTAMP, signature: SIGNATURE, body: BODY }, SECRET, AT)).toEqual({ ok: true });
  });

  it('refuses a stale timestamp (replay), even with a valid signature', () => {
    const late = new Date(Number(TIMESTAMP) * 1000 + 301_000);
    expect(verifySlackSignature({ timestamp: TIMESTAMP, signature: SIGNATURE, body: BODY }, SECRET, late)).toEqual({ ok: false, reason: 'stale-timestamp' });
    const early = new Date(Number(TIMESTAMP) * 1000 - 301_000);
    expect(verifySlackSignature({ timestamp: TIMESTAMP, signature: SIGNATURE, body: BODY }, SECRET, early)).toEqual({ ok: false, reason: 'stale-timestamp' });
  });

  it('refuses a wrong signature, a changed body and another secret', () => {
    expect(verifySlackSignature({ timestamp: TIMESTAMP, signature: SIGNATURE.replace(/.$/, '0'), body: BODY }, SECRET, AT)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackSignature({ timestamp: TIMESTAMP, signature: SIGNATURE, body: `${BODY}&x=1` }, SECRET, AT)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackSignature({ timestamp: TIMESTAMP, signature: SIGNATURE, body: BODY }, 'another-secret', AT)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySlackSignature({ timestamp: TIMESTAMP, signature: 'v0=short', body: BODY }, SECRET, AT)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses requests without the headers', () => {
    expect(verifySlackSignature({ timestamp: undefined, signature: SIGNATURE, body: BODY }, SECRET, AT)).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifySlackSignature({ timestamp: TIMESTAMP, signature: undefined, body: BODY }, SECRET, AT)).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifySlackSignature({ timestamp: 'yesterday', signature: SIGNATURE, body: BODY }, SECRET, AT)).toEqual({ ok: false, reason: 'missing-headers' });
  });
});
