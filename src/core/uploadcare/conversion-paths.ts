import { sourceUuid } from './file-management.js';

/** What a `/convert/video/` path asks for (Uploadcare's video processing operations). */
export interface VideoPlan {
  format: 'mp4' | 'webm' | 'ogg';
  size?: { width?: number; height?: number; mode: ResizeMode };
  quality: VideoQuality;
  cut?: { start: number; length: number | 'end' };
  thumbs?: number;
}

export type ResizeMode = 'preserve_ratio' | 'change_ratio' | 'scale_crop' | 'add_padding';
export type VideoQuality = 'lightest' | 'lighter' | 'normal' | 'better' | 'best';

/** What a `/convert/document/` path asks for: only what this server really converts. */
export interface DocumentPlan {
  format: 'jpg' | 'png' | 'webp';
}

export interface ParsedPath<P> {
  uuid: string;
  plan: P;
}

const RESIZE_MODES = new Set(['preserve_ratio', 'change_ratio', 'scale_crop', 'add_padding']);
const QUALITIES = new Set(['lightest', 'lighter', 'normal', 'better', 'best']);
const MAX_SIDE = 4096;
export const MAX_THUMBS = 50;

/** A path refused: its message goes into the response's `problems` under the path. */
export class PathProblem extends Error {}

/** `<uuid or CDN URL>/<kind>/-/op/args/...`: the source uuid and the operations after `/<kind>/`. */
function splitPath(path: string, kind: string, publicUrl: string): { uuid: string; ops: string[][] } {
  const bad = () => new PathProblem(`Bad path "${path}". Use UUID or CDN URL`);
  const marker = `/${kind}/`;
  const at = path.indexOf(marker);
  const head = at === -1 ? path : path.slice(0, at);
  const uuid = sourceUuid(head, publicUrl);
  if (!uuid) throw bad();
  const rest = at === -1 ? '' : path.slice(at + marker.length);
  const ops: string[][] = [];
  for (const chunk of rest.split('-/').slice(1)) {
    const parts = chunk.split('/').filter((p) => p !== '');
    if (parts.length === 0) continue;
    ops.push(parts);
  }
  if (rest !== '' && !rest.startsWith('-/') && rest !== '/') throw bad();
  return { uuid, ops };
}

export function parseVideoPath(path: string, publicUrl: string): ParsedPath<VideoPlan> {
  const { uuid, ops } = splitPath(path, 'video', publicUrl);
  const plan: VideoPlan = { format: 'mp4', quality: 'normal' };
  for (const [op, ...args] of ops) {
    const name = op!.split('~')[0];
    if (name === 'format' && args.length === 1 && ['mp4', 'webm', 'ogg'].includes(args[0]!)) {
      plan.format = args[0] as VideoPlan['format'];
    } else if (name === 'size' && (args.length === 1 || args.length === 2)) {
      const m = /^(\d*)x(\d*)$/.exec(args[0]!);
      const mode = args[1] ?? 'preserve_ratio';
      if (!m || (!m[1] && !m[2]) || !RESIZE_MODES.has(mode))
        throw new PathProblem(`Invalid size: ${args.join('/')}`);
      const width = m[1] ? Number(m[1]) : undefined;
      const height = m[2] ? Number(m[2]) : undefined;
      for (const side of [width, height])
        if (side !== undefined && (side < 4 || side > MAX_SIDE || side % 4 !== 0))
          throw new PathProblem('Video dimensions must be multiples of 4 from 4 to 4096.');
      if (mode !== 'preserve_ratio' && (!width || !height))
        throw new PathProblem(`Resize mode ${mode} needs both width and height.`);
      plan.size = { width, height, mode: mode as ResizeMode };
    } else if (name === 'quality' && args.length === 1 && QUALITIES.has(args[0]!)) {
      plan.quality = args[0] as VideoQuality;
    } else if (name === 'cut' && args.length === 2) {
      const start = seconds(args[0]!);
      const length = args[1] === 'end' ? 'end' : seconds(args[1]!);
      if (start === null || length === null || length === 0)
        throw new PathProblem(`Invalid cut: ${args.join('/')}`);
      plan.cut = { start, length };
    } else if (name === 'thumbs' && args.length === 0) {
      const n = Number(op!.split('~')[1] ?? '1');
      if (!Number.isInteger(n) || n < 1 || n > MAX_THUMBS)
        throw new PathProblem(`The number of thumbnails must be from 1 to ${MAX_THUMBS}.`);
      plan.thumbs = n;
    } else {
      throw new PathProblem(`Unsupported operation: ${[op, ...args].join('/')}`);
    }
  }
  return { uuid, plan };
}

export function parseDocumentPath(path: string, publicUrl: string): ParsedPath<DocumentPlan> {
  const { uuid, ops } = splitPath(path, 'document', publicUrl);
  let format: string | undefined;
  for (const [op, ...args] of ops) {
    if (op === 'format' && args.length === 1) format = args[0]!.toLowerCase();
    else throw new PathProblem(`Unsupported operation: ${[op, ...args].join('/')}`);
  }
  if (format === 'jpeg') format = 'jpg';
  if (format !== 'jpg' && format !== 'png' && format !== 'webp')
    throw new PathProblem(`Conversion to ${format ?? 'the default format'} is not supported on this server.`);
  return { uuid, plan: { format } };
}

/** `HHH:MM:SS.sss` (any leading parts optional) or plain seconds. */
function seconds(value: string): number | null {
  const m = /^(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:\.\d+)?)$/.exec(value);
  if (!m) return null;
  const total = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3]);
  return Number.isFinite(total) ? total : null;
}
