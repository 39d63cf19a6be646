import { type ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { type MediaSandbox, sandboxedCommand, signalTool } from '../../adapters/ffmpeg/sandboxed-command.js';
import { type PackagingSpec, packagingArgs } from './live-packaging.js';

export interface PackagerSpec extends PackagingSpec {
  ffmpeg: string;
  sandbox?: MediaSandbox;
}

/**
 * The packaging of one broadcast that arrives as FLV from the RTMP server: a sandboxed ffmpeg
 * reads its stdin (forced flv demuxer, only the pipe protocol) and copies the stream to the live
 * HLS, the recording and the restream outputs. Ending `input` (the publisher left) lets ffmpeg
 * finish its outputs and exit; `exited` resolves then.
 */
export class LivePackager {
  readonly input: Writable;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  private readonly child: ChildProcess;
  private readonly sandboxed: boolean;

  constructor(spec: PackagerSpec) {
    const sandbox = spec.sandbox ?? { kind: 'none', reason: 'not configured' };
    const run = sandboxedCommand(sandbox, spec.ffmpeg, packagerArgs(spec), {
      write: [spec.dir],
      network: spec.restream.length > 0, // only to dial restream outputs
    });
    this.sandboxed = sandbox.kind === 'bwrap';
    this.child = spawn(run.command, run.args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.input = this.child.stdin!;
    this.input.on('error', () => {}); // ffmpeg gone: the exit says why
    let stderr = '';
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4096);
    });
    this.child.once('error', () => {});
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve({ code, stderr })));
  }

  /** Ends the input; SIGTERM after 5 s if ffmpeg has not finished, SIGKILL after 8 s. */
  stop(): void {
    this.input.end();
    setTimeout(() => signalTool(this.child, this.sandboxed, 'SIGTERM'), 5000).unref();
    setTimeout(() => signalTool(this.child, this.sandboxed, 'SIGKILL'), 8000).unref();
  }
}

export function packagerArgs(spec: PackagingSpec): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'warning',
    ...['-protocol_whitelist', 'pipe', '-format_whitelist', 'flv'],
    // Small probe: the first segment should not wait for megabytes of a low-bitrate stream.
    ...['-probesize', '500000', '-analyzeduration', '2000000'],
    ...['-f', 'flv', '-i', 'pipe:0'],
    ...packagingArgs(spec),
  ];
}
