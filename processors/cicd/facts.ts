/** Reading the CI/CD attributes of a span and its resource, whichever receiver wrote them. */
import { anyValueAsString } from '../../pipeline/anyvalue.js';
import * as ci from '../../pipeline/cicd/index.js';
import type { Attributes, Span } from '../../pipeline/model.js';

export class SpanFacts {
  constructor(
    readonly resource: Attributes,
    readonly span: Span,
  ) {}

  /** The span's attribute, else the resource's, as text ('' when neither has it). */
  get(key: string): string {
    const v = this.span.attributes.get(key) ?? this.resource.get(key);
    return v === undefined || v === null ? '' : anyValueAsString(v);
  }

  get type(): ci.CicdSpanType | '' {
    return this.get(ci.CICD_SPAN_TYPE) as ci.CicdSpanType | '';
  }

  get repository(): string {
    return this.get(ci.VCS_REPOSITORY_NAME);
  }

  get branch(): string {
    return this.get(ci.VCS_REF_HEAD_NAME) || this.get(ci.VCS_REF_HEAD);
  }

  get revision(): string {
    return this.get(ci.VCS_REF_HEAD_REVISION);
  }

  get pipeline(): string {
    return this.get(ci.CICD_PIPELINE_NAME);
  }

  get worker(): string {
    return this.get(ci.CICD_WORKER_NAME) || this.get(ci.CICD_PIPELINE_WORKER_NAME);
  }

  /** Seconds from start to end. */
  get seconds(): number {
    return Number(this.span.endTimeUnixNano - this.span.startTimeUnixNano) / 1e9;
  }

  get endMs(): number {
    return Number(this.span.endTimeUnixNano / 1_000_000n);
  }

  /** The run or job's result as semconv cicd.pipeline.result, from whichever attribute the receiver set. */
  result(...keys: string[]): string {
    for (const k of keys) {
      const r = ci.cicdResultOf(this.get(k));
      if (r) return r;
    }
    return ci.cicdResultOf(this.span.status.message) ?? 'unknown';
  }
}
