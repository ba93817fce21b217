/**
 * Summit's web UI, a plugin loaded like any vendor's (`plugins: [summit-plugin-ui]` or a path):
 * the `ui` exporter. See README.md.
 */
import type { ComponentFactory } from 'summit';
import { uiConfigSchema, validateUiConfig, type UiConfig } from './server/config.js';
import { UiExporter } from './server/exporter.js';

const uiExporter: ComponentFactory<UiConfig> = {
  type: 'ui',
  kind: 'exporter',
  signals: ['traces', 'metrics', 'logs'],
  stability: 'development',
  configSchema: uiConfigSchema,
  validate: validateUiConfig,
  create: (ctx, config) => new UiExporter(ctx, config),
};

export const name = 'summit-plugin-ui';
export const apiVersion = 1;
export const factories = [uiExporter];
