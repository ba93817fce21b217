/**
 * Applies the redaction config to a batch in place: upstream's key and value policy to every
 * attribute map and log body, then Summit's detectors and data scrubbing to what is left,
 * recursing into kvlists and arrays (a Sentry event in a `sentry.event` log body included).
 */
import { anyValueAsString } from '../../pipeline/anyvalue.js';
import { Lru } from '../../pipeline/lru.js';
import { SENTRY_EVENT_NAME } from '../../pipeline/exceptions/issues.js';
import type { AnyValue, Attributes, LogRecord, Logs, Metrics, Span, Traces } from '../../pipeline/model.js';
import type { RedactionConfig, Summary } from './config.js';
import { anyMayMatch, isInertText, keyRuleFor, scrubText, scrubTextWithTraits, type KeyRule, type RuleGroup, type ScrubbingGroup, type TextRule } from './detectors.js';
import { redactText } from './methods.js';
import { FILTERED, textTraits } from './rules.js';
import { isCookieJar, isCookieText, isIpField, isMessage, isScrubbingExempt, SENSITIVE_COOKIES } from './sentry-paths.js';
import { newChangeLog, resetChangeLog, writeSummary, type ChangeLog } from './summary.js';
import { UpstreamPolicy } from './upstream-policy.js';
import { clusterUrl, sanitizedSpanName } from './url-sanitizer.js';

/** The value is to be deleted (its attribute or kvlist entry goes; in an array it becomes empty). */
const REMOVE = Symbol('remove');
/** No key rule named the value: look inside it. */
const NOT_KEYED = Symbol('not keyed');
/** undefined = unchanged; a value = the new value (a container changed in place is returned as itself). */
type Outcome = AnyValue | typeof REMOVE | undefined;

/** Everything decided by a key's name alone, worked out once per distinct key. */
interface KeyInfo {
  ignored: boolean;
  notAllowed: boolean;
  blocked: boolean;
  urlAttribute: boolean;
  explicitRule: KeyRule | undefined;
  scrubRule: KeyRule | undefined;
  excluded: boolean;
}

/**
 * Keys and strings up to this length have their decisions remembered, keys up to this many
 * (then the memory starts over) and strings in a cache keeping the used ones (between
 * TEXT_CACHE_SIZE and twice that), so hostile keys and values cannot grow them. Events carry
 * unique strings (ids, times) beside the repeated ones: starting over would forget the
 * repeated ones too.
 */
const CACHED_TEXT_LENGTH = 256;
const KEY_CACHE_LIMIT = 8192;
const TEXT_CACHE_SIZE = 8192;

export class Redactor {
  private readonly policy: UpstreamPolicy;
  private readonly summary: Summary;
  private readonly urlAttributes: ReadonlySet<string>;
  private readonly sanitizeSpanNames: boolean;
  private readonly sanitizeBodies: boolean;
  private readonly keys = new Map<string, KeyInfo>();
  /** Keys from the body's root to the value being looked at; array items are `[i]` segments. */
  private readonly path: string[] = [];
  private readonly bodyLog: ChangeLog = newChangeLog();
  /** While walking a log body: upstream's key checks apply at every depth, changes are logged. */
  private inBody = false;
  private inSentryEvent = false;
  /** > 0 inside a subtree the data scrubbing leaves alone (exclude_fields, Sentry's exempt fields). */
  private exempt = 0;
  /** The detectors' text rules followed by the data scrubbing's: one pass over a string's traits. */
  private readonly allText: readonly TextRule[];
  /** Remembered results of the text rules, by string: the detectors' alone, and with the data scrubbing's. */
  private readonly explicitVerdicts = new Lru<string | null>(TEXT_CACHE_SIZE);
  private readonly allVerdicts = new Lru<string | null>(TEXT_CACHE_SIZE);

  constructor(
    config: RedactionConfig,
    private readonly explicit: RuleGroup,
    private readonly scrubbing: ScrubbingGroup | undefined,
  ) {
    this.policy = new UpstreamPolicy(config);
    this.allText = [...explicit.text, ...(scrubbing?.text ?? [])];
    this.summary = config.summary;
    const url = config.url_sanitizer;
    this.urlAttributes = new Set(url.enabled ? url.attributes : []);
    this.sanitizeSpanNames = url.enabled && url.sanitize_span_name;
    this.sanitizeBodies = url.enabled && url.sanitize_log_body;
  }

  traces(data: Traces): void {
    for (const rs of data.resourceSpans) {
      this.attributes(rs.resource.attributes);
      for (const ss of rs.scopeSpans) {
        this.attributes(ss.scope.attributes);
        for (const span of ss.spans) {
          this.attributes(span.attributes);
          for (const event of span.events) this.attributes(event.attributes);
          for (const link of span.links) this.attributes(link.attributes);
          this.spanText(span);
        }
      }
    }
  }

  logs(data: Logs): void {
    for (const rl of data.resourceLogs) {
      this.attributes(rl.resource.attributes);
      for (const sl of rl.scopeLogs) {
        this.attributes(sl.scope.attributes);
        for (const record of sl.logRecords) {
          this.attributes(record.attributes);
          this.body(record);
        }
      }
    }
  }

  metrics(data: Metrics): void {
    for (const rm of data.resourceMetrics) {
      this.attributes(rm.resource.attributes);
      for (const sm of rm.scopeMetrics) {
        this.attributes(sm.scope.attributes);
        for (const metric of sm.metrics) for (const dp of metric.data.dataPoints as { attributes: Attributes }[]) this.attributes(dp.attributes);
      }
    }
  }

  /** Upstream's processAttrs, then the detectors on each value it kept. */
  private attributes(attrs: Attributes): void {
    if (attrs.size === 0) return;
    let redacted: string[] | undefined;
    let masked: string[] | undefined;
    let allowed: string[] | undefined;
    let ignored = 0;
    for (const [key, v] of attrs) {
      const info = this.info(key);
      if (info.ignored) {
        ignored++;
        continue;
      }
      if (info.notAllowed) {
        attrs.delete(key);
        (redacted ??= []).push(key);
        continue;
      }
      // upstream reads non-strings as "" unless redact_all_types
      const str = typeof v === 'string' ? v : this.policy.redactAllTypes ? anyValueAsString(v) : '';
      if (this.policy.isAllowedValue(str)) {
        (allowed ??= []).push(key);
        continue;
      }
      if (info.blocked) {
        attrs.set(key, this.policy.maskWhole(str));
        (masked ??= []).push(key);
        continue;
      }
      let text = this.policy.maskBlockedValues(str);
      if (info.urlAttribute && text !== '') text = clusterUrl(text);
      let value: AnyValue = text === str ? v : text;
      const outcome = this.entry(key, value, info);
      if (outcome === REMOVE) {
        attrs.delete(key);
        (redacted ??= []).push(key);
        continue;
      }
      if (outcome !== undefined) value = outcome;
      if (value !== v || outcome !== undefined) {
        attrs.set(key, value);
        (masked ??= []).push(key);
      }
    }
    if (this.summary !== 'silent' && (redacted || masked || allowed || ignored)) {
      writeSummary(this.summary, attrs, { redacted, masked, allowed, ignored }, 'redaction.');
    }
  }

  /** Upstream's processLogBody: kvlists and arrays walked with the key checks at every depth, summary as `redaction.body.*`. */
  private body(record: LogRecord): void {
    const body = record.body;
    if (body === null) return;
    const log = this.bodyLog;
    resetChangeLog(log);
    this.inBody = true;
    this.inSentryEvent = record.eventName === SENTRY_EVENT_NAME;
    try {
      if (body instanceof Map) this.walkMap(body);
      else if (Array.isArray(body)) this.walkArray(body);
      else {
        const str = anyValueAsString(body);
        if (this.policy.isAllowedValue(str)) return; // upstream returns before writing a summary here
        const out = this.leaf(body, true);
        if (out === undefined) return;
        record.body = out as AnyValue;
        (log.masked ??= []).push('body');
      }
    } finally {
      this.inBody = false;
      this.inSentryEvent = false;
    }
    if (this.summary !== 'silent') writeSummary(this.summary, record.attributes, log, 'redaction.body.');
  }

  private spanText(span: Span): void {
    if (this.policy.isAllowedValue(span.name)) return;
    if (this.sanitizeSpanNames) {
      const name = sanitizedSpanName(span);
      if (name !== undefined) span.name = name;
    }
    const name = this.text(span.name, false);
    if (name !== undefined) span.name = name;
    const message = this.text(span.status.message, false);
    if (message !== undefined) span.status.message = message;
  }

  private info(key: string): KeyInfo {
    let info = this.keys.get(key);
    if (info !== undefined) return info;
    info = {
      ignored: this.policy.isIgnored(key),
      notAllowed: this.policy.isNotAllowed(key),
      blocked: this.policy.isBlockedKey(key),
      urlAttribute: this.urlAttributes.has(key),
      explicitRule: isUsageCount(key) ? undefined : keyRuleFor(key, this.explicit.keys),
      scrubRule: this.scrubbing && !isUsageCount(key) ? keyRuleFor(key, this.scrubbing.keys) : undefined,
      excluded: this.scrubbing?.exclude.has(key.toLowerCase()) ?? false,
    };
    if (key.length <= CACHED_TEXT_LENGTH) {
      if (this.keys.size >= KEY_CACHE_LIMIT) this.keys.clear();
      this.keys.set(key, info);
    }
    return info;
  }

  /** A kvlist entry or attribute: the key rules first, else what the value holds. */
  private entry(key: string, v: AnyValue, info: KeyInfo): Outcome {
    const keyed = this.keyed(key, v, info);
    if (keyed !== NOT_KEYED) return keyed;
    const exempt = info.excluded || (this.inSentryEvent && isScrubbingExempt(this.path, key));
    const cookies = this.inSentryEvent && typeof v === 'string' && isCookieText(this.path, key);
    const message = this.inSentryEvent && isMessage(this.path, key);
    if (exempt) this.exempt++;
    this.path.push(key);
    try {
      if (v instanceof Map) return this.walkMap(v);
      if (Array.isArray(v)) return this.walkArray(v);
      if (cookies) {
        const filtered = this.cookieText(v as string);
        return this.leaf(filtered ?? v, false) ?? filtered;
      }
      return this.leaf(v, message);
    } finally {
      this.path.pop();
      if (exempt) this.exempt--;
    }
  }

  /** What the key's name alone decides: a key rule, or a field Sentry's scrubbing knows by its place. */
  private keyed(key: string, v: AnyValue, info: KeyInfo): Outcome | typeof NOT_KEYED {
    if (typeof v === 'boolean' || v === null || (typeof v === 'string' && isInertText(v))) return NOT_KEYED;
    if (info.explicitRule) return applyKeyRule(info.explicitRule, v);
    const s = this.scrubbing;
    if (s === undefined || this.exempt > 0 || info.excluded) return NOT_KEYED;
    if (info.scrubRule) return applyKeyRule(info.scrubRule, v);
    if (this.inSentryEvent) {
      if (s.removeIpFields && isIpField(this.path, key)) return REMOVE;
      if (s.filterCookies && isCookieJar(this.path) && SENSITIVE_COOKIES.has(key.toLowerCase())) return FILTERED;
    } else {
      if (s.removeIpFields && key === 'client.address') return REMOVE;
      if (s.filterCookies && key === 'http.request.header.cookie') return FILTERED;
    }
    return NOT_KEYED;
  }

  private walkMap(map: Map<string, AnyValue>): Outcome {
    let changed = false;
    for (const [key, v] of map) {
      const info = this.info(key);
      if (this.inBody) {
        if (info.ignored) {
          this.bodyLog.ignored++;
          continue;
        }
        if (info.notAllowed) {
          map.delete(key);
          this.logChange('redacted', key);
          changed = true;
          continue;
        }
        if (info.blocked) {
          map.set(key, this.policy.maskWhole(typeof v === 'string' ? v : ''));
          this.logChange('masked', key);
          changed = true;
          continue;
        }
      }
      const out = this.entry(key, v, info);
      if (out === undefined) continue;
      changed = true;
      if (out === REMOVE) {
        map.delete(key);
        this.logChange('redacted', key);
      } else if (out !== v) {
        map.set(key, out);
        this.logChange('masked', key);
      }
    }
    return changed ? map : undefined;
  }

  private walkArray(list: AnyValue[]): Outcome {
    let changed = false;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      this.path.push(this.inBody && this.summary === 'debug' ? `[${i}]` : '[]');
      try {
        const out = isPair(item) ? this.pair(item) : this.item(item);
        if (out === undefined) continue;
        changed = true;
        if (out !== item) {
          list[i] = out === REMOVE ? null : out;
          this.logChange('masked', undefined);
        }
      } finally {
        this.path.pop();
      }
    }
    return changed ? list : undefined;
  }

  private item(v: AnyValue): Outcome {
    if (v instanceof Map) return this.walkMap(v);
    if (Array.isArray(v)) return this.walkArray(v);
    return this.leaf(v, false);
  }

  /** Relay reads a two-item array with a string first as a `[key, value]` pair (headers, cookies, query strings, tags). */
  private pair(pair: AnyValue[]): Outcome {
    const name = this.leaf(pair[0], false);
    const key = pair[0] as string;
    const value = this.entry(key, pair[1], this.info(key));
    if (name === undefined && value === undefined) return undefined;
    if (name !== undefined && name !== REMOVE) {
      pair[0] = name;
      this.logChange('masked', undefined);
    }
    if (value !== undefined && value !== pair[1]) {
      pair[1] = value === REMOVE ? null : value;
      this.logChange('masked', key);
    }
    return pair;
  }

  /** A scalar: upstream's allowed and blocked values (in a body), then the detectors' text rules. */
  private leaf(v: AnyValue, message: boolean): Outcome {
    let value = v;
    if (this.inBody && (this.policy.checksValues || this.sanitizeBodies)) {
      const str = anyValueAsString(v);
      if (this.policy.isAllowedValue(str)) {
        this.logChange('allowed', undefined);
        return undefined;
      }
      let text = this.policy.maskBlockedValues(str);
      if (this.sanitizeBodies && text !== '') text = clusterUrl(text);
      if (text !== str) value = text;
    }
    let text: string | undefined;
    if (typeof value === 'string') text = this.text(value, message);
    else if ((typeof value === 'bigint' || typeof value === 'number') && this.policy.redactAllTypes) text = this.text(anyValueAsString(value), message);
    if (text !== undefined) value = text;
    return value === v ? undefined : value;
  }

  /** The detectors' text rules, then (outside exempt fields) the data scrubbing's. */
  private text(s: string, message: boolean): string | undefined {
    if (this.exempt > 0 || this.scrubbing === undefined) return this.cached(this.explicitVerdicts, s, this.explicit.text);
    const out = this.cached(this.allVerdicts, s, this.allText);
    if (!message) return out;
    return scrubText(out ?? s, this.scrubbing.message) ?? out;
  }

  /**
   * scrubText, remembered for short strings: telemetry repeats its values (routes, methods,
   * frame names, source lines), and a remembered verdict costs one lookup instead of a scan and
   * several regexps. `null` remembers "unchanged".
   */
  private cached(verdicts: Lru<string | null>, s: string, rules: readonly TextRule[]): string | undefined {
    if (s.length > CACHED_TEXT_LENGTH) return scrubText(s, rules);
    if (rules.length === 0 || isInertText(s)) return undefined;
    // One pass over the characters rules out every rule for most strings (frame names, paths,
    // ids): cheaper than the cache's lookup, which hashes the string, and nothing to remember.
    const traits = textTraits(s);
    if (!anyMayMatch(traits, rules)) return undefined;
    const known = verdicts.get(s);
    if (known !== undefined) return known ?? undefined;
    const out = scrubTextWithTraits(s, traits, rules);
    verdicts.set(s, out ?? null);
    return out;
  }

  /** `a=1; session=...`: each cookie judged by its name, as Relay does once it has parsed the Cookie header. */
  private cookieText(text: string): string | undefined {
    let changed = false;
    const parts = text.split(';').map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0) return part;
      const name = part.slice(0, eq).trim();
      const info = this.info(name);
      const rule = info.explicitRule ?? (this.scrubbing && this.exempt === 0 ? info.scrubRule : undefined);
      const value = part.slice(eq + 1);
      let out: string | undefined;
      if (rule) out = rule.method === 'remove' ? '' : redactText(value, rule.method, rule.text);
      else if (this.scrubbing?.filterCookies && this.exempt === 0 && SENSITIVE_COOKIES.has(name.toLowerCase())) out = FILTERED;
      if (out === undefined || out === value) return part;
      changed = true;
      return `${part.slice(0, eq + 1)}${out}`;
    });
    return changed ? parts.join(';') : undefined;
  }

  private logChange(kind: 'redacted' | 'masked' | 'allowed', key: string | undefined): void {
    if (!this.inBody || this.summary === 'silent') return;
    const path = this.summary === 'debug' ? (key === undefined ? this.pathText() : this.path.length ? `${this.pathText()}.${key}` : key) : '';
    (this.bodyLog[kind] ??= []).push(path);
  }

  private pathText(): string {
    return this.path.join('.');
  }
}

/**
 * `gen_ai.usage.input_tokens` and its kin count tokens, they are none: Sentry keeps them out of
 * its default scrubbing (`pii = "maybe"` in Relay's span schema) so `token` in the name does not
 * erase them.
 */
function isUsageCount(key: string): boolean {
  return key.startsWith('gen_ai.usage.');
}

function isPair(v: AnyValue): v is AnyValue[] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string';
}

/** A value whose key names a secret: removed, or redacted whole (a kvlist or array as its JSON text). */
function applyKeyRule(rule: KeyRule, v: AnyValue): Outcome {
  if (rule.method === 'remove') return REMOVE;
  return redactText(typeof v === 'string' ? v : anyValueAsString(v), rule.method, rule.text);
}
