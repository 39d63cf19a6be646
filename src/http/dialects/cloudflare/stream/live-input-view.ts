import {
  type IngestAddress,
  liveManifestUrl,
  rtmpIngestUrl,
  srtIngestPort,
} from '../../../../core/live/live-addresses.js';
import type { LiveInput, LiveOutput } from '../../../../core/live/live-inputs.js';

/**
 * The `LiveInput` object of reference §4.2 as the SDK types it. RTMP publishers go to the one RTMP
 * port (`rtmps://` when RTMPS is configured, else honestly `rtmp://`) + streamKey, SRT to
 * `srt://<public host>:<port>` (UDP) with streamId and passphrase. Playback over RTMP/SRT and
 * WebRTC are not served, so rtmpsPlayback, srtPlayback, webRTC and webRTCPlayback are absent
 * rather than pointing nowhere. No nulls where the SDK expects numbers or arrays.
 */
export function liveInputView(address: IngestAddress, input: LiveInput) {
  const host = new URL(address.publicUrl).hostname;
  const s = input.settings;
  return {
    uid: input.id,
    created: input.created,
    modified: input.modified,
    meta: s.meta,
    enabled: s.enabled,
    ...(s.deleteRecordingAfterDays !== null && { deleteRecordingAfterDays: s.deleteRecordingAfterDays }),
    preferLowLatency: s.preferLowLatency,
    defaultCreator: s.defaultCreator ?? '',
    status: input.status,
    recording: { ...s.recording, allowedOrigins: s.recording.allowedOrigins ?? [] },
    ...(address.rtmpPort > 0 && {
      rtmps: { url: rtmpIngestUrl(address), streamKey: input.streamKey },
      srt: {
        url: `srt://${host}:${srtIngestPort(address)}`,
        streamId: input.id,
        passphrase: input.srtPassphrase,
      },
    }),
    playback: {
      hls: liveManifestUrl(address.publicUrl, input.id),
      dash: liveManifestUrl(address.publicUrl, input.id).replace(/\.m3u8$/, '.mpd'),
    },
  };
}

export function liveInputSummary(input: LiveInput) {
  return {
    uid: input.id,
    created: input.created,
    modified: input.modified,
    meta: input.settings.meta,
    enabled: input.settings.enabled,
    ...(input.settings.deleteRecordingAfterDays !== null && {
      deleteRecordingAfterDays: input.settings.deleteRecordingAfterDays,
    }),
  };
}

export function liveOutputView(output: LiveOutput) {
  return { uid: output.id, url: output.url, streamKey: output.streamKey, enabled: output.enabled };
}
