/**
 * The adaptive bitrate ladder, computed once from the source's display size (pure).
 * Rungs are named after the short side (a 1080x1920 portrait video is "1080p"), as players and
 * Cloudflare Stream do; a rung is kept only if it does not upscale the source. A source smaller
 * than the lowest rung gets a single rendition at its own size.
 */
export interface Rung {
  /** e.g. "720p". */
  name: string;
  width: number;
  height: number;
  /** Target H.264 bits per second. */
  videoBitrate: number;
  /** VBV ceiling and buffer, bits. */
  maxBitrate: number;
  bufferSize: number;
}

export interface LadderSource {
  width: number;
  height: number;
  fps?: number;
}

/** Short side in pixels -> H.264 target bitrate at <= 30 fps. */
export const STANDARD_RUNGS: ReadonlyArray<{ shortSide: number; bitrate: number }> = [
  { shortSide: 240, bitrate: 400_000 },
  { shortSide: 360, bitrate: 800_000 },
  { shortSide: 480, bitrate: 1_400_000 },
  { shortSide: 720, bitrate: 2_800_000 },
  { shortSide: 1080, bitrate: 5_000_000 },
  { shortSide: 1440, bitrate: 10_000_000 },
  { shortSide: 2160, bitrate: 18_000_000 },
];

/** High frame rates need more bits for the same quality. */
const HIGH_FPS_FACTOR = 1.5;

export function buildLadder(source: LadderSource): Rung[] {
  const { width, height } = source;
  if (!(width >= 2 && height >= 2)) throw new RangeError(`invalid source size ${width}x${height}`);
  const portrait = height > width;
  const short = portrait ? width : height;
  const long = portrait ? height : width;
  const fpsFactor = (source.fps ?? 30) > 40 ? HIGH_FPS_FACTOR : 1;

  const rungs = STANDARD_RUNGS.filter((r) => r.shortSide <= short).map((r) =>
    makeRung(
      r.shortSide,
      Math.min(floorEven(long), even((r.shortSide * long) / short)),
      r.bitrate * fpsFactor,
      portrait,
    ),
  );
  if (rungs.length === 0) {
    // Smaller than the lowest rung: the source's own size, at the lowest rung's bitrate scaled by area.
    const lowest = STANDARD_RUNGS[0]!;
    const s = Math.max(2, floorEven(short));
    const l = Math.max(2, floorEven(long));
    const areaRatio = (s * l) / (lowest.shortSide * ((lowest.shortSide * 16) / 9));
    rungs.push(
      makeRung(
        s,
        l,
        Math.max(100_000, Math.round(lowest.bitrate * Math.min(1, areaRatio))) * fpsFactor,
        portrait,
      ),
    );
  }
  return rungs;
}

function makeRung(shortSide: number, longSide: number, bitrate: number, portrait: boolean): Rung {
  const videoBitrate = Math.round(bitrate);
  return {
    name: `${shortSide}p`,
    width: portrait ? shortSide : longSide,
    height: portrait ? longSide : shortSide,
    videoBitrate,
    maxBitrate: Math.round(videoBitrate * 1.5),
    bufferSize: videoBitrate * 2,
  };
}

/** Nearest even integer (H.264 4:2:0 needs even dimensions). */
function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

function floorEven(n: number): number {
  return Math.floor(n / 2) * 2;
}
