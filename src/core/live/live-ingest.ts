import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultFfmpegTools } from '../../adapters/ffmpeg/locate-ffmpeg.js';
import { mediaSandbox } from '../../adapters/ffmpeg/sandboxed-command.js';
import type { KilnRuntime } from '../../runtime/kiln-runtime.js';
import { enqueueLiveEvent } from './live-events.js';
import { LiveHlsSync } from './live-hls-sync.js';
import { ingestPort, liveHlsPrefix, outputTarget } from './live-input-view.js';
import { type LiveInput, LiveInputs } from './live-inputs.js';
import { HLS_DIR, type IngestProtocol, LiveListener, RECORD_FILE } from './live-listener.js';
import { LiveRecording } from './live-recording.js';
import { pinnedRestreamUrl } from './restream-target.js';

const TICK_MS = 1000;
const RETRY_MS = 2000;
const PROTOCOLS: IngestProtocol[] = ['rtmp', 'srt'];

interface Waiting {
  listener: LiveListener;
  dir: string;
  signature: string;
}

interface InputState {
  input: LiveInput;
  listeners: Map<IngestProtocol, Waiting>;
  broadcast: { entry: Waiting; sync: LiveHlsSync } | null;
  recording: LiveRecording | null;
  recordingTimer: NodeJS.Timeout | null;
  retryAt: Map<IngestProtocol, number>;
  /** Connect/exit handling of one input runs in order. */
  chain: Promise<void>;
}

export interface LiveIngest {
  stop(): Promise<void>;
}

/**
 * The live ingest of one worker process (role worker or all, KILN_RTMP_PORT > 0). Every second it
 * reads the live inputs and keeps, for each enabled one, an ffmpeg listener per protocol waiting
 * on the input's port (RTMP on TCP, SRT on UDP, same number). When a publisher connects, the other
 * protocol's listener is stopped, the live HLS is mirrored to the blob store and the recording
 * starts; when it leaves, the listeners are spawned again. Settings and outputs apply to the next
 * broadcast (a running one is not cut off).
 */
export function startLiveIngest(runtime: KilnRuntime): LiveIngest {
  const repo = new LiveInputs(runtime);
  const states = new Map<string, InputState>();
  const root = join(runtime.config.dataDir, 'live');
  let stopped = false;
  let ffmpeg = 'ffmpeg';
  const log = runtime.log.child({ component: 'live-ingest' });

  const run = (state: InputState, step: () => Promise<void>) => {
    state.chain = state.chain
      .then(step)
      .catch((err) => log.error({ err, input: state.input.id }, 'live step failed'));
  };

  async function tick(): Promise<void> {
    const inputs = await repo.all();
    const enabled = new Set<string>();
    for (const input of inputs) {
      if (!input.settings.enabled) continue;
      enabled.add(input.id);
      let state = states.get(input.id);
      if (!state) {
        state = {
          input,
          listeners: new Map(),
          broadcast: null,
          recording: null,
          recordingTimer: null,
          retryAt: new Map(),
          chain: Promise.resolve(),
        };
        states.set(input.id, state);
      }
      state.input = input;
      if (state.broadcast) continue;
      const signature = JSON.stringify([
        input.streamKey,
        input.srtPassphrase,
        input.settings,
        await configuredTargets(input),
      ]);
      for (const protocol of PROTOCOLS) {
        const waiting = state.listeners.get(protocol);
        if (waiting && waiting.signature !== signature) waiting.listener.stop();
        if (!waiting && Date.now() >= (state.retryAt.get(protocol) ?? 0)) {
          await spawnListener(state, protocol, signature);
        }
      }
    }
    for (const [id, state] of states) {
      if (enabled.has(id)) continue;
      for (const w of state.listeners.values()) w.listener.stop();
      state.broadcast?.entry.listener.stop();
      if (state.listeners.size === 0 && !state.broadcast && !state.recording) states.delete(id);
    }
  }

  /** Enabled outputs as configured (a change restarts the waiting listeners; no DNS here). */
  async function configuredTargets(input: LiveInput): Promise<string[]> {
    return (await repo.outputs(input.id)).filter((o) => o.enabled).map(outputTarget);
  }

  /**
   * Enabled outputs as RTMP URLs to the checked address (see pinnedRestreamUrl); private
   * destinations only when private fetches are allowed, refused ones left out.
   */
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

  async function spawnListener(state: InputState, protocol: IngestProtocol, signature: string) {
    const input = state.input;
    const dir = join(root, input.id, `${protocol}-${Date.now()}`);
    await mkdir(join(dir, HLS_DIR), { recursive: true });
    const entry: Waiting = { dir, signature } as Waiting;
    entry.listener = new LiveListener(
      {
        ffmpeg,
        protocol,
        host: runtime.config.host,
        port: ingestPort(runtime.config, input),
        streamKey: input.streamKey,
        srtPassphrase: input.srtPassphrase,
        dir,
        segmentSeconds: input.settings.preferLowLatency ? 1 : 2,
        record: input.settings.recording.mode === 'automatic',
        restream: await targets(input),
        sandbox: await mediaSandbox(),
      },
      {
        onConnected: () => connected(state, protocol, entry),
        onExit: (result) => exited(state, protocol, entry, result.connected, result.stderr),
      },
    );
    state.listeners.set(protocol, entry);
  }

  function connected(state: InputState, protocol: IngestProtocol, entry: Waiting) {
    state.listeners.delete(protocol);
    for (const other of state.listeners.values()) other.listener.stop();
    const input = state.input;
    const sync = new LiveHlsSync(
      runtime.blobs,
      join(entry.dir, HLS_DIR),
      liveHlsPrefix(input.accountId, input.id),
      (err) => log.warn({ err, input: input.id }, 'live HLS upload failed'),
    );
    sync.start();
    state.broadcast = { entry, sync };
    log.info({ input: input.id, protocol }, 'live input connected');
    run(state, async () => {
      await repo.setStatus(input.id, 'connected');
      await enqueueLiveEvent(runtime, input, 'live_input.connected');
      if (input.settings.recording.mode !== 'automatic') return;
      if (state.recordingTimer) clearTimeout(state.recordingTimer); // reconnected in time: same video
      state.recordingTimer = null;
      state.recording ??= await LiveRecording.begin(runtime, input, ffmpeg);
    });
  }

  function exited(
    state: InputState,
    protocol: IngestProtocol,
    entry: Waiting,
    wasLive: boolean,
    stderr: string,
  ) {
    if (state.listeners.get(protocol) === entry) state.listeners.delete(protocol);
    if (!wasLive) {
      // Stopped on purpose, refused a publisher, or could not bind: try again a little later.
      state.retryAt.set(protocol, Date.now() + RETRY_MS);
      if (stderr.trim()) log.debug({ input: state.input.id, protocol, stderr }, 'live listener exited');
      void rm(entry.dir, { recursive: true, force: true });
      return;
    }
    const broadcast = state.broadcast;
    state.broadcast = null;
    log.info({ input: state.input.id, protocol }, 'live input disconnected');
    run(state, async () => {
      await broadcast?.sync.stop();
      await rm(join(entry.dir, HLS_DIR), { recursive: true, force: true });
      await repo.setStatus(state.input.id, 'client_disconnect');
      await enqueueLiveEvent(runtime, state.input, 'live_input.disconnected');
      const recording = state.recording;
      if (!recording) return void (await rm(entry.dir, { recursive: true, force: true }));
      recording.addPart(join(entry.dir, RECORD_FILE));
      const wait = state.input.settings.recording.timeoutSeconds * 1000;
      state.recordingTimer = setTimeout(() => run(state, () => finish(state)), wait);
      state.recordingTimer.unref();
    });
  }

  async function finish(state: InputState): Promise<void> {
    const recording = state.recording;
    state.recording = null;
    state.recordingTimer = null;
    if (recording) await recording.finish(runtime, state.input);
  }

  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> = Promise.resolve();
  void defaultFfmpegTools()
    .then((tools) => {
      ffmpeg = tools.ffmpeg;
    })
    .catch(() => {})
    .finally(() => {
      if (stopped) return;
      timer = setInterval(() => {
        ticking = ticking.then(tick).catch((err) => log.error({ err }, 'live ingest tick failed'));
      }, TICK_MS);
      timer.unref();
    });

  return {
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      await ticking.catch(() => {});
      for (const state of states.values()) {
        for (const w of state.listeners.values()) w.listener.stop();
        state.broadcast?.entry.listener.stop();
      }
      // Give ffmpeg time to exit and the exit steps to run; then finish what was recorded.
      const deadline = Date.now() + 5000;
      while ([...states.values()].some((s) => s.broadcast || s.listeners.size > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const state of states.values()) {
        await state.chain;
        if (state.recordingTimer) clearTimeout(state.recordingTimer);
        if (state.recording) await finish(state).catch((err) => log.error({ err }, 'recording not finished'));
      }
    },
  };
}
