import type { Frame } from './model.js';

/** Schemes after which a path is a URL rather than a file on the machine that crashed. */
const URL_RE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

export function isUrl(path: string | undefined): boolean {
  return path !== undefined && URL_RE.test(path);
}

/**
 * What Sentry's Relay does to every frame on intake, so frames parsed here and frames an SDK
 * sent compare alike: the SDKs' "unknown function" marker `?` means no function; a frame with
 * only a filename gets it as its absolute path; a URL keeps the URL as `abs_path` and its path
 * as `filename` (`https://cdn.example/js/app.js?v=2` → `/js/app.js`).
 */
export function normalizeFrame(frame: Frame): Frame {
  if (frame.function === '?') delete frame.function;
  if (frame.symbol === '?') delete frame.symbol;
  if (!frame.abs_path && frame.filename) frame.abs_path = frame.filename;
  if (frame.abs_path && (!frame.filename || frame.filename === frame.abs_path)) {
    frame.filename = frame.abs_path;
    if (isUrl(frame.abs_path)) {
      const path = urlPath(frame.abs_path);
      if (path && path !== '/') frame.filename = path;
    }
  }
  return frame;
}

function urlPath(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}
