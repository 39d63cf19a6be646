import { type ChildProcess, spawn } from 'node:child_process';
import { type MediaSandbox, sandboxedCommand, signalTool } from '../../adapters/ffmpeg/sandboxed-command.js';
import { type PackagingSpec, packagingArgs } from './live-packaging.js';

export type IngestProtocol = 'rtmp' | 'srt';

/** An SRT listener for one routed caller (RTMP publishers arrive through rtmp-publish-server.ts). */
export interface ListenerSpec extends PackagingSpec {
  ffmpeg: string;
  protocol: 'srt';
  host: string;
  port: number;
  srtPassphrase: string;
  /** The media sandbox (network shared: it listens); none when absent. */
  sandbox?: MediaSandbox;
}

export interface ListenerEvents {
  /** The first media reached the outputs: a publisher is live. */
  onConnected(): void;
  /** ffmpeg exited; `connected` says whether a broadcast happened. */
  onExit(result: { connected: boolean; stderr: string }): void;
}

/**
 * One ffmpeg SRT listener on a loopback port for one caller that the SRT relay (the one SRT port)
 * routed to a live input by its stream id (ffmpeg's libsrt listener takes one connection per
 * process): it accepts the publisher only with the input's passphrase, copies the stream (no
 * re-encoding) into the packaging outputs (live-packaging.ts) and exits when the publisher leaves.
 */
export class LiveListener {
  private readonly child: ChildProcess;
  private readonly sandboxed: boolean;
  private connected = false;
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
      if (!this.connected && progress.includes('progress=')) {
        this.connected = true;
        events.onConnected();
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4096);
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
  // Started for one caller (srt-relay-server routes it here): gone if it does not connect in 5 s.
  const q = new URLSearchParams({
    mode: 'listener',
    passphrase: spec.srtPassphrase,
    pbkeylen: '16',
    listen_timeout: '5000000',
  });
  // A small probe: mpegts would otherwise read up to 5 MB (the whole broadcast at low bitrates)
  // before its first output.
  args.push('-probesize', '200000', '-analyzeduration', '1500000');
  args.push('-protocol_whitelist', 'srt', '-format_whitelist', 'mpegts');
  args.push('-f', 'mpegts', '-i', `srt://${spec.host}:${spec.port}?${q}`);
  return [...args, ...packagingArgs(spec)];
}
