/** Calls to the UI's JSON API: the session's CSRF token on every change; no session → the login page. */
let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

export class ApiError extends Error {}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && path !== '/ui/api/login') {
    location.assign('/login');
    throw new ApiError('not logged in');
  }
  const data = (await res.json().catch(() => ({}))) as T & { detail?: string };
  if (!res.ok) throw new ApiError(data.detail ?? `${res.status} ${res.statusText}`);
  return data;
}

export const get = <T>(path: string, params?: Record<string, string | number | undefined | string[]>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else if (v !== undefined && v !== '') q.set(k, String(v));
  }
  const qs = q.toString();
  return call<T>('GET', qs ? `${path}?${qs}` : path);
};
export const post = <T>(path: string, body: unknown) => call<T>('POST', path, body);
