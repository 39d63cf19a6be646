import type { OverlayPosition } from './overlay-filter.js';

/** How a watermark sits on the video: what a profile is created with. */
export interface WatermarkSettings {
  name: string;
  opacity: number;
  padding: number;
  scale: number;
  position: OverlayPosition;
}

/** The `Watermark` object of reference §4.2 (its own module so video facts can name it without the profiles). */
export interface WatermarkView extends WatermarkSettings {
  uid: string;
  size: number;
  width: number;
  height: number;
  created: string;
  downloadedFrom: string | null;
}
