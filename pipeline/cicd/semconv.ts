/**
 * Attribute names the CI/CD components share: the OpenTelemetry semantic conventions for CICD,
 * VCS, deployments and tests (with the experimental names the contrib receivers use), and the
 * one attribute Summit adds so the `cicd` connector knows what a span stands for without
 * guessing from its shape.
 */

/** What a CI/CD span stands for; set by the `github`, `gitlab` and `junit` receivers. */
export const CICD_SPAN_TYPE = 'summit.cicd.span.type';
export type CicdSpanType = 'pipeline_run' | 'stage' | 'job' | 'queue' | 'step' | 'deployment' | 'push' | 'change' | 'check' | 'test_suite' | 'test_case';

export const SERVICE_NAME = 'service.name';

export const VCS_PROVIDER_NAME = 'vcs.provider.name';
export const VCS_VENDOR_NAME = 'vcs.vendor.name';
export const VCS_REPOSITORY_NAME = 'vcs.repository.name';
export const VCS_REPOSITORY_URL_FULL = 'vcs.repository.url.full';
export const VCS_REPOSITORY_OWNER = 'vcs.repository.owner';
export const VCS_REF_HEAD_NAME = 'vcs.ref.head.name';
/** The contrib github receiver's older name for vcs.ref.head.name. */
export const VCS_REF_HEAD = 'vcs.ref.head';
export const VCS_REF_HEAD_TYPE = 'vcs.ref.head.type';
export const VCS_REF_HEAD_REVISION = 'vcs.ref.head.revision';
export const VCS_REF_HEAD_REVISION_TIMESTAMP = 'vcs.ref.head.revision.timestamp';
export const VCS_REF_BASE_NAME = 'vcs.ref.base.name';
export const VCS_CHANGE_ID = 'vcs.change.id';
export const VCS_CHANGE_STATE = 'vcs.change.state';
export const VCS_CHANGE_TITLE = 'vcs.change.title';

export const CICD_PIPELINE_NAME = 'cicd.pipeline.name';
export const CICD_PIPELINE_RESULT = 'cicd.pipeline.result';
export const CICD_PIPELINE_RUN_ID = 'cicd.pipeline.run.id';
export const CICD_PIPELINE_RUN_URL_FULL = 'cicd.pipeline.run.url.full';
export const CICD_PIPELINE_RUN_STATUS = 'cicd.pipeline.run.status';
export const CICD_PIPELINE_RUN_ATTEMPT = 'github.workflow.run.attempt';
export const CICD_PIPELINE_RUN_QUEUE_DURATION = 'cicd.pipeline.run.queue.duration';
export const CICD_PIPELINE_TASK_NAME = 'cicd.pipeline.task.name';
export const CICD_PIPELINE_TASK_RUN_ID = 'cicd.pipeline.task.run.id';
export const CICD_PIPELINE_TASK_RUN_URL_FULL = 'cicd.pipeline.task.run.url.full';
export const CICD_PIPELINE_TASK_RUN_RESULT = 'cicd.pipeline.task.run.result';
export const CICD_PIPELINE_TASK_RUN_STATUS = 'cicd.pipeline.run.task.status';
export const CICD_WORKER_NAME = 'cicd.worker.name';
/** The contrib github receiver's name for the runner. */
export const CICD_PIPELINE_WORKER_NAME = 'cicd.pipeline.worker.name';

export const DEPLOYMENT_ID = 'deployment.id';
export const DEPLOYMENT_NAME = 'deployment.name';
export const DEPLOYMENT_STATUS = 'deployment.status';
export const DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';

/** A commit carried by a push span, as a span event with the commit's time. */
export const VCS_COMMIT_EVENT = 'vcs.commit';

export const TEST_SUITE_NAME = 'test.suite.name';
export const TEST_SUITE_RUN_STATUS = 'test.suite.run.status';
export const TEST_CASE_NAME = 'test.case.name';
export const TEST_CASE_RESULT_STATUS = 'test.case.result.status';
/** Which try of a retried test case this was (1 = first), when the report says. */
export const TEST_CASE_ATTEMPT = 'test.case.attempt';

/** Normalised CI outcomes (semconv cicd.pipeline.result values). */
export type CicdResult = 'success' | 'failure' | 'error' | 'timeout' | 'cancellation' | 'skip';

/** GitHub conclusions and GitLab statuses → semconv cicd.pipeline.result; undefined while running. */
export function cicdResultOf(status: string | null | undefined): CicdResult | undefined {
  switch ((status ?? '').toLowerCase()) {
    case 'success':
    case 'neutral':
      return 'success';
    case 'failure':
    case 'failed':
    case 'startup_failure':
    case 'action_required':
      return 'failure';
    case 'error':
      return 'error';
    case 'timed_out':
      return 'timeout';
    case 'cancelled':
    case 'canceled':
    case 'stale':
      return 'cancellation';
    case 'skipped':
      return 'skip';
    default:
      return undefined;
  }
}
