import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type MediaSandbox, sandboxedCommand, signalTool } from '../../adapters/ffmpeg/sandboxed-command.js';

export type IngestProtocol = 'rtmp' | 'srt';

export interface ListenerSpec {
  ffmpeg: string;
  protocol: IngestProtocol;
  host: string;
  port: number;
  streamKey: string;
  srtPassphrase: string;
  /** Work directory of this broadcast attempt: hls/ (live playlist + segments) and record.ts. */
  dir: string;
  /** Segment length of the live HLS (keyframe-aligned: segments cut at the next keyframe). */
  segmentSeconds: number;
  record: boolean;
  /** Full RTMP URLs to restream to (failures there never stop the ingest: tee onfail=ignore). */
  restream: string[];
  /** The media sandbox (network shared: it listens); none when absent. */
  sandbox?: MediaSandbox;
}

export interface ListenerEvents {
  /** The first media reached the outputs: a publisher is live. */
  onConnected(): void;
  /** ffmpeg exited; `connected` says whether a broadcast happened. */
  onExit(result: { connected: boolean; stderr: string }): void;
}

export const HLS_DIR = 'hls';
export const LIVE_PLAYLIST = 'video.m3u8';
export const RECORD_FILE = 'record.ts';

/**
 * One ffmpeg in listen mode for one live input and protocol: it accepts exactly one publisher
 * (RTMP `-listen 1`, or an SRT listener that checks the passphrase), copies the stream (no
 * re-encoding) into a sliding live HLS playlist, the recording and every restream output through
 * the tee muxer, and exits when the publisher leaves. ffmpeg's RTMP server only warns about a
 * wrong stream key, so that warning kills the process before anything is published.
 */
export class LiveListener {
  private readonly child: ChildProcess;
  private readonly sandboxed: boolean;
  private connected = false;
  private rejected = false;
  private stderr = '';

  constructor(spec: ListenerSpec, events: ListenerEvents) {
    const sandbox = spec.sandbox ?? { kind: 'none', reason: 'not configured' };
    // Writes only its broadcast's directory; reads nothing of the host; the network for its port.
    const run = sandboxedCommand(sandbox, spec.ffmpeg, listenerArgs(spec), {
      write: [spec.dir],
      network: true,
    });
    this.sandboxed = sandbox.kind === 'bwrap';
    this.child = spawn(run.command, run.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let progress = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      progress = (progress + chunk).slice(-256);
      if (!this.connected && !this.rejected && progress.includes('progress=')) {
        this.connected = true;
        events.onConnected();
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4096);
      if (!this.connected && /Unexpected stream|App field don't match/.test(this.stderr)) {
        this.rejected = true;
        this.child.kill('SIGKILL');
      }
    });
    this.child.once('error', () => {}); // spawn failure surfaces as exit
    this.child.once('close', () => events.onExit({ connected: this.connected, stderr: this.stderr }));
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** SIGTERM lets ffmpeg close its outputs (playlist, recording) cleanly; SIGKILL after 3 s. */
  stop(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    signalTool(this.child, this.sandboxed, 'SIGTERM');
    setTimeout(() => signalTool(this.child, this.sandboxed, 'SIGKILL'), 3000).unref();
  }
}

export function listenerArgs(spec: ListenerSpec): string[] {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'warning',
    '-progress',
    'pipe:1',
    '-stats_period',
    '0.5',
  ];
  if (spec.protocol === 'rtmp') {
    args.push('-protocol_whitelist', 'rtmp,tcp', '-format_whitelist', 'flv');
    args.push('-listen', '1', '-f', 'flv', '-i', `rtmp://${spec.host}:${spec.port}/live/${spec.streamKey}`);
  } else {
    const q = new URLSearchParams({ mode: 'listener', passphrase: spec.srtPassphrase, pbkeylen: '16' });
    // A small probe: mpegts would otherwise read up to 5 MB (the whole broadcast at low bitrates)
    // before its first output.
    args.push('-probesize', '200000', '-analyzeduration', '1500000');
    args.push('-protocol_whitelist', 'srt', '-format_whitelist', 'mpegts');
    args.push('-f', 'mpegts', '-i', `srt://${spec.host}:${spec.port}?${q}`);
  }
  const hls = join(spec.dir, HLS_DIR);
  const slaves = [
    `[f=hls:hls_time=${spec.segmentSeconds}:hls_list_size=6:hls_flags=delete_segments+independent_segments` +
      `:hls_segment_filename=${join(hls, 'seg-%05d.ts')}]${join(hls, LIVE_PLAYLIST)}`,
  ];
  if (spec.record) slaves.push(`[f=mpegts]${join(spec.dir, RECORD_FILE)}`);
  for (const target of spec.restream) slaves.push(`[f=flv:onfail=ignore]${target}`);
  args.push('-map', '0', '-c', 'copy', '-f', 'tee', slaves.join('|'));
  return args;
}
