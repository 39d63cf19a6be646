import sharp from 'sharp';
import { type CheckResult, fail, ok, warn } from './doctor-check.js';

/** The formats Kiln reads and writes through libvips; `needed` ones missing are a fail. */
const FORMATS = [
  { label: 'JPEG', id: 'jpeg', needed: true },
  { label: 'PNG', id: 'png', needed: true },
  { label: 'WebP', id: 'webp', needed: true },
  { label: 'GIF', id: 'gif', needed: false },
  // libvips reads and writes AVIF through its HEIF loader (sharp's format "heif", alias "avif").
  { label: 'AVIF/HEIF', id: 'heif', needed: false },
  { label: 'TIFF', id: 'tiff', needed: false },
  { label: 'SVG', id: 'svg', needed: false },
] as const;

/** libvips (through sharp): its version and which image formats it can read and write. */
export async function checkLibvips(): Promise<CheckResult> {
  const formats = sharp.format as unknown as Record<
    string,
    { input?: { buffer?: boolean }; output?: { buffer?: boolean } }
  >;
  const reads = (id: string) => formats[id]?.input?.buffer === true;
  const writes = (id: string) => formats[id]?.output?.buffer === true;
  const version = `libvips ${sharp.versions.vips} (sharp ${sharp.versions.sharp})`;
  const input = FORMATS.filter((f) => reads(f.id)).map((f) => f.label);
  const output = FORMATS.filter((f) => f.id !== 'svg' && writes(f.id)).map((f) => f.label);
  const detail = `${version}: reads ${input.join(' ')}; writes ${output.join(' ')}`;
  const missing = FORMATS.filter((f) => !reads(f.id) || (f.id !== 'svg' && !writes(f.id)));
  if (missing.length === 0) return ok('libvips', detail);
  const lacks = `missing ${missing.map((f) => f.label).join(', ')}`;
  const fix =
    'reinstall sharp so it brings its own libvips (`npm rebuild sharp`), or build the global libvips with those formats';
  return missing.some((f) => f.needed)
    ? fail('libvips', `${detail}; ${lacks}`, fix)
    : warn('libvips', `${detail}; ${lacks}`, fix);
}
