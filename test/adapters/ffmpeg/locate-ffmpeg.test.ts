import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { defaultFfmpegTools, locateFfmpeg } from '../../../src/adapters/ffmpeg/locate-ffmpeg.js';
import { KilnError } from '../../../src/core/errors/kiln-error.js';

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
    await assert.rejects(locateFfmpeg({ pathEnv: '/nonexistent' }), (err) => {
      assert.ok(err instanceof KilnError);
      assert.equal(err.code, 'unavailable');
      assert.equal(err.message, "ffmpeg not found: install Debian's ffmpeg or set KILN_FFMPEG");
      return true;
    });
  });

  it('caches the default tools for the process', async () => {
    assert.equal(await defaultFfmpegTools(), await defaultFfmpegTools());
  });
});
