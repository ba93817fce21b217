import { beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, StatusCode, type Span, type Traces } from '../../../pipeline/model.js';
import { Sentry, contextFor, itemsOfType, nsFromText, numberTexts, sdkItems, type SdkItem , mapperError } from '../../../test/sentry-sdk.js';
import { mapSpans } from './span.js';
import { type ItemContext } from './types.js';

const ctx: ItemContext = { projectId: '42', projectName: 'checkout', receivedAtMs: 0, envelopeHeader: {}, itemHeader: { type: 'span' } };

function spansOf(traces: Traces | undefined): Span[] {
  return traces!.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

function span(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    trace_id: '6cf173d587eb48568a9b2e12dcfbea52',
    span_id: '438f40bd3b4a41ee',
    name: 'GET http://app.test/',
    status: 'ok',
    is_segment: true,
    start_timestamp: 1742921669.25,
    end_timestamp: 1742921669.75,
    ...patch,
  };
}

const errorOf = (payload: unknown) => mapperError(mapSpans, payload, ctx);

describe('span items from @sentry/node (streamed spans, its default)', () => {
  let item: SdkItem;

  beforeAll(async () => {
    const items = await sdkItems({ tracesSampleRate: 1 }, () => {
      Sentry.startSpan({ name: 'GET /users', op: 'http.server', attributes: { 'http.request.method': 'GET' } }, () => {
        Sentry.startSpan({ name: 'SELECT users', op: 'db' }, () => {
          Sentry.startSpan({ name: 'render', op: 'function' }, (s) => s.setStatus({ code: 2, message: 'not_found' }));
        });
      });
    });
    [item] = itemsOfType(items, 'span');
  });

  it('is a container of v2 spans', () => {
    expect(item.header).toMatchObject({ type: 'span', content_type: 'application/vnd.sentry.items.span.v2+json', item_count: 3 });
  });

  it('maps each span with its ids, parent, kind, status, exact times and typed attributes', () => {
    const spans = spansOf(mapSpans(item.payload, contextFor(item)).traces);
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    const { 'GET /users': root, 'SELECT users': db, render } = byName;
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect([root.parentSpanId, db.parentSpanId, render.parentSpanId]).toEqual(['', root.spanId, db.spanId]);
    expect([root.kind, db.kind, render.kind]).toEqual([SpanKind.Server, SpanKind.Client, SpanKind.Internal]);
    expect([root.status, render.status]).toEqual([
      { code: StatusCode.Ok, message: '' },
      { code: StatusCode.Error, message: 'not_found' },
    ]);
    expect(render.attributes.has('sentry.status.message')).toBe(false);
    expect(root.attributes.get('http.request.method')).toBe('GET');
    expect(root.attributes.get('sentry.sample_rate')).toBe(1n);
    expect(root.attributes.get('sentry.sdk.integrations')).toEqual(['SpanStreaming']);

    const starts = numberTexts(item.text, 'start_timestamp');
    const ends = numberTexts(item.text, 'end_timestamp');
    expect(spans.map((s) => [s.startTimeUnixNano, s.endTimeUnixNano])).toEqual(starts.map((t, i) => [nsFromText(t), nsFromText(ends[i])]));
  });

  it('moves release, environment and SDK to the resource', () => {
    const { resourceSpans } = mapSpans(item.payload, contextFor(item)).traces!;
    expect(resourceSpans).toHaveLength(1);
    expect(Object.fromEntries(resourceSpans[0].resource.attributes)).toEqual({
      'service.name': 'checkout',
      'service.version': 'checkout@2.4.1',
      'deployment.environment.name': 'production',
      'sentry.project.id': '42',
      'telemetry.sdk.name': 'sentry.javascript.node',
      'telemetry.sdk.version': expect.stringMatching(/^11\./),
    });
  });
});

describe('span mapping', () => {
  it("maps Relay's v2 span example", () => {
    const [s] = spansOf(
      mapSpans(
        {
          version: 2,
          items: [
            span({
              links: [{ trace_id: '627a2885119dcc8184fae7eef09438cb', span_id: '6c71fc6b09b8b716', sampled: true, attributes: { 'sentry.link.type': { type: 'string', value: 'previous_trace' } } }],
              attributes: {
                'custom.error_rate': { type: 'double', value: 0.5 },
                'http.response.status_code': { type: 'integer', value: 200 },
                'sentry.release': { type: 'string', value: '1.0.0' },
                'sentry.op': { type: 'string', value: 'http.client' },
              },
            }),
          ],
        },
        ctx,
      ).traces,
    );
    expect([s.startTimeUnixNano, s.endTimeUnixNano]).toEqual([1742921669250000000n, 1742921669750000000n]);
    expect(s.kind).toBe(SpanKind.Client);
    expect(s.attributes.get('custom.error_rate')).toBe(0.5);
    expect(s.attributes.get('http.response.status_code')).toBe(200n);
    expect(s.links[0]).toMatchObject({ traceId: '627a2885119dcc8184fae7eef09438cb', spanId: '6c71fc6b09b8b716', flags: 1 });
    expect(s.links[0].attributes.get('sentry.link.type')).toBe('previous_trace');
  });

  it('refuses malformed spans, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ spans: [] }, 'items'],
      [{ items: [span({ trace_id: undefined })] }, 'items[0].trace_id'],
      [{ items: [span(), span({ span_id: 'x' })] }, 'items[1].span_id'],
      [{ items: [span({ end_timestamp: undefined })] }, 'items[0].end_timestamp'],
      [{ items: [span({ end_timestamp: 1742921669 })] }, 'items[0].end_timestamp'],
      [{ items: [span({ attributes: { n: { type: 'integer', value: 'many' } } })] }, 'items[0].attributes.n.value'],
    ];
    for (const [payload, path] of cases) expect(errorOf(payload).path, JSON.stringify(payload)).toBe(path);
  });
});
