import type { BroadcastLeases } from './broadcast-leases.js';
import { liveHlsPrefix } from './live-addresses.js';
import type { LiveDeps } from './live-deps.js';
import { enqueueLiveEvent } from './live-events.js';
import { LiveInputs } from './live-inputs.js';
import { finishRecording } from './live-recording.js';

/** After a broadcast ends and `recording.timeoutSeconds` pass without a reconnect: the recording is finished. */
export const LIVE_FINISH_RECORDING_JOB = 'live.finish-recording';
/** While a node holds a broadcast: notices when its lease ran out (the node died) and ends it for it. */
export const LIVE_BROADCAST_WATCH_JOB = 'live.broadcast-watch';

export type FinishRecordingPayload = { inputId: string; accountId: string; videoId: string };

export type BroadcastWatchPayload = { inputId: string; accountId: string; holder: string };

type Runtime = Pick<LiveDeps, 'jobs'>;

export function enqueueFinishRecording(runtime: Runtime, payload: FinishRecordingPayload, delayMs: number) {
  return runtime.jobs.enqueue(LIVE_FINISH_RECORDING_JOB, payload, {
    delayMs,
    maxAttempts: 5,
    backoffMs: 5000,
    leaseSeconds: 600,
  });
}

export function enqueueBroadcastWatch(runtime: Runtime, payload: BroadcastWatchPayload, delayMs: number) {
  return runtime.jobs.enqueue(LIVE_BROADCAST_WATCH_JOB, payload, {
    delayMs,
    maxAttempts: 10,
    backoffMs: 1000,
  });
}

/** Finishes the recording unless a broadcast (on any node) took the input again in the wait. */
export async function runFinishRecording(
  runtime: LiveDeps,
  leases: BroadcastLeases,
  payload: FinishRecordingPayload,
): Promise<void> {
  if (!(await leases.takeVideo(payload.inputId, payload.videoId))) return;
  const input = await new LiveInputs(runtime).find(payload.inputId);
  await finishRecording(runtime, input, payload.accountId, payload.videoId);
}

/**
 * The holder's lease still runs: look again one lease later. It ran out: the holding node died
 * mid-broadcast, so the broadcast ends here (status, webhook, live HLS removed, the recording's
 * wait begins), unless a reconnect has taken the input already.
 */
export async function runBroadcastWatch(
  runtime: LiveDeps,
  leases: BroadcastLeases,
  leaseMs: number,
  payload: BroadcastWatchPayload,
): Promise<void> {
  const row = await leases.find(payload.inputId);
  if (!row || row.holder !== payload.holder) return; // ended normally, or taken by a reconnect
  if (row.lease_expires_at && Date.parse(row.lease_expires_at) >= Date.now()) {
    await enqueueBroadcastWatch(runtime, payload, leaseMs);
    return;
  }
  if (!(await leases.expire(payload.inputId, payload.holder))) return;
  runtime.log.warn({ input: payload.inputId }, 'live broadcast lease ran out: its node is gone');
  const inputs = new LiveInputs(runtime);
  await runtime.blobs.deletePrefix(liveHlsPrefix(payload.accountId, payload.inputId));
  const input = await inputs.find(payload.inputId);
  if (!input) return;
  await inputs.setStatus(input.id, 'client_disconnect');
  await enqueueLiveEvent(runtime, input, 'live_input.disconnected');
  if (row.video_id) {
    const wait = input.settings.recording.timeoutSeconds * 1000;
    const { inputId, accountId } = payload;
    await enqueueFinishRecording(runtime, { inputId, accountId, videoId: row.video_id }, wait);
  }
}
