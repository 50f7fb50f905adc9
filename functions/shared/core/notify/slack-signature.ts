import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old a request may be: Slack's own recommendation, five minutes. */
export const SLACK_SIGNATURE_TOLERANCE_SECONDS = 300;

export interface SignedRequest {
  /** `X-Slack-Request-Timestamp`: seconds since the epoch. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=<hex HMAC-SHA256>`. */
  signature: string | undefined;
  /** The raw body exactly as received (before any form decoding). */
  body: string;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing-headers' | 'stale-timestamp' | 'bad-signature' };

/** `v0=` + HMAC-SHA256 of `v0:<timestamp>:<body>` keyed with the app's signing secret. */
export function slackSignature(signingSecret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/**
 * Verifies a request from Slack ("Verifying requests from Slack"): the timestamp within
 * five minutes of `now` either way (replay protection), then the v0 signature, compared
 * in constant time.
 */
export function verifySlackSignature(request: SignedRequest, signingSecret: string, now: Date, toleranceSeconds = SLACK_SIGNATURE_TOLERANCE_SECONDS): SignatureCheck {
  const { timestamp, signature } = request;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing-headers' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return { ok: false, reason: 'stale-timestamp' };
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, request.body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  return { ok: true };
}
