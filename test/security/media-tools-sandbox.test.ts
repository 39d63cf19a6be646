import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { uploadFile } from '@uploadcare/upload-client';
import { defaultFfmpegTools } from '../../src/adapters/ffmpeg/locate-ffmpeg.js';
import { runTool } from '../../src/adapters/ffmpeg/run-tool.js';
import { KilnError } from '../../src/core/errors/kiln-error.js';
import { describeMediaFile } from '../../src/core/media/describe-media.js';
import {
  makeScratchDir,
  scratchRoot,
  sweepScratch,
  useScratchRoot,
} from '../../src/core/media/scratch-space.js';
import { probeMedia } from '../../src/core/video/probe.js';
import { transcode } from '../../src/core/video/transcode.js';
import {
  type StreamHarness,
  startStream,
  waitSettled,
} from '../http/dialects/cloudflare-stream/stream-support.js';
import { startUc, type UcHarness } from '../http/dialects/uploadcare/uc-harness.js';

/**
 * Uploaded bytes that make ffmpeg open other files (issue 15): playlists, manifests, lists and
 * patterns must be refused as not a valid video, whichever way they come in, and a tool that is
 * tricked anyway must find nothing of the host to open. The "secret" is a video of a size no
 * fixture has (176x144): if it shows up anywhere, a payload pulled it in.
 */
const run = promisify(execFile);
const SECRET_SIZE = { width: 176, height: 144 };

let dir: string;
let secret: string;

async function ffmpeg(args: string[]) {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

async function makeSecret(path: string) {
  await ffmpeg(
    ['-f', 'lavfi', '-i', 'color=c=0x13579b:size=176x144:rate=10', '-t', '2'].concat([
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      path,
    ]),
  );
}

const hls = (target: string) =>
  `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n${target}\n#EXT-X-ENDLIST\n`;
const dash = (target: string) =>
  '<?xml version="1.0" encoding="utf-8"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" ' +
  'mediaPresentationDuration="PT2S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">' +
  '<Period><AdaptationSet mimeType="video/mp4" contentType="video"><Representation id="0" bandwidth="100000" ' +
  `width="176" height="144" codecs="avc1.64000c"><BaseURL>file://${target}</BaseURL><SegmentBase/>` +
  '</Representation></AdaptationSet></Period></MPD>\n';

/** Payload files, each in its own directory (a concat list and an image pattern name their neighbours). */
async function payloads(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const put = async (name: string, file: string, body: string | Buffer) => {
    const d = join(dir, name);
    await mkdir(d, { recursive: true });
    await writeFile(join(d, file), body);
    out[name] = join(d, file);
    return d;
  };
  await put('hls playlist (path)', 'upload.mp4', hls(secret));
  await put('hls playlist (file: URL)', 'upload.mp4', hls(`file://${secret}`));
  await put('dash manifest', 'upload.mp4', dash(secret));
  const concatDir = await put('ffconcat list', 'upload.mp4', "ffconcat version 1.0\nfile 'neighbour.mp4'\n");
  await copyFile(secret, join(concatDir, 'neighbour.mp4'));
  // image2 picks files by the name's pattern: frame-%d.png reads frame-1.png, frame-2.png...
  const imageDir = await put('image2 pattern', 'frame-%d.png', Buffer.alloc(0));
  await ffmpeg(['-i', secret, '-frames:v', '3', join(imageDir, 'frame-%d.png')]);
  return out;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-sandbox-test-'));
  secret = join(dir, 'secret.mp4');
  await makeSecret(secret);
});
after(() => rm(dir, { recursive: true, force: true }));

describe('core: probe, describe and transcode refuse files that reference other files', () => {
  const PAYLOADS = [
    'hls playlist (path)',
    'hls playlist (file: URL)',
    'dash manifest',
    'ffconcat list',
    'image2 pattern',
  ] as const;
  let files: Record<string, string>;
  before(async () => {
    files = await payloads();
  });
  for (const name of PAYLOADS) {
    test(`${name}: refused as not a valid video, and nothing of the secret is described`, async () => {
      const path = files[name]!;
      await assert.rejects(probeMedia(path), (err) => {
        assert.ok(err instanceof KilnError);
        assert.equal(err.code, 'processing_failed');
        assert.match(err.message, /not a valid video file/);
        assert.equal(err.details.rejection, 'malformed');
        return true;
      });
      assert.deepEqual(await describeMediaFile(path, 'video/mp4'), {});
      const tempRoot = await mkdtemp(join(dir, 'out-'));
      await assert.rejects(transcode(path, { tempRoot }), KilnError);
      assert.deepEqual(await readdir(tempRoot), []);
    });
  }

  test('the secret itself is a plain MP4 that probes fine (the payloads are refused for what they are)', async () => {
    const p = await probeMedia(secret);
    assert.deepEqual([p.width, p.height, p.demuxer], [SECRET_SIZE.width, SECRET_SIZE.height, 'mov']);
  });
});

describe('the sandbox: a tool tricked into opening another file finds nothing there', () => {
  test('ffmpeg cannot read /etc/hostname, nor a file beside its input, with every whitelist off', async () => {
    const tools = await defaultFfmpegTools();
    const hostnameFile = '/etc/hostname';
    const content = (await readFile(hostnameFile).catch(() => Buffer.from(hostname()))).toString().trim();
    // Unconfined, this command prints the file (a control: the read is possible at all).
    const readRaw = (path: string) =>
      ['-v', 'error', '-f', 'data', '-i', path, '-map', '0', '-c', 'copy'].concat(['-f', 'data', 'pipe:1']);
    const input = join(dir, 'input.bin');
    await writeFile(input, 'x');
    for (const target of [hostnameFile, secret]) {
      const outcome = await runTool(tools.ffmpeg, readRaw(target), { access: { read: [input] } }).catch(
        (err: unknown) => err,
      );
      assert.ok(outcome instanceof KilnError, `${target} was readable in the sandbox`);
      assert.match(outcome.message, /No such file or directory/);
    }
    const control = await runTool(tools.ffmpeg, readRaw(input), { access: { read: [input] } });
    assert.equal(control.stdout.toString(), 'x');
    assert.ok(content.length > 0);
  });

  test('an HLS playlist opened with no allow-list still cannot reach the file it names', async () => {
    const tools = await defaultFfmpegTools();
    const playlist = join(dir, 'bare.m3u8');
    await writeFile(playlist, hls(secret));
    const outcome = await runTool(
      tools.ffprobe,
      ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv', '-i', playlist],
      { access: { read: [playlist] } },
    ).catch((err: unknown) => err);
    const text =
      outcome instanceof KilnError ? outcome.message : (outcome as { stdout: Buffer }).stdout.toString();
    assert.doesNotMatch(text, /176,144/);
  });
});

describe('scratch space', () => {
  test('a job killed mid-transcode leaves a directory that the start sweep removes; live owners are kept', async () => {
    const previous = scratchRoot();
    const root = join(dir, 'scratch');
    useScratchRoot(root);
    try {
      const long = join(dir, 'long.mp4');
      await ffmpeg(
        ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '30', '-c:v', 'libx264'].concat([
          '-preset',
          'ultrafast',
          long,
        ]),
      );
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', killedJob(root, long)],
        { stdio: 'ignore' },
      );
      const leftover = await waitForEntry(root, /^kiln-transcode-/);
      await waitForEntry(join(root, leftover), /^kiln-transcode-/); // ffmpeg is at work in there
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      const mine = await makeScratchDir('kiln-test'); // this process is alive and using it
      const unknownOld = join(root, 'something-else');
      await mkdir(unknownOld);
      await utimes(unknownOld, new Date(0), new Date(0));
      const unknownYoung = join(root, 'something-new');
      await mkdir(unknownYoung);

      assert.equal(await sweepScratch(), 1); // start: only the dead process's directory
      const names = await readdir(root);
      assert.ok(!names.includes(leftover), 'the killed job left its directory');
      assert.ok(names.includes(mine.split('/').pop()!));
      assert.equal(await sweepScratch({ olderThan: new Date(Date.now() - 60_000) }), 1); // the periodic sweep
      assert.deepEqual((await readdir(root)).sort(), [mine.split('/').pop()!, 'something-new'].sort());
    } finally {
      useScratchRoot(previous);
    }
  });
});

/** A child Kiln job: transcode a long video in the given scratch root (killed before it ends). */
function killedJob(root: string, input: string): string {
  const src = join(process.cwd(), 'src');
  return [
    `const s = await import(${JSON.stringify(join(src, 'core/media/scratch-space.ts'))});`,
    `const t = await import(${JSON.stringify(join(src, 'core/video/transcode.ts'))});`,
    `s.useScratchRoot(${JSON.stringify(root)});`,
    `const work = await s.makeScratchDir('kiln-transcode');`,
    `await t.transcode(${JSON.stringify(input)}, { tempRoot: work, preset: 'slow' });`,
  ].join('\n');
}

async function waitForEntry(path: string, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = (await readdir(path).catch(() => [] as string[])).find((n) => pattern.test(n));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`nothing like ${pattern} appeared in ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('uploads through the dialects', () => {
  let stream: StreamHarness;
  let uc: UcHarness;
  let inData: string;
  before(async () => {
    stream = await startStream();
    uc = await startUc();
    // A file under the data directory, as another account's rendition would be.
    inData = join(stream.kiln.dataDir, 'blobs', 'secret-rendition.mp4');
    await mkdir(join(stream.kiln.dataDir, 'blobs'), { recursive: true });
    await copyFile(secret, inData);
  });
  after(async () => {
    await stream?.close();
    await uc?.kiln.close();
  });

  async function streamUpload(body: string) {
    const form = new FormData();
    form.append('file', new Blob([body], { type: 'video/mp4' }), 'clip.mp4');
    const res = await fetch(`${stream.kiln.url}/client/v4/accounts/${stream.accountId}/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stream.apiToken}` },
      body: form,
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { result: { uid: string } }).result.uid;
  }

  test('Cloudflare Stream: playlists and manifests naming local files end in error, with no media', async () => {
    for (const body of [hls(secret), hls(inData), hls(`file://${inData}`), dash(inData)]) {
      const uid = await streamUpload(body);
      const v = await waitSettled(stream.client, stream.accountId, uid);
      assert.equal(v.status?.state, 'error', `${body}: ${JSON.stringify(v.status)}`);
      assert.match(v.status?.errorReasonCode ?? '', /^(ERR_MALFORMED_VIDEO|ERR_NON_VIDEO)$/);
      assert.notDeepEqual(v.input, SECRET_SIZE);
      assert.equal((await fetch(v.playback!.hls!)).status, 424);
    }
    // The secret is untouched and nothing copied it into a rendition.
    assert.deepEqual(await readFile(inData), await readFile(secret));
    const scratch = join(stream.kiln.dataDir, 'tmp', 'scratch');
    assert.deepEqual(await readdir(scratch).catch(() => []), [], 'scratch directories are removed');
  });

  test('Uploadcare: a playlist uploaded as a video gets no video_info from the file it names', async () => {
    const file = await uploadFile(Buffer.from(hls(secret)), {
      ...uc.sdk,
      fileName: 'clip.mp4',
      contentType: 'video/mp4',
    });
    assert.equal(file.videoInfo ?? null, null);
    assert.equal(file.contentInfo?.video ?? null, null);
    assert.ok((await stat(secret)).size > 0);
  });
});
