/**
 * One frame's grouping component, normalised as Sentry does: the module wins over the file;
 * a file counts by its lower-cased basename, never when it is a URL, `<anonymous>` or
 * `[native code]`; generated names (Java lambdas and proxies, Ruby blocks and ERB templates,
 * PHP anonymous classes, JavaScript `Object.foo` vs `foo`) are reduced to what is stable across
 * builds and browsers; for JavaScript, Node, Python, PHP and Ruby the source line counts too.
 */
import type { Frame } from '../../pipeline/exceptions/model.js';
import { Component } from './component.js';
import { familyOf, trimFunctionName } from './functions.js';

/** Platforms whose source context SDKs send reliably enough to group on. */
export const CONTEXT_LINE_PLATFORMS = new Set(['javascript', 'node', 'python', 'php', 'ruby']);

// Generated Java classes: reflection accessors, CGLIB / Guice enhancers, Javassist, Hibernate proxies, Clojure fns.
const JAVA_REFLECT = /(sun\.reflect\.Generated(?:Serialization)?ConstructorAccessor)\d+/g;
const JAVA_CGLIB = /(\$\$[\w_]+?CGLIB\$\$)[a-fA-F0-9]+(_[0-9]+)?/g;
const JAVASSIST = /(\$\$_javassist)(?:_seam)?(?:_[0-9]+)?/g;
const CLOJURE = /(\$fn__)\d+/g;
const JAVA_ENHANCER_BY = /(\$\$?EnhancerBy[\w_]+?\$?\$)[a-fA-F0-9]+(_[0-9]+)?/g;
const JAVA_FAST_CLASS_BY = /(\$\$?FastClassBy[\w_]+?\$?\$)[a-fA-F0-9]+(_[0-9]+)?/g;
const JAVA_HIBERNATE_PROXY = /(\$\$?HibernateProxy\$?\$)\w+(_[0-9]+)?/g;
const RUBY_ERB = /__\d{4,}_\d{4,}$/;

/** Whether a path is a URL the browser fetched (`blob:` URLs included); `file:` only if asked. */
function hasUrlOrigin(path: string | undefined, allowFileOrigin = false): boolean {
  if (!path) return false;
  if (/^(?:http:|https:|applewebdata:|blob:)/.test(path)) return true;
  return path.startsWith('file:') ? !allowFileOrigin : false;
}

export function frameComponent(frame: Frame, eventPlatform: string | undefined, isRecursion: boolean): Component {
  const platform = frame.platform ?? eventPlatform;
  const family = familyOf(platform);
  const filename = filenameComponent(frame.abs_path, frame.filename, platform);
  const module = moduleComponent(frame.abs_path, frame.module, platform);
  if (module.contributes && filename.contributes) filename.update({ contributes: false, hint: 'module takes precedence' });
  const contextLine = platform && CONTEXT_LINE_PLATFORMS.has(platform) ? contextLineComponent(frame, family) : undefined;
  const fn = functionComponent(frame, platform, family, contextLine?.contributes ?? false);
  const frameC = new Component('frame', contextLine ? [module, filename, fn, contextLine] : [module, filename, fn]);

  // Sentry's "JavaScript fuzzing": frames too vague to tell stacks apart are left out, so the
  // same error groups alike in every browser.
  if (family === 'javascript') {
    const raw = frame.raw_function || frame.function;
    const name = raw ? raw.slice(raw.lastIndexOf('.') + 1) : '';
    if (!name) fn.update({ contributes: false });
    else if (['?', '<anonymous function>', '<anonymous>', 'Anonymous function'].includes(name) || name.endsWith('/<')) {
      fn.update({ contributes: false, hint: 'ignored unknown function name' });
    }
    if (name === 'eval' || ['[native code]', 'native code', 'eval code', '<anonymous>'].includes(frame.abs_path ?? '')) {
      frameC.update({ contributes: false, hint: 'ignored low quality javascript frame' });
    }
  }
  if (isRecursion) frameC.update({ contributes: false, hint: 'ignored due to recursion' });
  return frameC;
}

function filenameComponent(absPath: string | undefined, filename: string | undefined, platform: string | undefined): Component {
  if (filename === undefined) return new Component('filename');
  const base = filename.split(/[/\\]/).pop()!.toLowerCase();
  const c = new Component('filename', [base]);
  if (hasUrlOrigin(absPath, true)) c.update({ contributes: false, hint: 'ignored because frame points to a URL' });
  else if (base === '<anonymous>') c.update({ contributes: false, hint: 'anonymous filename discarded' });
  else if (base === '[native code]') c.update({ contributes: false, hint: 'native code indicated by filename' });
  else if (platform === 'java') {
    const cleaned = base.replace(JAVASSIST, '$1<auto>');
    if (cleaned !== base) c.update({ values: [cleaned], hint: 'cleaned javassist parts' });
  }
  return c;
}

function moduleComponent(absPath: string | undefined, module: string | undefined, platform: string | undefined): Component {
  if (module === undefined) return new Component('module');
  const c = new Component('module', [module]);
  if (platform === 'javascript' && module.includes('/') && absPath?.endsWith(module)) {
    c.update({ contributes: false, hint: 'ignored bad javascript module' });
  } else if (platform === 'java') {
    if (module.includes('$$Lambda$')) c.update({ contributes: false, hint: 'ignored java lambda' });
    if (module.startsWith('sun.reflect.GeneratedMethodAccessor')) {
      c.update({ values: ['sun.reflect.GeneratedMethodAccessor'], hint: 'removed reflection marker' });
    } else if (module.startsWith('jdk.internal.reflect.GeneratedMethodAccessor')) {
      c.update({ values: ['jdk.internal.reflect.GeneratedMethodAccessor'], hint: 'removed reflection marker' });
    } else {
      const cleaned = [JAVA_REFLECT, JAVA_CGLIB, JAVASSIST, CLOJURE, JAVA_ENHANCER_BY, JAVA_FAST_CLASS_BY, JAVA_HIBERNATE_PROXY].reduce(
        (m, re) => m.replace(re, '$1<auto>'),
        module,
      );
      if (cleaned !== module) c.update({ values: [cleaned], hint: 'removed codegen marker' });
    }
  }
  return c;
}

function functionComponent(frame: Frame, platform: string | undefined, family: string, contextLineAvailable: boolean): Component {
  // C# SDKs trim signatures themselves; the raw name is what Sentry always grouped on there.
  let func: string | undefined;
  if (platform === 'csharp') func = frame.raw_function || frame.function;
  else {
    func = frame.function || frame.raw_function;
    if (!frame.raw_function && frame.function) func = trimFunctionName(frame.function, platform);
  }
  if (!func) return new Component('function');
  const c = new Component('function', [func]);
  if (platform === 'ruby') {
    if (func.startsWith('block ')) c.update({ values: ['block'], hint: 'ruby block' });
    else if (RUBY_ERB.test(func)) c.update({ values: [func.replace(RUBY_ERB, '')], hint: 'removed generated erb template suffix' });
  } else if (platform === 'php') {
    if (func.startsWith('[Anonymous') || func.startsWith('class@anonymous\0')) c.update({ contributes: false, hint: 'ignored anonymous function' });
    if (func.startsWith('class@anonymous')) {
      const at = func.lastIndexOf('::');
      const method = at < 0 ? func : func.slice(at + 2);
      if (method !== func) c.update({ values: [method], hint: 'anonymous class method' });
    }
  } else if (platform === 'java') {
    if (func.startsWith('lambda$')) c.update({ contributes: false, hint: 'ignored lambda function' });
  } else if (family === 'native') {
    if (func === '<redacted>' || func === '<unknown>') c.update({ contributes: false, hint: 'ignored unknown function' });
  } else if (family === 'javascript') {
    // `Object.foo` in one browser is `foo` in another.
    const last = func.slice(func.lastIndexOf('.') + 1);
    if (last !== func) c.update({ values: [last], hint: 'trimmed javascript function' });
    // Names from source maps are unreliable; the source line says more.
    if (frame.data?.sourcemap != null && contextLineAvailable) {
      c.update({ contributes: false, hint: 'ignored because sourcemap used and context line available' });
    }
  }
  return c;
}

function contextLineComponent(frame: Frame, family: string): Component {
  const line = (frame.context_line ?? '').trim().replace(/\s+/g, ' ');
  if (!line) return new Component('context-line');
  const c = new Component('context-line', [line]);
  if (frame.context_line!.length > 120) c.update({ contributes: false, hint: 'discarded because line too long' });
  else if (family === 'javascript' && !frame.function && hasUrlOrigin(frame.abs_path)) {
    c.update({ contributes: false, hint: 'discarded because from URL origin and no function' });
  }
  return c;
}
