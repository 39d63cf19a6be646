import type { Asset } from '../assets/asset.js';
import type { RenditionRepository } from '../assets/rendition-repository.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { errors, KilnError } from '../errors/kiln-error.js';
import { CAPTION_KIND, captionTrackName, saveTrack, trackPrefix } from './video-tracks.js';

/** Cloudflare's caption limit: one WebVTT file of at most 10 MB per language. */
export const MAX_CAPTION_BYTES = 10 * 1024 * 1024;

export interface CaptionDeps {
  blobs: BlobStore;
  renditions: RenditionRepository;
}

export interface Caption {
  language: string;
  label: string;
  generated: boolean;
  status: 'ready' | 'inprogress' | 'error';
}

/** A BCP 47 tag in canonical case (`en-gb` -> `en-GB`), or a 400. */
export function parseLanguage(raw: string): string {
  try {
    const [tag] = Intl.getCanonicalLocales(raw);
    if (tag && /^[A-Za-z0-9-]{2,35}$/.test(tag)) return tag;
  } catch {}
  throw errors.invalid(`${JSON.stringify(raw)} is not a BCP 47 language tag`);
}

/** The label Cloudflare shows: the language's name in itself (`de` -> Deutsch, `en-GB` -> British English). */
export function captionLabel(language: string): string {
  try {
    const name = new Intl.DisplayNames([language], { type: 'language' }).of(language);
    if (name) return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
  } catch {}
  return language;
}

const SRT_TIME = /(\d{1,2}:\d{2}:\d{2}),(\d{3})/g;
const CUE_TIMING = /^(?:\d{1,2}:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(?:\d{1,2}:)?\d{2}:\d{2}\.\d{3}/m;

/**
 * The WebVTT text of an uploaded caption: WebVTT as is, SubRip (SRT) converted (timestamps'
 * comma -> dot, a WEBVTT header; SRT's numeric cue counters are valid VTT cue identifiers).
 * Anything else is a 400, so a player never receives a file it cannot parse.
 */
export function toWebVtt(input: string): string {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (/^WEBVTT(?:[ \t].*)?(?:\n|$)/.test(text)) {
    if (!CUE_TIMING.test(text)) throw errors.invalid('The WebVTT file has no cues');
    return text.endsWith('\n') ? text : `${text}\n`;
  }
  const srt = /^\s*\d+\n\d{1,2}:\d{2}:\d{2},\d{3}\s+-->\s+\d{1,2}:\d{2}:\d{2},\d{3}/;
  if (srt.test(text)) {
    const body = text.trim().replace(SRT_TIME, '$1.$2');
    return `WEBVTT\n\n${body}\n`;
  }
  throw errors.invalid('The caption file must be WebVTT (starting with "WEBVTT") or SubRip (SRT)');
}

export function captionBlobKey(asset: Pick<Asset, 'accountId' | 'id'>, language: string): string {
  return `${trackPrefix(asset, captionTrackName(language))}/caption.vtt`;
}

/** Stores (or replaces) the caption of one language: `generated: false`, `ready`. */
export async function putCaption(
  deps: CaptionDeps,
  asset: Asset,
  language: string,
  file: string,
): Promise<Caption> {
  const vtt = toWebVtt(file);
  const key = captionBlobKey(asset, language);
  const bytes = Buffer.from(vtt, 'utf8');
  await deps.blobs.put(key, bytes, { contentType: 'text/vtt' });
  const caption: Caption = { language, label: captionLabel(language), generated: false, status: 'ready' };
  await saveTrack(deps, asset, CAPTION_KIND, language, {
    blobKey: key,
    size: bytes.length,
    contentType: 'text/vtt',
    extra: { label: caption.label, generated: false, status: 'ready' },
  });
  return caption;
}

export async function listCaptions(deps: CaptionDeps, asset: Asset): Promise<Caption[]> {
  const rows = await deps.renditions.list(asset.id, CAPTION_KIND);
  return rows
    .map((r) => ({
      language: r.name,
      label: String(r.extra.label ?? r.name),
      generated: r.extra.generated === true,
      status: (r.extra.status as Caption['status']) ?? 'ready',
    }))
    .sort((a, b) => a.language.localeCompare(b.language));
}

export async function getCaption(deps: CaptionDeps, asset: Asset, language: string): Promise<Caption> {
  const found = (await listCaptions(deps, asset)).find((c) => c.language === language);
  if (!found) throw captionNotFound(language);
  return found;
}

export async function deleteCaption(deps: CaptionDeps, asset: Asset, language: string): Promise<void> {
  await getCaption(deps, asset, language);
  await deps.blobs.deletePrefix(`${trackPrefix(asset, captionTrackName(language))}/`);
  await deps.renditions.delete(asset.id, CAPTION_KIND, language);
}

/** Caption generation needs a speech-to-text model, which this server does not have. */
export function generationUnavailable(language: string): KilnError {
  return new KilnError(
    'invalid_input',
    `Generating captions is not available on this server: upload a WebVTT or SRT file for "${language}" instead (PUT .../captions/${language})`,
    { status: 400 },
  );
}

function captionNotFound(language: string): KilnError {
  return new KilnError('not_found', `No caption for language ${language}`);
}
