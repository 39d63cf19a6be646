import type { LiveInput, LiveOutput } from './live-inputs.js';

export interface IngestAddress {
  publicUrl: string;
  /** First ingest port (KILN_RTMP_PORT); 0 = no ingest, no ingest URLs. */
  rtmpPort: number;
}

/** Where a live input's live HLS is served (Cloudflare: `<delivery base>/<input uid>/manifest/video.m3u8`). */
export function liveManifestUrl(publicUrl: string, inputId: string): string {
  return `${publicUrl}/stream/live/${inputId}/manifest/video.m3u8`;
}

export function ingestPort(address: IngestAddress, input: Pick<LiveInput, 'slot'>): number {
  return address.rtmpPort + input.slot;
}

/**
 * The `LiveInput` object of reference §4.2. RTMP goes to `rtmp://<public host>:<port>/live/` +
 * streamKey, SRT to `srt://<public host>:<same port>` (UDP) with streamId and passphrase. Playback
 * over RTMP/SRT and WebRTC are not offered, so those fields are left out.
 */
export function liveInputView(address: IngestAddress, input: LiveInput) {
  const host = new URL(address.publicUrl).hostname;
  const port = ingestPort(address, input);
  const s = input.settings;
  return {
    uid: input.id,
    created: input.created,
    modified: input.modified,
    meta: s.meta,
    enabled: s.enabled,
    deleteRecordingAfterDays: s.deleteRecordingAfterDays,
    preferLowLatency: s.preferLowLatency,
    defaultCreator: s.defaultCreator ?? '',
    status: input.status,
    recording: s.recording,
    ...(address.rtmpPort > 0 && {
      rtmps: { url: `rtmp://${host}:${port}/live/`, streamKey: input.streamKey },
      srt: { url: `srt://${host}:${port}`, streamId: input.id, passphrase: input.srtPassphrase },
    }),
    playback: { hls: liveManifestUrl(address.publicUrl, input.id) },
  };
}

export function liveInputSummary(input: LiveInput) {
  return {
    uid: input.id,
    created: input.created,
    modified: input.modified,
    meta: input.settings.meta,
    enabled: input.settings.enabled,
    deleteRecordingAfterDays: input.settings.deleteRecordingAfterDays,
  };
}

export function liveOutputView(output: LiveOutput) {
  return { uid: output.id, url: output.url, streamKey: output.streamKey, enabled: output.enabled };
}

/** The RTMP URL ffmpeg pushes an output to: url + "/" + streamKey. */
export function outputTarget(output: LiveOutput): string {
  return `${output.url.replace(/\/+$/, '')}/${output.streamKey}`;
}

/** Blob prefix of a live input's live HLS (playlist + the segments it lists), with a trailing slash. */
export function liveHlsPrefix(accountId: string, inputId: string): string {
  return `stream-live/${accountId}/${inputId}/`;
}
