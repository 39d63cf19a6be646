import { join } from 'node:path';
import { resolveMediaSandbox, useMediaSandbox } from '../adapters/ffmpeg/sandboxed-command.js';
import type { KilnConfig } from '../config/config.js';
import { sweepScratch, useScratchRoot } from '../core/media/scratch-space.js';
import type { Logger } from './logger.js';

/**
 * At start of a serving process: media scratch space goes under `<dataDir>/tmp/scratch` and is
 * swept of what killed processes left there; the media sandbox is checked once (KILN_MEDIA_SANDBOX),
 * failing the start when `bwrap` is required and cannot work, warning loudly when `auto` finds none.
 */
export async function prepareMediaTools(config: KilnConfig, log: Logger): Promise<void> {
  useScratchRoot(join(config.dataDir, 'tmp', 'scratch'));
  const swept = await sweepScratch();
  if (swept > 0) log.info({ swept }, 'removed scratch directories left by stopped processes');
  const sandbox = await resolveMediaSandbox(config.mediaSandbox);
  useMediaSandbox(sandbox);
  if (sandbox.kind === 'none' && config.mediaSandbox === 'auto') {
    log.warn(
      { reason: sandbox.reason },
      'MEDIA SANDBOX UNAVAILABLE: ffmpeg and ffprobe run unconfined on uploaded files (install bubblewrap, or set KILN_MEDIA_SANDBOX=off to silence this)',
    );
  }
}
