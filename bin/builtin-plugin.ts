import type { Plugin } from '../pipeline/index.js';
import { PLUGIN_API_VERSION } from '../pipeline/index.js';
import { nopReceiverFactory } from '../receivers/nop/index.js';
import { otlpReceiverFactory } from '../receivers/otlp/index.js';
import { sentryReceiverFactory } from '../receivers/sentry/index.js';
import { githubReceiverFactory } from '../receivers/github/index.js';
import { gitlabReceiverFactory } from '../receivers/gitlab/index.js';
import { junitReceiverFactory } from '../receivers/junit/index.js';
import { filelogReceiverFactory } from '../receivers/filelog/index.js';
import { syslogReceiverFactory, tcplogReceiverFactory, udplogReceiverFactory } from '../receivers/syslog/index.js';
import { prometheusReceiverFactory } from '../receivers/prometheus/index.js';
import { hostmetricsReceiverFactory } from '../receivers/hostmetrics/index.js';
import { memoryLimiterProcessorFactory } from '../processors/memory_limiter/index.js';
import { spanMetricsConnectorFactory } from '../processors/spanmetrics/index.js';
import { routingConnectorFactory } from '../processors/routing/index.js';
import { countConnectorFactory } from '../processors/count/index.js';
import { serviceGraphConnectorFactory } from '../processors/servicegraph/index.js';
import { cicdConnectorFactory } from '../processors/cicd/index.js';
import { forwardConnectorFactory } from '../processors/forward/index.js';
import { batchProcessorFactory } from '../processors/batch/index.js';
import { attributesProcessorFactory } from '../processors/attributes/index.js';
import { resourceProcessorFactory } from '../processors/resource/index.js';
import { resourceDetectionProcessorFactory } from '../processors/resourcedetection/index.js';
import { filterProcessorFactory } from '../processors/filter/index.js';
import { transformProcessorFactory } from '../processors/transform/index.js';
import { groupingProcessorFactory } from '../processors/grouping/index.js';
import { tailSamplingProcessorFactory } from '../processors/tail_sampling/index.js';
import { redactionProcessorFactory } from '../processors/redaction/index.js';
import { symbolicationProcessorFactory } from '../processors/symbolication/index.js';
import { probabilisticSamplerProcessorFactory } from '../processors/probabilistic_sampler/index.js';
import { debugExporterFactory } from '../exporters/debug/index.js';
import { fileExporterFactory } from '../exporters/file/index.js';
import { nopExporterFactory } from '../exporters/nop/index.js';
import { loadBalancingExporterFactory } from '../exporters/loadbalancing/index.js';
import { otlpExporterFactory } from '../exporters/otlp/index.js';
import { otlpHttpExporterFactory } from '../exporters/otlphttp/index.js';
import { prometheusExporterFactory } from '../exporters/prometheus/index.js';
import { webhookExporterFactory } from '../exporters/webhook/index.js';
import { parquetExporterFactory } from '../exporters/parquet/index.js';
import { healthCheckExtensionFactory } from '../extensions/health_check/index.js';
import { fileStorageExtensionFactory } from '../extensions/file_storage/index.js';
import { issueStoreExtensionFactory } from '../extensions/issue_store/index.js';
import { bearerTokenAuthFactory } from '../extensions/bearertokenauth/index.js';
import { basicAuthFactory } from '../extensions/basicauth/index.js';
import { headersSetterFactory } from '../extensions/headers_setter/index.js';
import { oauth2ClientFactory } from '../extensions/oauth2client/index.js';
import { pprofExtensionFactory } from '../extensions/pprof/index.js';
import { zpagesExtensionFactory } from '../extensions/zpages/index.js';

/** Summit's own components, registered through the same plugin API a vendor package uses. */
export const builtinPlugin: Plugin = {
  name: 'summit',
  apiVersion: PLUGIN_API_VERSION,
  factories: [
    nopReceiverFactory,
    otlpReceiverFactory,
    sentryReceiverFactory,
    githubReceiverFactory,
    gitlabReceiverFactory,
    junitReceiverFactory,
    filelogReceiverFactory,
    syslogReceiverFactory,
    tcplogReceiverFactory,
    udplogReceiverFactory,
    prometheusReceiverFactory,
    hostmetricsReceiverFactory,
    memoryLimiterProcessorFactory,
    batchProcessorFactory,
    attributesProcessorFactory,
    resourceProcessorFactory,
    resourceDetectionProcessorFactory,
    filterProcessorFactory,
    transformProcessorFactory,
    groupingProcessorFactory,
    tailSamplingProcessorFactory,
    redactionProcessorFactory,
    symbolicationProcessorFactory,
    probabilisticSamplerProcessorFactory,
    spanMetricsConnectorFactory,
    routingConnectorFactory,
    countConnectorFactory,
    serviceGraphConnectorFactory,
    cicdConnectorFactory,
    forwardConnectorFactory,
    debugExporterFactory,
    fileExporterFactory,
    nopExporterFactory,
    loadBalancingExporterFactory,
    otlpExporterFactory,
    otlpHttpExporterFactory,
    prometheusExporterFactory,
    webhookExporterFactory,
    parquetExporterFactory,
    healthCheckExtensionFactory,
    fileStorageExtensionFactory,
    issueStoreExtensionFactory,
    bearerTokenAuthFactory,
    basicAuthFactory,
    headersSetterFactory,
    oauth2ClientFactory,
    pprofExtensionFactory,
    zpagesExtensionFactory,
  ],
};
