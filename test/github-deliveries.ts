/** GitHub's own example webhook payloads (npm @octokit/webhooks-examples) and signed deliveries of them. */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { githubSignature } from '../receivers/internal/testing.js';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Record<string, any>[] }[];

/** A copy of the first example of `event` that `pick` chooses. */
export function githubExample(event: string, pick: (e: Record<string, any>) => boolean): Record<string, any> {
  return structuredClone(examples.find((e) => e.name === event)!.examples.find(pick)!);
}

/** POSTs `payload` as GitHub delivers an `event`: a unique delivery id, signed with `secret`. */
export function deliverGithub(url: string, secret: string, event: string, payload: unknown): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': githubSignature(body, secret) },
    body,
  });
}
