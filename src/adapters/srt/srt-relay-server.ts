import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  HS_CONCLUSION,
  HS_INDUCTION,
  inductionResponse,
  parseHandshake,
  streamIdOf,
  withCookie,
} from './srt-handshake.js';

/**
 * Picks the SRT listener for a caller's stream id (one started for it on a loopback port), or
 * null to refuse. The listener itself checks the passphrase: the key exchange passes through.
 */
export type RouteSrtCaller = (streamId: string, remoteAddress: string) => Promise<{ port: number } | null>;

interface Peer {
  address: string;
  port: number;
  /** The cookie this relay gave the caller in its induction answer. */
  cookie: number;
  induction: Buffer;
  state: 'induction' | 'routing' | 'relaying' | 'closed';
  backend: Socket | null;
  /** The cookie the real listener gave the relay; conclusions are rewritten to it. */
  backendCookie: number | null;
  pending: Buffer | null;
  lastSeen: number;
}

const IDLE_MS = 15_000;
const BACKEND_WAIT_MS = 10_000;
/** Handshake type 1000 + SRT_REJ_PEER: the caller sees "rejected by peer". */
const REJECT = 1003;

/**
 * One UDP port for every SRT publisher. SRT callers name what they publish to only in the
 * conclusion handshake (the stream id extension), after the listener's induction answer, so the
 * relay answers the induction itself, reads the stream id from the conclusion, asks `route` for
 * the input's own SRT listener (ffmpeg's libsrt takes one caller per listener), gets that
 * listener's cookie with the caller's induction, and from then on passes every datagram both ways
 * (conclusions with the listener's cookie). Encryption and the passphrase check stay end to end.
 * Nothing runs while no caller is connected.
 */
export class SrtRelayServer {
  private readonly socket = createSocket('udp4');
  private readonly peers = new Map<string, Peer>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly route: RouteSrtCaller,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.socket.on('message', (msg, rinfo) => this.fromCaller(msg, rinfo));
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host === '0.0.0.0' || host === '::' ? undefined : host, () => {
        this.socket.off('error', reject);
        this.socket.on('error', this.onError);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const peer of this.peers.values()) this.drop(peer);
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }

  private fromCaller(msg: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}|${rinfo.port}`;
    const hs = parseHandshake(msg);
    let peer = this.peers.get(key);
    if (!peer) {
      if (hs?.type !== HS_INDUCTION) return;
      peer = {
        address: rinfo.address,
        port: rinfo.port,
        cookie: randomInt(1, 0x7fffffff),
        induction: Buffer.from(msg),
        state: 'induction',
        backend: null,
        backendCookie: null,
        pending: null,
        lastSeen: Date.now(),
      };
      this.peers.set(key, peer);
      this.sweep();
    }
    peer.lastSeen = Date.now();
    switch (peer.state) {
      case 'induction':
        if (hs?.type === HS_INDUCTION) {
          this.toCaller(peer, inductionResponse(msg, peer.cookie));
          return;
        }
        if (hs?.type === HS_CONCLUSION && hs.cookie === peer.cookie) {
          peer.state = 'routing';
          peer.pending = Buffer.from(msg);
          void this.connect(peer, streamIdOf(msg) ?? '', msg);
        }
        return;
      case 'routing':
        if (hs?.type === HS_CONCLUSION) peer.pending = Buffer.from(msg);
        return;
      case 'relaying': {
        const out =
          hs?.type === HS_CONCLUSION && hs.cookie === peer.cookie
            ? withCookie(msg, peer.backendCookie!)
            : msg;
        peer.backend?.send(out);
        return;
      }
      case 'closed':
        return;
    }
  }

  private async connect(peer: Peer, streamId: string, conclusion: Buffer): Promise<void> {
    let target: { port: number } | null = null;
    try {
      target = await this.route(streamId, peer.address);
    } catch (err) {
      this.onError(err);
    }
    if (!target || peer.state !== 'routing') return this.refuse(peer, conclusion);
    const backend = createSocket('udp4');
    peer.backend = backend;
    backend.on('error', (err: NodeJS.ErrnoException) => {
      // The listener not up yet (or gone): the knocking goes on, or the caller's idle sweep ends it.
      if (err.code !== 'ECONNREFUSED') this.drop(peer);
    });
    backend.on('message', (msg) => {
      if (peer.state === 'routing') {
        const hs = parseHandshake(msg);
        if (hs?.type !== HS_INDUCTION) return;
        peer.backendCookie = hs.cookie;
        peer.state = 'relaying';
        if (peer.pending) backend.send(withCookie(peer.pending, hs.cookie));
        peer.pending = null;
        return;
      }
      if (peer.state === 'relaying') this.toCaller(peer, msg);
    });
    await new Promise<void>((resolve) => backend.bind(0, '127.0.0.1', resolve));
    backend.connect(target.port, '127.0.0.1', () => {
      // The listener may still be starting: knock until it answers.
      const deadline = Date.now() + BACKEND_WAIT_MS;
      const knock = () => {
        if (peer.state !== 'routing') return;
        if (Date.now() > deadline) return this.refuse(peer, conclusion);
        backend.send(peer.induction);
        setTimeout(knock, 100).unref();
      };
      knock();
    });
  }

  private refuse(peer: Peer, conclusion: Buffer): void {
    const out = Buffer.from(conclusion.subarray(0, 64));
    out.writeUInt32BE(conclusion.readUInt32BE(16 + 24), 12);
    out.writeUInt32BE(REJECT, 16 + 20);
    this.toCaller(peer, out);
    this.drop(peer);
  }

  private toCaller(peer: Peer, msg: Buffer): void {
    this.socket.send(msg, peer.port, peer.address);
  }

  private drop(peer: Peer): void {
    peer.state = 'closed';
    try {
      peer.backend?.close();
    } catch {
      // already closed
    }
    peer.backend = null;
    this.peers.delete(`${peer.address}|${peer.port}`);
  }

  /** One sweep timer while any caller is known: idle callers (gone without a word) are dropped. */
  private sweep(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const peer of this.peers.values()) if (now - peer.lastSeen > IDLE_MS) this.drop(peer);
      if (this.peers.size === 0 && this.sweeper) {
        clearInterval(this.sweeper);
        this.sweeper = null;
      }
    }, 5000);
    this.sweeper.unref();
  }
}

/** A UDP port free on loopback right now (bound and released), for an SRT listener to take. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
