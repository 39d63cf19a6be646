import { timingSafeEqual } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { defaultFfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { mediaSandbox } from '../../adapters/ffmpeg/sandboxed-command.js';
import { type RtmpPublish, RtmpPublishServer } from '../../adapters/rtmp/rtmp-publish-server.js';
import { freeUdpPort, SrtRelayServer } from '../../adapters/srt/srt-relay-server.js';
import { type BroadcastClaim, BroadcastLeases } from './broadcast-leases.js';
import { liveHlsPrefix, outputTarget, rtmpsConfigured, srtIngestPort } from './live-addresses.js';
import { enqueueBroadcastWatch, enqueueFinishRecording } from './live-broadcast-jobs.js';
import { LiveDashSync } from './live-dash-sync.js';
import type { LiveDeps } from './live-deps.js';
import { enqueueLiveEvent } from './live-events.js';
import { LiveHlsSync } from './live-hls-sync.js';
import { type LiveInput, LiveInputs } from './live-inputs.js';
import { type IngestProtocol, LiveListener } from './live-listener.js';
import { LivePackager } from './live-packager.js';
import { DASH_DIR, HLS_DIR } from './live-packaging.js';
import { continueOrBeginRecording, recordedSegmentKey } from './live-recording.js';
import { pinnedRestreamUrl } from './restream-target.js';

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
 * SRT callers of every input arrive on the one SRT port (srt-relay-server), routed by stream id
 * to an ffmpeg listener started for that caller, which checks the passphrase. Nothing runs per idle
 * input: no process, timer or DNS lookup. Restream outputs are resolved and checked when a broadcast starts. Settings and outputs apply to
 * the next broadcast (a running one is not cut off).
 */
export async function startLiveIngest(runtime: LiveDeps): Promise<LiveIngest> {
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
    // While live: renew the lease; a lost lease, or the input deleted or disabled, cuts the publisher off.
    broadcast.renewal = setInterval(() => {
      Promise.all([leases.renew(claim), repo.find(input.id)]).then(
        ([held, current]) => {
          if (held && current?.settings.enabled) return;
          log.warn({ input: input.id, held }, 'live broadcast ended: lease lost or input gone or disabled');
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
      if (!state.broadcast && states.get(input.id) === state) states.delete(input.id);
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

  /**
   * An SRT caller named this input (stream id = the input's uid): an ffmpeg listener is started
   * for it on a loopback port, which takes it only with the input's passphrase.
   */
  async function routeSrt(streamId: string): Promise<{ port: number } | null> {
    if (stopped || !/^[0-9a-f]{32}$/.test(streamId)) return null;
    const input = await repo.find(streamId);
    if (!input || !input.settings.enabled) return null;
    const state = stateOf(input);
    if (state.broadcast) return null; // a second publisher while the first is live (or connecting)
    const dir = join(root, input.id, `srt-${Date.now()}`);
    const broadcast: Broadcast = {
      protocol: 'srt',
      dir,
      sync: null,
      dash: null,
      claim: null,
      renewal: null,
      stop: () => {},
    };
    state.broadcast = broadcast;
    try {
      await mkdirs(dir);
      const port = await freeUdpPort();
      const listener = new LiveListener(
        {
          ffmpeg,
          protocol: 'srt',
          host: '127.0.0.1',
          port,
          srtPassphrase: input.srtPassphrase,
          sandbox: await mediaSandbox(),
          ...(await packagingOf(input, dir)),
        },
        {
          onConnected: () =>
            run(state, async () => {
              if (!(await begin(state, broadcast))) listener.stop(); // another node holds it
            }),
          onExit: ({ connected, stderr }) => {
            if (!connected && stderr.trim()) log.debug({ input: input.id, stderr }, 'SRT caller not taken');
            ended(state, broadcast);
          },
        },
      );
      broadcast.stop = () => listener.stop();
      return { port };
    } catch (err) {
      ended(state, broadcast);
      throw err;
    }
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

  const srt = new SrtRelayServer(routeSrt, (err) => log.error({ err }, 'SRT routing failed'));
  try {
    await srt.listen(host, srtIngestPort(runtime.config));
  } catch (err) {
    log.error(
      { err, port: srtIngestPort(runtime.config) },
      'live ingest: cannot listen for SRT publishers in this process',
    );
  }

  return {
    stop: async () => {
      stopped = true;
      await rtmp.close(); // publishers cut off: their packagers finish
      await srt.close();
      for (const state of states.values()) state.broadcast?.stop();
      // Give ffmpeg time to exit and the exit steps to run (leases released, finish jobs queued).
      const deadline = Date.now() + 10_000;
      while ([...states.values()].some((s) => s.broadcast) && Date.now() < deadline) {
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
