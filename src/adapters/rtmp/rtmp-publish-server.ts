import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { FLV_AUDIO, FLV_SCRIPT, FLV_VIDEO, flvHeader, flvTag } from './flv-tag.js';

/** The protocol engine of node-media-server (handshake, chunk stream, AMF commands), used alone. */
interface RtmpProtocol {
  streamApp?: string;
  streamName?: string;
  streamId?: number;
  parserPacket: { header: { stream_id: number } };
  onOutputCallback: (buffer: Buffer) => void;
  onPacketCallback: (packet: { codec_type: number; dts: number; size: number; data: Buffer }) => void;
  onPublish: (message: { streamName: string }) => void;
  onPlay: (message: unknown) => void;
  parserData(buffer: Buffer): string | null;
  respondPublish(): void;
  sendStatusMessage(sid: number, level: string, code: string, description: string): void;
}
const Rtmp = createRequire(import.meta.url)(
  'node-media-server/src/protocol/rtmp.js',
) as new () => RtmpProtocol;

export interface RtmpPublish {
  /** The application name (`live` in rtmp://host/live/KEY) and the stream name (the key). */
  app: string;
  name: string;
  remoteAddress: string;
}

/**
 * Decides about a publisher at its `publish` command, before any media: a Writable that takes the
 * broadcast as FLV (header first), or null to refuse. The Writable is ended when the publisher leaves.
 */
export type AuthorizePublish = (publish: RtmpPublish) => Promise<Writable | null>;

export interface RtmpListenOptions {
  host: string;
  port: number;
  /** RTMPS on its own port: PEM files of the certificate chain and key. */
  tls?: { port: number; certFile: string; keyFile: string };
}

const HANDSHAKE_TIMEOUT_MS = 15_000;
const IDLE_TIMEOUT_MS = 30_000;

/**
 * One RTMP (and optionally RTMPS) port for every live input. node-media-server's RTMP protocol
 * class speaks the wire; this accepts publishers only (no RTMP playback), asks `authorize` at the
 * publish command, answers NetStream.Publish.Start only when it said yes (else an error status and
 * the connection closed), and hands the audio, video and metadata on as an FLV byte stream with
 * backpressure (the socket pauses while the sink is full).
 */
export class RtmpPublishServer {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly authorize: AuthorizePublish,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  async listen(options: RtmpListenOptions): Promise<void> {
    const plain = createServer((socket) => this.accept(socket));
    await bind(plain, options.host, options.port);
    this.servers.push(plain);
    if (options.tls) {
      const secure = createTlsServer(
        { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) },
        (socket) => this.accept(socket),
      );
      await bind(secure, options.host, options.tls.port);
      this.servers.push(secure);
    }
  }

  /** Stops listening and closes every connection (their sinks are ended). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const rtmp = new Rtmp();
    let state: 'connecting' | 'authorizing' | 'publishing' = 'connecting';
    let sink: Writable | null = null;
    const finish = () => {
      this.sockets.delete(socket);
      sink?.end();
      sink = null;
    };
    socket.once('close', finish);
    socket.on('error', () => {});
    socket.setNoDelay(true);
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy());

    rtmp.onOutputCallback = (buffer) => {
      if (!socket.destroyed) socket.write(buffer);
    };
    rtmp.onPlay = () => socket.destroy(); // ingest only
    rtmp.onPublish = (message) => {
      if (state !== 'connecting') return void socket.destroy();
      state = 'authorizing';
      const streamId = rtmp.parserPacket.header.stream_id;
      const name = String(message.streamName ?? '').split('?')[0] ?? '';
      const app = String(rtmp.streamApp ?? '');
      const refuse = (why: string) => {
        rtmp.sendStatusMessage(streamId, 'error', 'NetStream.Publish.BadName', why);
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      };
      this.authorize({ app, name, remoteAddress: socket.remoteAddress ?? '' }).then(
        (accepted) => {
          if (!accepted) return refuse('Publishing refused: unknown stream key or already live');
          if (socket.destroyed) return void accepted.end();
          sink = accepted;
          // The sink gone (packaging stopped: input disabled, lease lost, ffmpeg failed): cut the publisher off.
          sink.on('error', () => socket.destroy());
          sink.once('close', () => socket.destroy());
          state = 'publishing';
          rtmp.streamName = name;
          rtmp.streamId = streamId;
          rtmp.respondPublish();
          sink.write(flvHeader());
          socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
        },
        (err) => {
          this.onError(err);
          refuse('Publishing refused: internal error');
        },
      );
    };
    rtmp.onPacketCallback = (packet) => {
      if (state !== 'publishing' || !sink) return; // nothing is accepted before the yes
      const type = packet.codec_type;
      if (type !== FLV_AUDIO && type !== FLV_VIDEO && type !== FLV_SCRIPT) return;
      const tag = flvTag(type, packet.dts, packet.data.subarray(0, packet.size));
      if (!sink.write(tag) && !socket.isPaused()) {
        socket.pause();
        sink.once('drain', () => socket.resume());
      }
    };
    socket.on('data', (data: Buffer) => {
      let err: string | null;
      try {
        err = rtmp.parserData(data);
      } catch (e) {
        err = String(e);
      }
      if (err) socket.destroy();
    });
  }
}

function bind(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', () => {});
      resolve();
    });
  });
}
