import type { Asset } from '../assets/asset.js';
import { assetPrefix } from '../assets/asset.js';
import type { Rendition, RenditionRepository } from '../assets/rendition-repository.js';

/**
 * Captions, extra audio tracks and downloads of a video are renditions of its asset (so they
 * count against storage and go with the asset): kind `cf-caption` (name = language), `cf-audio`
 * (name = track uid), `cf-download` (name = default | audio). Their Stream facts live in `extra`.
 * Their bytes live under `<asset prefix>/tracks/<track>/` and `<asset prefix>/downloads/`, outside
 * the stream package, so reprocessing the video never touches them.
 */
export const CAPTION_KIND = 'cf-caption';
export const AUDIO_KIND = 'cf-audio';
export const DOWNLOAD_KIND = 'cf-download';

export type TrackStatus = 'queued' | 'inprogress' | 'ready' | 'error';

/** The folder of one track, served at `/stream/<uid>/manifest/tracks/<track>/<file>`. */
export function trackPrefix(asset: Pick<Asset, 'accountId' | 'id'>, track: string): string {
  return `${assetPrefix(asset.accountId, asset.id)}/tracks/${track}`;
}

export function captionTrackName(language: string): string {
  return `caption-${language}`;
}

export function audioTrackName(uid: string): string {
  return `audio-${uid}`;
}

export interface TrackStore {
  renditions: RenditionRepository;
}

/** Writes a track's facts (and its bytes' key and size) in one upsert. */
export async function saveTrack(
  deps: TrackStore,
  asset: Pick<Asset, 'accountId' | 'id'>,
  kind: string,
  name: string,
  fields: { blobKey: string; size?: number; contentType: string; extra: Record<string, unknown> },
): Promise<void> {
  await deps.renditions.record({
    assetId: asset.id,
    accountId: asset.accountId,
    kind,
    name,
    blobKey: fields.blobKey,
    size: fields.size ?? 0,
    contentType: fields.contentType,
    extra: fields.extra,
  });
}

/** Merges `patch` into a track's facts; false when the track is gone (deleted meanwhile). */
export async function patchTrack(
  deps: TrackStore,
  assetId: string,
  kind: string,
  name: string,
  patch: Record<string, unknown>,
  size?: number,
): Promise<Rendition | null> {
  const current = await deps.renditions.find(assetId, kind, name);
  if (!current) return null;
  const next = { ...current, extra: { ...current.extra, ...patch }, size: size ?? current.size };
  await deps.renditions.record(next);
  return next;
}
