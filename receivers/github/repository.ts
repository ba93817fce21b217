import * as ci from '../../pipeline/cicd/index.js';
import type { Attributes } from '../../pipeline/model.js';
import { optObject, str, type Json } from '../internal/payload.js';
import type { GithubWebhookConfig } from './config.js';

/** Upstream's getServiceName: config, then the repository's `service_name` custom property, then its name. */
export function serviceNameOf(e: Json, config: GithubWebhookConfig): string {
  const repo = optObject(e, 'repository');
  const custom = optObject(repo, 'custom_properties');
  const name = config.service_name || str(custom, 'service_name') || str(repo, 'name');
  return name ? name.replaceAll('_', '-').toLowerCase() : 'unknown_service';
}

/** The resource attributes every GitHub span carries: service, repository, vendor. */
export function repositoryAttributes(r: Attributes, e: Json, config: GithubWebhookConfig): void {
  const repo = optObject(e, 'repository');
  r.set(ci.SERVICE_NAME, serviceNameOf(e, config));
  r.set(ci.VCS_REPOSITORY_NAME, str(repo, 'name'));
  r.set(ci.VCS_VENDOR_NAME, 'github');
  r.set(ci.VCS_PROVIDER_NAME, 'github');
  const url = str(repo, 'html_url');
  if (url) r.set(ci.VCS_REPOSITORY_URL_FULL, url);
  const owner = str(optObject(repo, 'owner'), 'login');
  if (owner) r.set(ci.VCS_REPOSITORY_OWNER, owner);
}
