/** Upstream's transformer operators: move, add, remove, copy, flatten, retain, filter, router, noop. */
import type { Entry, Fields } from './entry.js';
import { compileExpr } from './expr.js';
import { deleteField, getField, parseField, setField } from './field.js';
import type { OperatorBuilder } from './operator-types.js';

function required(c: Record<string, unknown>, key: string): string {
  const v = c[key];
  if (typeof v !== 'string' || v === '') throw new Error(`missing required field "${key}"`);
  return v;
}

const move: OperatorBuilder = (c) => {
  const from = parseField(required(c, 'from'));
  const to = parseField(required(c, 'to'));
  return {
    process(e, send) {
      const v = deleteField(e, from);
      if (v === undefined) throw new Error(`move: ${from.text} is missing`);
      setField(e, to, v);
      send(e);
    },
  };
};

const copy: OperatorBuilder = (c) => {
  const from = parseField(required(c, 'from'));
  const to = parseField(required(c, 'to'));
  return {
    process(e, send) {
      const v = getField(e, from);
      if (v === undefined) throw new Error(`copy: ${from.text} is missing`);
      setField(e, to, structuredClone(v));
      send(e);
    },
  };
};

const add: OperatorBuilder = (c) => {
  const field = parseField(required(c, 'field'));
  if (!('value' in c)) throw new Error('missing required field "value"');
  if (typeof c.value === 'string' && /^EXPR\(/.test(c.value)) throw new Error('add: EXPR() values are not supported by Summit; use a literal value');
  return {
    process(e, send) {
      setField(e, field, structuredClone(c.value));
      send(e);
    },
  };
};

const remove: OperatorBuilder = (c) => {
  const field = parseField(required(c, 'field'));
  return {
    process(e, send) {
      if (deleteField(e, field) === undefined && field.keys.length > 0) throw new Error(`remove: ${field.text} is missing`);
      send(e);
    },
  };
};

const retain: OperatorBuilder = (c) => {
  if (!Array.isArray(c.fields) || c.fields.length === 0) throw new Error('missing required field "fields"');
  const fields = (c.fields as string[]).map(parseField);
  return {
    process(e, send) {
      const kept = fields.map((f) => [f, getField(e, f)] as const);
      for (const root of new Set(fields.map((f) => f.root))) {
        if (root === 'body') e.body = typeof e.body === 'object' && e.body !== null ? {} : e.body;
        else e[root] = {};
      }
      for (const [f, v] of kept) if (v !== undefined) setField(e, f, v);
      send(e);
    },
  };
};

const flatten: OperatorBuilder = (c) => {
  const field = parseField(required(c, 'field'));
  if (field.keys.length === 0) throw new Error('flatten: field must be a key inside body, attributes or resource');
  const parent = { ...field, keys: field.keys.slice(0, -1) };
  return {
    process(e, send) {
      const inner = getField(e, field);
      if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new Error(`flatten: ${field.text} is not a map`);
      deleteField(e, field);
      for (const [k, v] of Object.entries(inner as Fields)) setField(e, { ...parent, keys: [...parent.keys, k] }, v);
      send(e);
    },
  };
};

const filter: OperatorBuilder = (c) => {
  const matches = compileExpr(required(c, 'expr'));
  const ratio = typeof c.drop_ratio === 'number' ? c.drop_ratio : 1;
  if (ratio < 0 || ratio > 1) throw new Error('drop_ratio must be between 0 and 1');
  return {
    process(e, send) {
      if (matches(e) && Math.random() < ratio) return;
      send(e);
    },
  };
};

const router: OperatorBuilder = (c) => {
  const routes = ((c.routes as { expr?: string; output?: string; attributes?: Fields }[] | undefined) ?? []).map((r, i) => {
    if (!r.expr) throw new Error(`routes[${i}]: missing required field "expr"`);
    if (!r.output) throw new Error(`routes[${i}]: missing required field "output"`);
    return { matches: compileExpr(r.expr), output: r.output, attributes: r.attributes ?? {} };
  });
  const fallback = c.default === undefined ? [] : Array.isArray(c.default) ? (c.default as string[]) : [c.default as string];
  return {
    routes: [...routes.map((r) => r.output), ...fallback],
    process(e: Entry, send) {
      const route = routes.find((r) => r.matches(e));
      if (route) {
        Object.assign(e.attributes, route.attributes);
        return send(e, route.output);
      }
      // an entry no route takes and no default names is dropped, as upstream does
      for (const out of fallback) send(fallback.length > 1 ? structuredClone(e) : e, out);
    },
  };
};

const noop: OperatorBuilder = () => ({ process: (e, send) => send(e) });

export const TRANSFORMERS: Record<string, OperatorBuilder> = { move, copy, add, remove, retain, flatten, filter, router, noop };
