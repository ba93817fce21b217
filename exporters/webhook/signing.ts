/**
 * HMAC-SHA256 signatures: of webhook bodies (with a timestamp, so a captured request cannot be
 * replayed later) and of ack/resolve links (expiring, single use through their nonce).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-summit-signature';
export const TIMESTAMP_HEADER = 'x-summit-timestamp';

/** `sha256=HEX` of `TIMESTAMP.BODY`, the timestamp in Unix seconds (as Stripe and Slack sign). */
export function signBody(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** Checks a webhook signature and that its timestamp is within `toleranceSeconds` of `nowSeconds`. */
export function verifyBody(secret: string, timestampSeconds: number, body: string, signature: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  if (!Number.isFinite(timestampSeconds) || Math.abs(nowSeconds - timestampSeconds) > toleranceSeconds) return false;
  return constantTimeEqual(signBody(secret, timestampSeconds, body), signature);
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type IncidentAction = 'ack' | 'resolve';

export interface ActionToken {
  action: IncidentAction;
  incident: number;
  /** Expiry, ms since the epoch. */
  exp: number;
  nonce: string;
}

function tokenMac(secret: string, t: ActionToken): string {
  return createHmac('sha256', secret).update(`${t.action}\u0000${t.incident}\u0000${t.exp}\u0000${t.nonce}`).digest('base64url');
}

/** The query string of a signed link: `exp`, `nonce`, `sig`. */
export function signActionQuery(secret: string, action: IncidentAction, incident: number, exp: number): string {
  const nonce = randomBytes(16).toString('base64url');
  const sig = tokenMac(secret, { action, incident, exp, nonce });
  return new URLSearchParams({ exp: String(exp), nonce, sig }).toString();
}

/** Why a link is refused, or undefined when its signature is good and it has not expired (single use is the caller's check). */
export function checkActionToken(secret: string, t: ActionToken, sig: string, now: number): string | undefined {
  if (!constantTimeEqual(tokenMac(secret, t), sig)) return 'bad signature';
  if (!(now < t.exp)) return 'link expired';
  return undefined;
}
