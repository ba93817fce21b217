/**
 * Whether an original (source-mapped) file is the application's own code, as Sentry decides
 * it again after symbolication: dependencies and bundler internals are not.
 */

const NOT_IN_APP = [
  /(^|\/)node_modules\//,
  /^webpack\/(bootstrap|runtime)/,
  /(^|\/)\(webpack\)\//,
  /webpack:\/\/\/?(webpack\/)?(bootstrap|runtime)/,
  /(^|\/)@vite\//,
  /(^|\/)vite\/(modulepreload-polyfill|preload-helper)/,
  /^\0/,
  /^\x00|^\\0/,
  /^<anonymous>$/,
];

export function isInApp(path: string): boolean {
  return !NOT_IN_APP.some((re) => re.test(path));
}
