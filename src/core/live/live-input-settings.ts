import { badRequest, parseCreator, parseOrigins } from '../cloudflare-stream/stream-options.js';

/** The settings of a live input as stored (JSON in stream_live_inputs.settings). */
export interface LiveInputSettings {
  meta: Record<string, unknown>;
  enabled: boolean;
  defaultCreator: string | null;
  deleteRecordingAfterDays: number | null;
  preferLowLatency: boolean;
  recording: {
    mode: 'off' | 'automatic';
    requireSignedURLs: boolean;
    allowedOrigins: string[] | null;
    hideLiveViewerCount: boolean;
    timeoutSeconds: number;
  };
}

export const DEFAULT_LIVE_SETTINGS: LiveInputSettings = {
  meta: {},
  enabled: true,
  defaultCreator: null,
  deleteRecordingAfterDays: null,
  preferLowLatency: false,
  recording: {
    mode: 'off',
    requireSignedURLs: false,
    allowedOrigins: null,
    hideLiveViewerCount: false,
    timeoutSeconds: 0,
  },
};

/**
 * Applies a create/update body (reference §3.4) over `base`: every field optional, unknown
 * fields ignored; bounds from §5.2 (deleteRecordingAfterDays 30..1096 or null).
 */
export function parseLiveInputSettings(
  body: Record<string, unknown>,
  base: LiveInputSettings = DEFAULT_LIVE_SETTINGS,
): LiveInputSettings {
  const out: LiveInputSettings = { ...base, recording: { ...base.recording } };
  if (body.meta !== undefined) {
    if (body.meta === null || typeof body.meta !== 'object' || Array.isArray(body.meta))
      throw badRequest('meta must be a JSON object');
    out.meta = body.meta as Record<string, unknown>;
  }
  if (body.enabled !== undefined) out.enabled = bool(body.enabled, 'enabled');
  if (body.preferLowLatency !== undefined)
    out.preferLowLatency = bool(body.preferLowLatency, 'preferLowLatency');
  if (body.defaultCreator !== undefined) out.defaultCreator = parseCreator(body.defaultCreator);
  if (body.deleteRecordingAfterDays !== undefined) {
    const d = body.deleteRecordingAfterDays;
    if (d !== null && (typeof d !== 'number' || !Number.isFinite(d) || d < 30 || d > 1096))
      throw badRequest('deleteRecordingAfterDays must be a number of days from 30 to 1096, or null');
    out.deleteRecordingAfterDays = d;
  }
  if (body.recording !== undefined && body.recording !== null) {
    if (typeof body.recording !== 'object' || Array.isArray(body.recording))
      throw badRequest('recording must be an object');
    const r = body.recording as Record<string, unknown>;
    if (r.mode !== undefined) {
      if (r.mode !== 'off' && r.mode !== 'automatic')
        throw badRequest('recording.mode must be off or automatic');
      out.recording.mode = r.mode;
    }
    if (r.requireSignedURLs !== undefined)
      out.recording.requireSignedURLs = bool(r.requireSignedURLs, 'recording.requireSignedURLs');
    if (r.hideLiveViewerCount !== undefined)
      out.recording.hideLiveViewerCount = bool(r.hideLiveViewerCount, 'recording.hideLiveViewerCount');
    if (r.allowedOrigins !== undefined)
      out.recording.allowedOrigins = r.allowedOrigins === null ? null : parseOrigins(r.allowedOrigins);
    if (r.timeoutSeconds !== undefined) {
      const t = r.timeoutSeconds;
      if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 86_400)
        throw badRequest('recording.timeoutSeconds must be an integer from 0 to 86400');
      out.recording.timeoutSeconds = t;
    }
  }
  return out;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw badRequest(`${field} must be a boolean`);
  return value;
}
