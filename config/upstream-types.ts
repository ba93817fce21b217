import type { ComponentKind } from '../pipeline/component.js';
import { isMap } from './values.js';

/**
 * What upstream's Collector knows about component types Summit does not register: types it
 * renamed (loaded here as their replacement, with a warning), types it removed (an error that
 * names the replacement), and the types of its core and contrib distributions (so a config
 * written for them is told Summit lacks the component rather than that the name is a typo).
 */

export interface RenamedType {
  kind: ComponentKind;
  from: string;
  to: string;
  /** Upstream's release that removed the old name. */
  removedIn: string;
  /** The old config in the replacement's keys, with a note per key changed. */
  migrate?(config: Record<string, unknown>): { config: Record<string, unknown>; notes: string[] };
}

// upstream's logging exporter: loglevel debug showed every field, info a summary
const LOGLEVEL_TO_VERBOSITY: Record<string, string> = { debug: 'detailed', info: 'normal', warn: 'basic', error: 'basic' };

export const RENAMED_TYPES: readonly RenamedType[] = [
  {
    kind: 'exporter',
    from: 'logging',
    to: 'debug',
    removedIn: 'v0.111.0',
    migrate(config) {
      const out = { ...config };
      const notes: string[] = [];
      // Go's config decoding matched keys case-insensitively, so `logLevel` worked too.
      for (const key of Object.keys(out).filter((k) => k.toLowerCase() === 'loglevel')) {
        const level = String(out[key]).toLowerCase();
        delete out[key];
        const verbosity = LOGLEVEL_TO_VERBOSITY[level];
        if (verbosity && out.verbosity === undefined) {
          out.verbosity = verbosity;
          notes.push(`${key}: ${level} is verbosity: ${verbosity}`);
        } else notes.push(`${key} dropped`);
      }
      return { config: out, notes };
    },
  },
];

export interface RemovedType {
  kind: ComponentKind;
  type: string;
  instead: string;
}

export const REMOVED_TYPES: readonly RemovedType[] = [
  { kind: 'exporter', type: 'jaeger', instead: 'removed upstream in v0.85.0: Jaeger takes OTLP itself; use exporter otlp with endpoint <jaeger-host>:4317' },
  { kind: 'exporter', type: 'jaeger_thrift', instead: 'removed upstream in v0.85.0: Jaeger takes OTLP itself; use exporter otlphttp with endpoint http://<jaeger-host>:4318' },
  { kind: 'exporter', type: 'loki', instead: 'removed upstream: Loki takes OTLP itself; use exporter otlphttp with endpoint http://<loki-host>:3100/otlp' },
  { kind: 'exporter', type: 'opencensus', instead: 'removed upstream; use exporter otlp' },
  { kind: 'receiver', type: 'opencensus', instead: 'removed upstream; send OTLP to receiver otlp' },
  { kind: 'processor', type: 'queued_retry', instead: "removed upstream: each exporter's sending_queue and retry_on_failure do its work" },
  { kind: 'processor', type: 'spanmetrics', instead: 'removed upstream: use connector spanmetrics (exporter of the traces pipeline, receiver of a metrics pipeline)' },
  { kind: 'processor', type: 'servicegraph', instead: 'removed upstream: use connector servicegraph (exporter of the traces pipeline, receiver of a metrics pipeline)' },
  { kind: 'processor', type: 'routing', instead: 'removed upstream in favour of connector routing, which Summit does not have yet' },
  { kind: 'extension', type: 'memory_ballast', instead: 'removed upstream; Node sizes its heap itself (NODE_OPTIONS=--max-old-space-size), and processor memory_limiter bounds what Summit holds' },
];

/** Core (otelcol) types Summit lacks; a typo message would mislead for them too. */
const CORE: Record<ComponentKind, string[]> = {
  receiver: [],
  processor: [],
  exporter: [],
  connector: [],
  extension: ['memory_limiter'],
};

/** Component types of upstream's contrib distribution (opentelemetry-collector-contrib). */
const CONTRIB: Record<ComponentKind, string[]> = {
  receiver: (
    'activedirectoryds aerospike apache apachespark awscloudwatch awscloudwatchmetrics awscontainerinsightreceiver awsecscontainermetrics ' +
    'awsfirehose awslambda awss3 awsxray azureblob azureeventhub azuremonitor bigip carbon chrony cloudflare cloudfoundry collectd couchdb ' +
    'datadog docker_stats elasticsearch envoyals expvar faro filelog filestats flinkmetrics fluentforward github gitlab googlecloudmonitoring ' +
    'googlecloudpubsub googlecloudspanner haproxy hostmetrics http_check httpcheck huaweicloudces iis influxdb jaeger jmx journald k8s_cluster k8s_events ' +
    'k8sobjects kafka kafkametrics kubeletstats libhoney loki memcached mongodb mongodbatlas mysql namedpipe netflow nginx nsxt ntp oracledb osquery ' +
    'otelarrow otlpjsonfile podman_stats postgresql prometheus prometheus_simple pulsar purefa purefb rabbitmq receiver_creator redis riak saphana ' +
    'signalfx skywalking snmp snowflake solace splunk_hec splunkenterprise sqlquery sqlserver sshcheck statsd syslog systemd tcpcheck tcplog tlscheck ' +
    'udplog vcenter wavefront webhookevent windowseventlog windowsperfcounters zipkin zookeeper'
  ).split(' '),
  processor: (
    'cumulativetodelta deltatocumulative deltatorate dnslookup geoip groupbyattrs groupbytrace interval isolationforest k8sattributes logdedup ' +
    'logstransform lookup metricsgeneration metricstransform probabilistic_sampler remotetap resourcedetection schema span sumologic tail_sampling ' +
    'transform unroll'
  ).split(' '),
  exporter: (
    'alertmanager alibabacloud_logservice awscloudwatchlogs awsemf awskinesis awss3 awsxray azureblob azuredataexplorer azuremonitor bmchelix carbon ' +
    'cassandra clickhouse coralogix datadog dataset doris elasticsearch faro googlecloud googlecloudpubsub googlemanagedprometheus honeycombmarker ' +
    'influxdb kafka kinetica loadbalancing logicmonitor logzio mezmo opensearch otelarrow prometheusremotewrite pulsar rabbitmq sapm sentry signalfx ' +
    'splunk_hec stef sumologic syslog tencentcloud_logservice tinybird zipkin'
  ).split(' '),
  connector: 'datadog exceptions failover grafanacloud otlpjson roundrobin routing servicegraph signaltometrics slowsql sum'.split(' '),
  extension: (
    'ack asapclient awsproxy azureauth basicauth bearertokenauth cgroupruntime db_storage docker_observer ecs_observer ecs_task_observer ' +
    'googleclientauth headers_setter healthcheckv2 host_observer http_forwarder jaegerremotesampling k8s_leader_elector k8s_observer oauth2client ' +
    'oidc opamp redis_storage sigv4auth solarwindsapmsettings sumologic'
  ).split(' '),
};

export function renamedType(kind: ComponentKind, type: string): RenamedType | undefined {
  return RENAMED_TYPES.find((r) => r.kind === kind && r.from === type);
}

export function removedType(kind: ComponentKind, type: string): RemovedType | undefined {
  return REMOVED_TYPES.find((r) => r.kind === kind && r.type === type);
}

/** "a Collector-contrib component", "a Collector core component", or undefined when upstream does not know the type either. */
export function upstreamDistribution(kind: ComponentKind, type: string): string | undefined {
  if (CORE[kind].includes(type)) return 'a Collector core component';
  if (CONTRIB[kind].includes(type)) return 'a Collector-contrib component';
  return undefined;
}

/** The migrated copy of a renamed type's config (null reads as `{}`). */
export function migrateRenamed(renamed: RenamedType, raw: unknown): { config: unknown; notes: string[] } {
  if (!renamed.migrate || !isMap(raw)) return { config: raw, notes: [] };
  return renamed.migrate(raw);
}
