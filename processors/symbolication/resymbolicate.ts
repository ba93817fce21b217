/**
 * After an upload, the issue store's sample events it may fix (of its release, or naming one of
 * its debug ids) are symbolicated again and written back, so an error sent before its source
 * maps reads like one sent after. The issue keeps its id: it was grouped on what was known
 * then (Sentry does not re-process either; here the stored event at least gets readable).
 */
import type { Logger } from 'pino';
import type { ArtifactsAdded, SampleEvents } from '../../pipeline/sourcemaps.js';
import { symbolicateEventJson } from './events.js';
import type { Symbolicator } from './symbolicator.js';

export class Resymbolicator {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly samples: SampleEvents,
    private readonly symbolicator: Symbolicator,
    private readonly limit: number,
    private readonly logger: Logger,
  ) {}

  /** Queued: uploads are handled one after the other, each after the previous finished. */
  schedule(added: ArtifactsAdded): Promise<void> {
    this.queue = this.queue.then(() => this.run(added)).catch((err) => this.logger.error({ err }, 'symbolication: re-symbolicating stored events failed'));
    return this.queue;
  }

  /** Resolves once every scheduled pass is done (for shutdown and tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async run(added: ArtifactsAdded): Promise<void> {
    if (this.limit === 0) return;
    let updated = 0;
    const samples = this.samples.affectedBy(added, this.limit);
    for (const sample of samples) {
      let event: unknown;
      try {
        event = JSON.parse(sample.json);
      } catch {
        continue;
      }
      if (typeof event !== 'object' || event === null || Array.isArray(event)) continue;
      if (await symbolicateEventJson(event as Record<string, unknown>, this.symbolicator)) {
        this.samples.replace(sample.pk, JSON.stringify(event));
        updated++;
      }
    }
    if (samples.length) this.logger.info(`symbolication: re-symbolicated ${updated} of ${samples.length} stored events after an upload${added.release ? ` for release ${added.release}` : ''}`);
  }
}
