import { timingSafeEqual } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { defaultFfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { mediaSandbox } from '../../adapters/ffmpeg/sandboxed-command.js';
import { type RtmpPublish, RtmpPublishServer } from '../../adapters/rtmp/rtmp-publish-server.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { type BroadcastClaim, BroadcastLeases } from './broadcast-leases.js';
import { liveHlsPrefix, outputTarget, rtmpsConfigured, srtPort } from './live-addresses.js';
import { enqueueBroadcastWatch, enqueueFinishRecording } from './live-broadcast-jobs.js';
import { LiveDashSync } from './live-dash-sync.js';
import { enqueueLiveEvent } from './live-events.js';
import { LiveHlsSync } from './live-hls-sync.js';
import { type LiveInput, LiveInputs } from './live-inputs.js';
import { type IngestProtocol, LiveListener } from './live-listener.js';
import { LivePackager } from './live-packager.js';
import { DASH_DIR, HLS_DIR } from './live-packaging.js';
import { continueOrBeginRecording, recordedSegmentKey } from './live-recording.js';
import { pinnedRestreamUrl } from './restream-target.js';

const TICK_MS = 1000;
const RETRY_MS = 2000;
/** An RTMP stream key: 32 random hex digits, `k`, the input's uid. */
const STREAM_KEY = /^[0-9a-f]{32}k([0-9a-f]{32})$/;

/** One broadcast on this node: where it is packaged, its live HLS mirror, its lease, how to cut it off. */
interface Broadcast {
  protocol: IngestProtocol;
  dir: string;
  sync: LiveHlsSync | null;
  dash: LiveDashSync | null;
  claim: BroadcastClaim | null;
  renewal: NodeJS.Timeout | null;
  stop(): void;
}

interface InputState {
  input: LiveInput;
  /** The input's SRT listener while it waits (ffmpeg's SRT listener takes one publisher per process). */
  srt: { listener: LiveListener; dir: string; signature: string } | null;
  srtRetryAt: number;
  broadcast: Broadcast | null;
  /** Connect/exit handling of one input runs in order. */
  chain: Promise<void>;
}

export interface LiveIngest {
  stop(): Promise<void>;
}

/**
 * The live ingest of one worker process (role worker or all, KILN_RTMP_PORT > 0). RTMP (and RTMPS
 * when configured) publishers of every input arrive on the one port: the stream key names the input
 * and is checked at the publish command, before any media; a second publisher to a live input is
 * refused. The accepted stream goes, as FLV, to a sandboxed ffmpeg that packages it (live-packager).
 * SRT still has an ffmpeg listener per enabled input on its own UDP port, kept by a reconcile tick.
 * Restream outputs are resolved and checked when a broadcast starts. Settings and outputs apply to
 * the next broadcast (a running one is not cut off).
 */
export async function startLiveIngest(runtime: KilnRuntime): Promise<LiveIngest> {
  const repo = new LiveInputs(runtime);
  const states = new Map<string, InputState>();
  const root = join(runtime.config.dataDir, 'live');
  const log = runtime.log.child({ component: 'live-ingest' });
  const leaseMs = runtime.config.liveLeaseSeconds * 1000;
  const leases = new BroadcastLeases(runtime.db, leaseMs);
  let stopped = false;
  const ffmpeg = await defaultFfmpegTools()
    .then((tools) => tools.ffmpeg)
    .catch(() => 'ffmpeg');

  const run = (state: InputState, step: () => Promise<void>) => {
    state.chain = state.chain
      .then(step)
      .catch((err) => log.error({ err, input: state.input.id }, 'live step failed'));
  };

  function stateOf(input: LiveInput): InputState {
    let state = states.get(input.id);
    if (!state) {
      state = {
        input,
        srt: null,
        srtRetryAt: 0,
        broadcast: null,
        chain: Promise.resolve(),
      };
      states.set(input.id, state);
    }
    state.input = input;
    return state;
  }

  /** Enabled outputs as RTMP URLs to the checked address; refused ones left out (and logged). */
  async function targets(input: LiveInput): Promise<string[]> {
    const out: string[] = [];
    for (const o of await repo.outputs(input.id)) {
      if (!o.enabled) continue;
      const url = await pinnedRestreamUrl(o.url, runtime.fetchPolicy);
      if (url) out.push(outputTarget({ ...o, url }));
      else log.warn({ input: input.id, output: o.id }, 'restream output refused: not a public address');
    }
    return out;
  }

  const packagingOf = async (input: LiveInput, dir: string) => ({
    dir,
    segmentSeconds: input.settings.preferLowLatency ? 1 : 2,
    restream: await targets(input),
  });

  async function authorize(publish: RtmpPublish): Promise<Writable | null> {
    const id = STREAM_KEY.exec(publish.name)?.[1];
    if (stopped || publish.app !== 'live' || !id) return null;
    const input = await repo.find(id);
    if (!input || !input.settings.enabled || !sameKey(input.streamKey, publish.name)) return null;
    const state = stateOf(input);
    if (state.broadcast) return null; // a second publisher while the first is live
    const dir = join(root, input.id, `rtmp-${Date.now()}`);
    const broadcast: Broadcast = {
      protocol: 'rtmp',
      dir,
      sync: null,
      dash: null,
      claim: null,
      renewal: null,
      stop: () => {},
    };
    state.broadcast = broadcast;
    state.srt?.listener.stop();
    try {
      await mkdirs(dir);
      if (!(await begin(state, broadcast))) {
        state.broadcast = null;
        await rm(dir, { recursive: true, force: true });
        return null; // another node holds this input's broadcast
      }
      const packager = new LivePackager({
        ffmpeg,
        sandbox: await mediaSandbox(),
        ...(await packagingOf(input, dir)),
      });
      broadcast.stop = () => packager.stop();
      void packager.exited.then(({ code, stderr }) => {
        if (code !== 0) log.warn({ input: input.id, code, stderr }, 'live packaging ended with an error');
        ended(state, broadcast);
      });
      return packager.input;
    } catch (err) {
      ended(state, broadcast);
      throw err;
    }
  }

  /**
   * Takes the input's broadcast lease (false: another node holds it), continues or begins the
   * recording, starts mirroring the live HLS and says the input is connected.
   */
  async function begin(state: InputState, broadcast: Broadcast): Promise<boolean> {
    const input = state.input;
    const claim = await leases.claim(input.id);
    if (!claim) return false;
    broadcast.claim = claim;
    broadcast.renewal = setInterval(() => {
      leases.renew(claim).then(
        (held) => {
          if (held) return;
          log.warn({ input: input.id }, 'live broadcast lease lost: publisher cut off');
          broadcast.stop();
        },
        (err) => log.warn({ err, input: input.id }, 'live broadcast lease not renewed'),
      );
    }, leaseMs / 3);
    broadcast.renewal.unref();
    await enqueueBroadcastWatch(
      runtime,
      { inputId: input.id, accountId: input.accountId, holder: claim.holder },
      2 * leaseMs,
    );
    let recordKey: ((segment: string) => string) | null = null;
    let status = 'connected';
    if (input.settings.recording.mode === 'automatic') {
      const video = await continueOrBeginRecording(runtime, input, claim.videoId);
      if (video.id === claim.videoId) status = 'reconnected';
      else await leases.setVideo(claim, video.id);
      recordKey = (segment) => recordedSegmentKey(video.id, claim.part, segment);
    }
    broadcast.sync = new LiveHlsSync(
      runtime.blobs,
      join(broadcast.dir, HLS_DIR),
      liveHlsPrefix(input.accountId, input.id),
      (err) => log.warn({ err, input: input.id }, 'live HLS upload failed'),
      recordKey,
    );
    broadcast.sync.start();
    broadcast.dash = new LiveDashSync(
      runtime.blobs,
      join(broadcast.dir, DASH_DIR),
      liveHlsPrefix(input.accountId, input.id),
      (err) => log.warn({ err, input: input.id }, 'live DASH upload failed'),
    );
    broadcast.dash.start();
    log.info({ input: input.id, protocol: broadcast.protocol, part: claim.part }, 'live input connected');
    await repo.setStatus(input.id, status);
    await enqueueLiveEvent(runtime, input, 'live_input.connected');
    return true;
  }

  /**
   * The publisher left (or was cut off): the last segments are kept, the lease released, and the
   * recording's finish job waits `recording.timeoutSeconds` for a reconnect to any node.
   */
  function ended(state: InputState, broadcast: Broadcast) {
    if (state.broadcast === broadcast) state.broadcast = null;
    if (broadcast.renewal) clearInterval(broadcast.renewal);
    const input = state.input;
    run(state, async () => {
      await broadcast.dash?.stop();
      await broadcast.sync?.stop(); // removes the live blobs, DASH's too
      await rm(broadcast.dir, { recursive: true, force: true });
      const claim = broadcast.claim;
      if (!claim) return;
      log.info({ input: input.id, protocol: broadcast.protocol }, 'live input disconnected');
      await leases.release(claim);
      await repo.setStatus(input.id, 'client_disconnect');
      await enqueueLiveEvent(runtime, input, 'live_input.disconnected');
      if (claim.videoId) {
        const payload = { inputId: input.id, accountId: input.accountId, videoId: claim.videoId };
        await enqueueFinishRecording(runtime, payload, input.settings.recording.timeoutSeconds * 1000);
      }
    });
  }

  // SRT: one waiting ffmpeg listener per enabled input, respawned after each publisher.
  async function tick(): Promise<void> {
    const enabled = new Set<string>();
    for (const input of await repo.all()) {
      if (!input.settings.enabled) continue;
      enabled.add(input.id);
      const state = stateOf(input);
      if (state.broadcast) continue;
      const outputs = (await repo.outputs(input.id)).filter((o) => o.enabled).map(outputTarget);
      const signature = JSON.stringify([input.srtPassphrase, input.settings, outputs]);
      if (state.srt && state.srt.signature !== signature) state.srt.listener.stop();
      if (!state.srt && Date.now() >= state.srtRetryAt) await spawnSrtListener(state, signature);
    }
    for (const [id, state] of states) {
      if (enabled.has(id)) continue;
      state.srt?.listener.stop();
      state.broadcast?.stop();
      if (!state.srt && !state.broadcast) states.delete(id);
    }
  }

  async function spawnSrtListener(state: InputState, signature: string) {
    const input = state.input;
    const dir = join(root, input.id, `srt-${Date.now()}`);
    await mkdirs(dir);
    const waiting = { dir, signature } as NonNullable<InputState['srt']>;
    waiting.listener = new LiveListener(
      {
        ffmpeg,
        protocol: 'srt',
        host: runtime.config.host,
        port: srtPort(runtime.config, input),
        srtPassphrase: input.srtPassphrase,
        sandbox: await mediaSandbox(),
        ...(await packagingOf(input, dir)),
      },
      {
        onConnected: () => {
          if (state.srt === waiting) state.srt = null;
          if (state.broadcast) return waiting.listener.stop(); // RTMP was first
          const stop = () => waiting.listener.stop();
          const broadcast: Broadcast = {
            protocol: 'srt',
            dir,
            sync: null,
            dash: null,
            claim: null,
            renewal: null,
            stop,
          };
          state.broadcast = broadcast;
          run(state, async () => {
            if (!(await begin(state, broadcast))) stop(); // another node holds this input's broadcast
          });
        },
        onExit: ({ connected, stderr }) => {
          if (state.srt === waiting) state.srt = null;
          const broadcast = state.broadcast;
          if (connected && broadcast?.dir === dir) return ended(state, broadcast);
          // Stopped on purpose or could not bind: try again a little later.
          state.srtRetryAt = Date.now() + RETRY_MS;
          if (stderr.trim()) log.debug({ input: input.id, stderr }, 'SRT listener exited');
          void rm(dir, { recursive: true, force: true });
        },
      },
    );
    state.srt = waiting;
  }

  const rtmp = new RtmpPublishServer(authorize, (err) => log.error({ err }, 'RTMP publish check failed'));
  const { host, rtmpPort, rtmpsPort, rtmpsCert, rtmpsKey } = runtime.config;
  try {
    await rtmp.listen({
      host,
      port: rtmpPort,
      ...(rtmpsConfigured(runtime.config) && {
        tls: { port: rtmpsPort, certFile: rtmpsCert!, keyFile: rtmpsKey! },
      }),
    });
  } catch (err) {
    // Another process holds the port (a second worker on this host): this one takes no RTMP
    // publishers; the others do (broadcasts are leased in the database, not tied to a node).
    log.error({ err, port: rtmpPort }, 'live ingest: cannot listen for RTMP publishers in this process');
    await rtmp.close();
  }

  let ticking: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    ticking = ticking.then(tick).catch((err) => log.error({ err }, 'live ingest tick failed'));
  }, TICK_MS);
  timer.unref();

  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await ticking.catch(() => {});
      await rtmp.close(); // publishers cut off: their packagers finish
      for (const state of states.values()) {
        state.srt?.listener.stop();
        state.broadcast?.stop();
      }
      // Give ffmpeg time to exit and the exit steps to run (leases released, finish jobs queued).
      const deadline = Date.now() + 10_000;
      while ([...states.values()].some((s) => s.broadcast || s.srt) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const state of states.values()) await state.chain;
    },
  };
}

/** A broadcast's work directory with its hls/ and dash/ output directories. */
async function mkdirs(dir: string): Promise<void> {
  await mkdir(join(dir, HLS_DIR), { recursive: true });
  await mkdir(join(dir, DASH_DIR), { recursive: true });
}

function sameKey(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
