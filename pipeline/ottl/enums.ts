/** OTTL enum symbols, each an int64, as upstream defines them per context. */

const SPAN_ENUMS: Record<string, bigint> = {
  SPAN_KIND_UNSPECIFIED: 0n,
  SPAN_KIND_INTERNAL: 1n,
  SPAN_KIND_SERVER: 2n,
  SPAN_KIND_CLIENT: 3n,
  SPAN_KIND_PRODUCER: 4n,
  SPAN_KIND_CONSUMER: 5n,
  STATUS_CODE_UNSET: 0n,
  STATUS_CODE_OK: 1n,
  STATUS_CODE_ERROR: 2n,
};

const SEVERITY_ENUMS: Record<string, bigint> = (() => {
  const out: Record<string, bigint> = { SEVERITY_NUMBER_UNSPECIFIED: 0n };
  let n = 1n;
  for (const level of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']) {
    for (const suffix of ['', '2', '3', '4']) out[`SEVERITY_NUMBER_${level}${suffix}`] = n++;
  }
  return out;
})();

const METRIC_ENUMS: Record<string, bigint> = {
  METRIC_DATA_TYPE_NONE: 0n,
  METRIC_DATA_TYPE_GAUGE: 1n,
  METRIC_DATA_TYPE_SUM: 2n,
  METRIC_DATA_TYPE_HISTOGRAM: 3n,
  METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM: 4n,
  METRIC_DATA_TYPE_SUMMARY: 5n,
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0n,
  AGGREGATION_TEMPORALITY_DELTA: 1n,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2n,
};

export const CONTEXT_ENUMS = {
  resource: {} as Record<string, bigint>,
  scope: {} as Record<string, bigint>,
  span: SPAN_ENUMS,
  spanevent: SPAN_ENUMS,
  log: SEVERITY_ENUMS,
  metric: METRIC_ENUMS,
  datapoint: METRIC_ENUMS,
  profile: {} as Record<string, bigint>,
} as const;

/** The model's metric data type tags mapped to METRIC_DATA_TYPE_* values. */
export const METRIC_TYPE_VALUE: Record<string, bigint> = {
  gauge: 1n,
  sum: 2n,
  histogram: 3n,
  exponentialHistogram: 4n,
  summary: 5n,
};
