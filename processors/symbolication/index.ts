/**
 * The `symbolication` processor: JavaScript stack frames of errors (Sentry events, and
 * OpenTelemetry errors' `exception.stacktrace`) resolved through source maps; see README.md.
 */
import { namedExtension, type ComponentFactory, type ComponentInstance, type Consumer, type CreateContext, type Host, type NextConsumers } from '../../pipeline/component.js';
import { SENTRY_EVENT_NAME } from '../../pipeline/exceptions/issues.js';
import { EXCEPTION_EVENT_NAME } from '../../pipeline/exceptions/otel.js';
import { parseDuration } from '../../pipeline/duration.js';
import type { AnyValue, Logs, Signal, SignalData, Traces } from '../../pipeline/model.js';
import { hasArtifactStore, type ArtifactStore } from '../../pipeline/sourcemaps.js';
import { downstreamFor } from '../internal/downstream.js';
import { problemsError } from '../internal/values.js';
import { configSchema, SYMBOLICATION_DEFAULTS, validateConfig, type SymbolicationConfig } from './config.js';
import { DirectorySource } from './dir-source.js';
import { symbolicateEventBody, symbolicateStackAttribute } from './events.js';
import { MapCache } from './map-cache.js';
import { SourceMapResolver } from './resolver.js';
import { Resymbolicator } from './resymbolicate.js';
import { Scraper } from './scraper.js';
import { Symbolicator } from './symbolicator.js';

export type { SymbolicationConfig } from './config.js';
export { framePath } from './symbolicator.js';
export { symbolicateEventJson } from './events.js';

/** What symbolicates, built from the config: shared by the processor and `summit sourcemaps explain`. */
export function buildSymbolicator(config: SymbolicationConfig, configDir: string, store: () => ArtifactStore | undefined) {
  const cache = new MapCache(config.max_cache_size ?? SYMBOLICATION_DEFAULTS.max_cache_size);
  const scraping = config.scraping ?? { enabled: false, allowed_origins: [], timeout: SYMBOLICATION_DEFAULTS.scraping_timeout, max_size: SYMBOLICATION_DEFAULTS.scraping_max_size };
  const resolver = new SourceMapResolver(cache, {
    store,
    dirs: (config.sourcemaps ?? []).map((d) => new DirectorySource(d, configDir)),
    scraper: scraping.enabled
      ? new Scraper({
          allowedOrigins: scraping.allowed_origins,
          timeoutMs: parseDuration(scraping.timeout ?? SYMBOLICATION_DEFAULTS.scraping_timeout),
          maxBytes: scraping.max_size ?? SYMBOLICATION_DEFAULTS.scraping_max_size,
        })
      : undefined,
    scrapingOff: 'fetching maps from the frame URL is off (scraping.enabled)',
  });
  return { cache, resolver, symbolicator: new Symbolicator(resolver, config.context_lines ?? SYMBOLICATION_DEFAULTS.context_lines) };
}

function create(ctx: CreateContext, config: SymbolicationConfig, next: NextConsumers): ComponentInstance {
  const problems = validateConfig(config);
  if (problems.length) throw problemsError(ctx.id, problems);
  let store: ArtifactStore | undefined;
  const { resolver, symbolicator } = buildSymbolicator(config, ctx.configDir, () => store);
  let resymbolicator: Resymbolicator | undefined;
  const unsubscribe: (() => void)[] = [];

  const logs = async (data: Logs) => {
    for (const rl of data.resourceLogs) {
      const release = releaseOf(rl.resource.attributes.get('service.version'));
      for (const sl of rl.scopeLogs)
        for (const record of sl.logRecords) {
          if (record.eventName === SENTRY_EVENT_NAME && record.body instanceof Map) await symbolicateEventBody(record.body, symbolicator);
          else await symbolicateStackAttribute(record.attributes, release, symbolicator);
        }
    }
  };
  const traces = async (data: Traces) => {
    for (const rs of data.resourceSpans) {
      const release = releaseOf(rs.resource.attributes.get('service.version'));
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) for (const event of span.events) if (event.name === EXCEPTION_EVENT_NAME) await symbolicateStackAttribute(event.attributes, release, symbolicator);
    }
  };
  const consumer = <S extends Signal>(signal: S): Consumer<S> => {
    const downstream = downstreamFor(ctx.id, signal, next);
    return {
      async consume(data: SignalData[S]) {
        if (signal === 'logs') await logs(data as Logs);
        else if (signal === 'traces') await traces(data as Traces);
        await downstream.consume(data);
      },
    };
  };
  const consumers: NextConsumers = {};
  for (const signal of ctx.signals) consumers[signal] = consumer(signal) as never;
  return {
    consumers,
    mutatesData: true,
    async start(host: Host) {
      if (config.artifact_store === undefined) return;
      const extension = namedExtension(host, `${ctx.id}: artifact_store`, config.artifact_store, hasArtifactStore, 'an artifact store');
      store = extension.artifacts;
      const samples = extension.samples;
      if (samples) resymbolicator = new Resymbolicator(samples, symbolicator, config.resymbolicate_limit ?? SYMBOLICATION_DEFAULTS.resymbolicate_limit, ctx.logger);
      // Each instance (one per pipeline) forgets its lookups; the stored samples are fixed once per component id.
      unsubscribe.push(store.onAdded(`${ctx.id}@${ctx.pipelineId ?? ''}`, () => resolver.forget()));
      if (resymbolicator) {
        const r = resymbolicator;
        unsubscribe.push(store.onAdded(ctx.id, (added) => void r.schedule(added)));
      }
    },
    async shutdown() {
      for (const off of unsubscribe.splice(0)) off();
      await resymbolicator?.idle();
    },
  };
}

function releaseOf(v: AnyValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Resolves JavaScript frames through source maps; see README.md. */
export const symbolicationProcessorFactory: ComponentFactory<SymbolicationConfig> = {
  type: 'symbolication',
  kind: 'processor',
  signals: ['logs', 'traces'],
  stability: 'development',
  configSchema,
  validate: validateConfig,
  create,
};
