/** Config of the sentry receiver's upload API (`uploads:`); README.md documents the keys. */

export interface UploadsConfig {
  /** Id of the extension that keeps artifacts (e.g. `issue_store`). */
  artifact_store: string;
  /** The bearer token uploads must carry; absent: made at the first start and kept in `token_file`. */
  token?: string;
  token_file?: string;
  /** Bytes one upload (an artifact bundle or release file) may unpack to. */
  max_upload_size: number;
  /** Bytes of all stored artifacts and waiting chunks together. */
  max_total_size: number;
}

const MIB = 1024 * 1024;

export const UPLOAD_DEFAULTS = {
  max_upload_size: 256 * MIB,
  max_total_size: 4096 * MIB,
  /** Sentry's chunk-upload options. */
  chunk_size: 8 * MIB,
  chunks_per_request: 64,
  max_request_size: 32 * MIB,
};

export const uploadsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['artifact_store'],
  description: "Summit's own: the upload API of sentry-cli and Sentry's bundler plugins (source maps)",
  properties: {
    artifact_store: { type: 'string', minLength: 1 },
    token: { type: 'string', minLength: 16, description: 'bearer token; e.g. ${env:SUMMIT_UPLOAD_TOKEN}' },
    token_file: { type: 'string', minLength: 1, description: 'without token: where the generated token is kept; default ./data/sentry-upload-token under the working directory' },
    max_upload_size: { type: 'integer', minimum: 1, default: UPLOAD_DEFAULTS.max_upload_size, description: 'bytes one upload unpacks to' },
    max_total_size: { type: 'integer', minimum: 1, default: UPLOAD_DEFAULTS.max_total_size, description: 'bytes of everything stored' },
  },
};
