import { stringify } from 'yaml';
import { maskSecrets } from './secrets.js';

/** The merged, expanded config as YAML, with the values of secret-looking keys masked. */
export function printConfig(value: unknown): string {
  return stringify(maskSecrets(value), { lineWidth: 0 });
}
