import type { Attributes } from '../../../pipeline/model.js';
import type { DetectContext } from './detector.js';

/**
 * OTEL_RESOURCE_ATTRIBUTES: `key=value` pairs separated by commas, values percent-encoded (W3C
 * Baggage octets), as the SDK specification defines it. A malformed list is an error naming the
 * pair, and nothing of it is used.
 */
export async function detectEnv(ctx: DetectContext): Promise<Attributes> {
  const out: Attributes = new Map();
  const raw = ctx.environment.env.OTEL_RESOURCE_ATTRIBUTES?.trim();
  if (!raw) return out;
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (!key) throw new Error(`OTEL_RESOURCE_ATTRIBUTES: "${pair}" is not key=value`);
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw new Error(`OTEL_RESOURCE_ATTRIBUTES: the value of "${key}" is not valid percent-encoding`);
    }
    out.set(key, value);
  }
  return out;
}
