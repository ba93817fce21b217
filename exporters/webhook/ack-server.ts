/**
 * The endpoint behind the ack and resolve links in pages: `GET` shows a button (so a chat
 * client that fetches links to preview them does not use the single-use link up), `POST` acts.
 * A link must carry a valid signature (compared in constant time), not be expired and not have
 * been used before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkActionToken, type IncidentAction } from './signing.js';
import type { AlertState } from './state.js';

const PATH = /^\/incidents\/(\d+)\/(ack|resolve)$/;

export interface AckHandlerOptions {
  state: AlertState;
  secret: string;
  clock: () => number;
  onAction?(incident: number, action: IncidentAction): void;
}

function answer(res: ServerResponse, status: number, text: string, html = false): void {
  res.writeHead(status, { 'content-type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export function ackHandler(o: AckHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = PATH.exec(url.pathname);
    if (!m) return answer(res, 404, 'not found: expected /incidents/ID/ack or /incidents/ID/resolve\n');
    const incident = Number(m[1]);
    const action = m[2] as IncidentAction;
    const exp = Number(url.searchParams.get('exp'));
    const nonce = url.searchParams.get('nonce') ?? '';
    const sig = url.searchParams.get('sig') ?? '';
    if (!nonce || !sig || !Number.isFinite(exp)) return answer(res, 400, 'the link lacks exp, nonce or sig\n');
    const now = o.clock();
    const refused = checkActionToken(o.secret, { action, incident, exp, nonce }, sig, now);
    if (refused) return answer(res, 403, `refused: ${refused}\n`);
    if (req.method === 'GET' || req.method === 'HEAD') {
      const verb = action === 'ack' ? 'Acknowledge' : 'Resolve';
      return answer(res, 200, `<!doctype html><title>${verb} incident ${incident}</title><form method="post"><button>${verb} incident ${incident}</button></form>`, true);
    }
    if (req.method !== 'POST') return answer(res, 405, 'use GET or POST\n');
    req.resume();
    if (!o.state.incident(incident)) return answer(res, 404, `no incident ${incident}\n`);
    if (!o.state.useToken(nonce, now)) return answer(res, 409, 'refused: this link was used already\n');
    const changed = o.state.setStatus(incident, action === 'ack' ? 'acknowledged' : 'resolved', 'signed link', now);
    o.onAction?.(incident, action);
    answer(res, 200, changed ? `incident ${incident} ${action === 'ack' ? 'acknowledged' : 'resolved'}\n` : `incident ${incident} was already ${o.state.incident(incident)!.status}\n`);
  };
}
