import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultFfmpegTools, locateFfmpeg } from '../../../src/adapters/ffmpeg/locate-ffmpeg.js';
import { KilnError } from '../../../src/core/errors/kiln-error.js';
import { type MediaProbe, probeMedia } from '../../../src/core/video/probe.js';
import { ffmpeg } from '../../support/video-fixtures.js';

async function npmBuildsInstalled(): Promise<boolean> {
  const names = ['@ffmpeg-installer/ffmpeg', '@ffprobe-installer/ffprobe'];
  return (
    await Promise.all(
      names.map((n) =>
        import(n).then(
          () => true,
          () => false,
        ),
      ),
    )
  ).every(Boolean);
}

const systemFfmpeg = execFileSync('sh', ['-c', 'command -v ffmpeg']).toString().trim();
const systemFfprobe = execFileSync('sh', ['-c', 'command -v ffprobe']).toString().trim();

describe('locateFfmpeg', () => {
  it('finds the system ffmpeg and ffprobe on PATH and reports the version', async () => {
    const tools = await locateFfmpeg();
    assert.equal(tools.ffmpeg, systemFfmpeg);
    assert.equal(tools.ffprobe, systemFfprobe);
    assert.deepEqual(tools.source, { ffmpeg: 'path', ffprobe: 'path' });
    assert.match(tools.version, /^ffmpeg version \S+/);
  });

  it('lets configured paths (KILN_FFMPEG / KILN_FFPROBE) win over PATH', async () => {
    const tools = await locateFfmpeg({ ffmpegPath: systemFfmpeg, ffprobePath: systemFfprobe, pathEnv: '' });
    assert.deepEqual(tools.source, { ffmpeg: 'config', ffprobe: 'config' });
    assert.equal(tools.ffmpeg, systemFfmpeg);
  });

  it('names the variable when a configured path is not executable', async () => {
    await assert.rejects(locateFfmpeg({ ffmpegPath: '/nonexistent/ffmpeg' }), (err) => {
      assert.ok(err instanceof KilnError);
      assert.match(err.message, /KILN_FFMPEG=\/nonexistent\/ffmpeg is not an executable file/);
      return true;
    });
  });

  it('says how to fix it when neither PATH nor an npm build has ffmpeg', async () => {
    await assert.rejects(locateFfmpeg({ pathEnv: '/nonexistent', npmFallback: false }), (err) => {
      assert.ok(err instanceof KilnError);
      assert.equal(err.code, 'unavailable');
      assert.equal(err.message, "ffmpeg not found: install Debian's ffmpeg or set KILN_FFMPEG");
      return true;
    });
  });

  it('falls back to the npm static builds when PATH has none and they are installed', async (t) => {
    if (!(await npmBuildsInstalled())) return t.skip('@ffmpeg-installer/ffmpeg is not installed');
    const tools = await locateFfmpeg({ pathEnv: '/nonexistent' });
    assert.deepEqual(tools.source, { ffmpeg: 'npm', ffprobe: 'npm' });
    assert.match(tools.version, /^ffmpeg version /);
  });

  it('turns the npm static ffprobe crashing on MPEG-TS into a clear error', async (t) => {
    if (!(await npmBuildsInstalled())) return t.skip('@ffprobe-installer/ffprobe is not installed');
    const dir = await mkdtemp(join(tmpdir(), 'kiln-locate-'));
    try {
      const ts = join(dir, 'clip.ts');
      await ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=160x90:rate=10',
        '-t',
        '1',
        '-c:v',
        'libx264',
        '-f',
        'mpegts',
        ts,
      ]);
      const tools = await locateFfmpeg({ pathEnv: '/nonexistent' });
      // Whether this build crashes or copes, probing must settle, never hang or take the process down.
      const outcome = await probeMedia(ts, { tools, timeoutMs: 30_000 }).catch((err: unknown) => err);
      if (outcome instanceof Error) {
        assert.ok(outcome instanceof KilnError);
        assert.equal(outcome.code, 'processing_failed');
        assert.match(outcome.message, /ffprobe crashed with signal SIGSEGV.*install Debian's ffmpeg/);
      } else {
        assert.equal((outcome as MediaProbe).width, 160);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('caches the default tools for the process', async () => {
    assert.equal(await defaultFfmpegTools(), await defaultFfmpegTools());
  });
});
