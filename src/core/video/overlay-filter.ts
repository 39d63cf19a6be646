export type OverlayPosition = 'upperRight' | 'upperLeft' | 'lowerLeft' | 'lowerRight' | 'center';

/**
 * An image burnt into every frame (Cloudflare Stream watermarks). Sizes are fractions:
 * `scale` of the video's frame (the image keeps its aspect ratio inside scale*W x scale*H;
 * 0 = the image's own size), `padding` of the frame's shorter side, `opacity` 0..1.
 */
export interface VideoOverlay {
  path: string;
  opacity: number;
  padding: number;
  scale: number;
  position: OverlayPosition;
}

/**
 * The filter-graph piece that lays input `imageInput` over `videoLabel` at the display size
 * `width`x`height` and names the result `outLabel`. The image input is a single frame:
 * overlay's default eof_action (repeat) keeps it on every frame.
 */
export function overlayGraph(
  overlay: VideoOverlay,
  videoLabel: string,
  imageInput: number,
  outLabel: string,
  width: number,
  height: number,
): string {
  const pad = Math.round(overlay.padding * Math.min(width, height));
  const steps = ['format=rgba'];
  if (overlay.scale > 0) {
    const w = Math.max(1, Math.round(overlay.scale * width));
    const h = Math.max(1, Math.round(overlay.scale * height));
    steps.push(`scale=w=${w}:h=${h}:force_original_aspect_ratio=decrease`);
  }
  if (overlay.opacity < 1) steps.push(`colorchannelmixer=aa=${overlay.opacity.toFixed(3)}`);
  const [x, y] = placement(overlay.position, pad);
  return `[${imageInput}:v]${steps.join(',')}[wm];[${videoLabel}][wm]overlay=x=${x}:y=${y}:format=auto[${outLabel}]`;
}

function placement(position: OverlayPosition, pad: number): [string, string] {
  switch (position) {
    case 'upperLeft':
      return [`${pad}`, `${pad}`];
    case 'lowerLeft':
      return [`${pad}`, `H-h-${pad}`];
    case 'lowerRight':
      return [`W-w-${pad}`, `H-h-${pad}`];
    case 'center':
      return ['(W-w)/2', '(H-h)/2'];
    default:
      return [`W-w-${pad}`, `${pad}`];
  }
}
