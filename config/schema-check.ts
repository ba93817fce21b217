import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JSONSchema } from '../pipeline/component.js';
import { DURATION_MARK, nanosecondsToDuration } from '../pipeline/duration.js';
import { describeValue, formatChoices, typeWords } from './describe.js';
import { isSecretPath } from './secrets.js';
import { didYouMean, unknownKeyMessage } from './suggest.js';
import { isMap } from './values.js';

/** One validation failure, at a key path relative to the validated value. */
export interface SchemaIssue {
  path: string[];
  message: string;
}

export interface SchemaCheckOptions {
  /** Text of a scalar that expansion typed (see LoadedSources.expandedText), by relative path. */
  expandedText?(path: string[]): string | undefined;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Validates `data` (in place: defaults are filled in) and describes every failure in plain words.
 * Throws when the schema itself does not compile.
 */
export function checkAgainstSchema(schema: JSONSchema, data: unknown, opts: SchemaCheckOptions = {}): SchemaIssue[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  let errors = run(validate, data);
  // Repairs, then validate again: a key written with nothing after it (null) where a map is
  // expected is that map with its defaults (`grpc:` turns gRPC on), as in the Collector;
  // `${env:X}` typed as a number keeps its text where a string is expected, as upstream does;
  // and a bare integer where a duration is expected is nanoseconds, as Go decodes it.
  for (let round = 0; errors.length && round < 5; round++) {
    let changed = false;
    for (const e of errors) {
      if (e.keyword !== 'type') continue;
      const types = typeList(e.params.type);
      const path = pathOf(e.instancePath);
      if (path.length === 0) continue;
      if (e.data === null && types.includes('object')) changed = setAt(data, path, {}) || changed;
      else if (types.includes('string') && typeof e.data !== 'string') {
        const text = opts.expandedText?.(path) ?? durationFromNumber(e);
        if (text !== undefined) changed = setAt(data, path, text) || changed;
      }
    }
    if (!changed) break;
    errors = run(validate, data);
  }
  const seen = new Set<string>();
  return condense(errors).filter((i) => {
    const key = `${i.path.join('\u0000')}\u0001${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A bare integer where a duration is expected: nanoseconds, as upstream decodes it. */
function durationFromNumber(e: ErrorObject): string | undefined {
  return e.parentSchema?.$comment === DURATION_MARK && Number.isSafeInteger(e.data) ? nanosecondsToDuration(e.data as number) : undefined;
}

function run(validate: ValidateFunction, data: unknown): ErrorObject[] {
  return validate(data) ? [] : [...(validate.errors ?? [])];
}

function typeList(t: unknown): string[] {
  return Array.isArray(t) ? t.map(String) : String(t).split(',');
}

function pathOf(instancePath: string): string[] {
  return instancePath === '' ? [] : instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function setAt(root: unknown, path: string[], value: unknown): boolean {
  let cur = root;
  for (const seg of path.slice(0, -1)) cur = Array.isArray(cur) ? cur[Number(seg)] : isMap(cur) ? cur[seg] : undefined;
  const last = path[path.length - 1];
  if (Array.isArray(cur)) cur[Number(last)] = value;
  else if (isMap(cur)) cur[last] = value;
  else return false;
  return true;
}

const isComposite = (e: ErrorObject): boolean => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && !e.params.passingSchemas;
const within = (e: ErrorObject, c: ErrorObject): boolean => e !== c && e.schemaPath.startsWith(`${c.schemaPath}/`);

/**
 * Turns ajv's errors into issues, collapsing anyOf/oneOf cascades: of the alternatives, only
 * the one the value was evidently meant for is reported (the one whose type it has, with the
 * fewest failures); when it has the type of none, a single "expected X or Y" is.
 * Alternatives reached through $ref are not recognised as such and are reported as they are.
 */
function condense(errors: ErrorObject[]): SchemaIssue[] {
  const composites = errors.filter(isComposite);
  const outer = composites.filter((c) => !composites.some((o) => within(c, o)));
  const own = errors.filter((e) => !outer.some((c) => within(e, c)));
  // A value of the wrong type also fails its enum, pattern, bounds...: the type says it all.
  const wrongType = new Set(own.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const out: SchemaIssue[] = [];
  for (const e of own) {
    if (e.keyword === 'if' || (e.keyword !== 'type' && !isComposite(e) && wrongType.has(e.instancePath))) continue;
    if (outer.includes(e)) out.push(...pickAlternative(e, errors.filter((x) => within(x, e))));
    else out.push(toIssue(e));
  }
  return out;
}

function pickAlternative(c: ErrorObject, subs: ErrorObject[]): SchemaIssue[] {
  const branches = new Map<string, ErrorObject[]>();
  for (const e of subs) {
    const idx = e.schemaPath.slice(c.schemaPath.length + 1).split('/')[0];
    branches.set(idx, [...(branches.get(idx) ?? []), e]);
  }
  if (branches.size === 0) return [toIssue(c)];
  // A branch whose own `type` the value lacks was evidently not the one meant.
  const typeMiss = (idx: string, e: ErrorObject): boolean =>
    e.keyword === 'type' && e.instancePath === c.instancePath && e.schemaPath === `${c.schemaPath}/${idx}/type`;
  const viable = [...branches].filter(([idx, errs]) => !errs.some((e) => typeMiss(idx, e)));
  if (viable.length) {
    const [, best] = viable.reduce((a, b) => (b[1].length < a[1].length ? b : a));
    return condense(best);
  }
  const expected: string[] = [];
  for (const [idx, errs] of branches) {
    for (const e of errs) if (typeMiss(idx, e)) expected.push(typeWords(typeList(e.params.type)));
  }
  const path = pathOf(c.instancePath);
  return [{ path, message: `expected ${[...new Set(expected)].join(' or ')}, got ${describeValue(c.data, isSecretPath(path))}` }];
}

function toIssue(e: ErrorObject): SchemaIssue {
  const path = pathOf(e.instancePath);
  const got = describeValue(e.data, isSecretPath(path));
  const p = e.params;
  const parent = e.parentSchema ?? {};
  switch (e.keyword) {
    case 'type':
      return { path, message: `expected ${typeWords(typeList(p.type))}, got ${got}` };
    case 'enum': {
      const allowed = p.allowedValues as unknown[];
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed.filter((a): a is string => typeof a === 'string')) : '';
      return { path, message: `expected one of: ${formatChoices(allowed)}; got ${got}${hint}` };
    }
    case 'const':
      return { path, message: `expected ${formatChoices([p.allowedValue])}, got ${got}` };
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(p.additionalProperty ?? p.unevaluatedProperty);
      const valid = isMap(parent.properties) ? Object.keys(parent.properties) : [];
      return { path: [...path, key], message: unknownKeyMessage(key, valid) };
    }
    case 'required':
      return { path, message: `missing required key "${p.missingProperty}"` };
    case 'dependencies':
    case 'dependentRequired':
      return { path, message: `key "${p.property}" also requires key "${p.missingProperty}"` };
    case 'pattern': {
      const what = typeof parent.description === 'string' ? parent.description : `text matching /${p.pattern}/`;
      return { path, message: `expected ${what}; got ${got}` };
    }
    case 'format':
      return { path, message: `expected a valid ${p.format}; got ${got}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const bound = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'greater than', exclusiveMaximum: 'less than' }[e.keyword];
      return { path, message: `must be ${bound} ${p.limit}, got ${got}` };
    }
    case 'minLength':
      return { path, message: p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long` };
    case 'maxLength':
      return { path, message: `must be at most ${p.limit} characters long` };
    case 'minItems':
      return { path, message: p.limit === 1 ? 'must not be an empty list' : `must list at least ${p.limit} items` };
    case 'maxItems':
      return { path, message: `must list at most ${p.limit} items` };
    case 'minProperties':
      return { path, message: p.limit === 1 ? 'must not be an empty map' : `must have at least ${p.limit} keys` };
    case 'maxProperties':
      return { path, message: `must have at most ${p.limit} keys` };
    case 'uniqueItems':
      return { path, message: `must not list the same item twice (items ${p.j} and ${p.i} are equal)` };
    case 'multipleOf':
      return { path, message: `must be a multiple of ${p.multipleOf}, got ${got}` };
    case 'propertyNames':
      return { path: [...path, String(p.propertyName)], message: `key "${p.propertyName}" is not allowed here` };
    case 'not':
      return { path, message: `this value is not allowed here: ${got}` };
    case 'anyOf':
    case 'oneOf':
      return { path, message: p.passingSchemas ? 'matches more than one of the allowed forms; it must match exactly one' : 'does not match any of the allowed forms' };
    default:
      return { path, message: e.message ?? `fails the "${e.keyword}" rule` };
  }
}
