import type { LiveOutput } from './live-inputs.js';

/** Where live ingest listens, as configured (KILN_RTMP_PORT, KILN_RTMPS_*). */
export interface IngestAddress {
  publicUrl: string;
  /** The one RTMP port; 0 = no ingest in this deployment, no ingest URLs. */
  rtmpPort: number;
  /** The one SRT port (UDP); 0: rtmpPort's number. */
  srtPort: number;
  rtmpsPort: number;
  rtmpsCert?: string | undefined;
  rtmpsKey?: string | undefined;
}

/** RTMPS is served only with a certificate and key. */
export function rtmpsConfigured(address: IngestAddress): boolean {
  return Boolean(address.rtmpsCert && address.rtmpsKey);
}

/** The RTMP(S) URL publishers append their stream key to: rtmps:// when served, else plain rtmp://. */
export function rtmpIngestUrl(address: IngestAddress): string {
  const host = new URL(address.publicUrl).hostname;
  return rtmpsConfigured(address)
    ? `rtmps://${host}:${address.rtmpsPort}/live/`
    : `rtmp://${host}:${address.rtmpPort}/live/`;
}

/** The one SRT port (UDP) of every input: KILN_SRT_PORT, else KILN_RTMP_PORT's number. */
export function srtIngestPort(address: IngestAddress): number {
  return address.srtPort || address.rtmpPort;
}

/** Where a live input's live HLS is served (Cloudflare: `<delivery base>/<input uid>/manifest/video.m3u8`). */
export function liveManifestUrl(publicUrl: string, inputId: string): string {
  return `${publicUrl}/stream/live/${inputId}/manifest/video.m3u8`;
}

/** The RTMP URL ffmpeg pushes an output to: url + "/" + streamKey. */
export function outputTarget(output: LiveOutput): string {
  return `${output.url.replace(/\/+$/, '')}/${output.streamKey}`;
}

/** Blob prefix of a live input's live HLS (playlist + the segments it lists), with a trailing slash. */
export function liveHlsPrefix(accountId: string, inputId: string): string {
  return `stream-live/${accountId}/${inputId}/`;
}
