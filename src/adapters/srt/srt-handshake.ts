/**
 * The few facts of SRT's handshake (draft-sharabayko-srt, §3.2.1 and §4.3) that a relay needs to
 * route a caller by its stream id: which packets are handshakes, their type and cookie, the
 * stream id extension of the conclusion, and the listener's induction answer.
 */
const HANDSHAKE_CONTROL = 0x8000; // F=1, control type 0 (handshake)
const CIF = 16;
export const HS_INDUCTION = 1;
export const HS_CONCLUSION = 0xffffffff;
const SRT_MAGIC = 0x4a17;
const EXT_SID = 5;

export interface Handshake {
  version: number;
  type: number;
  socketId: number;
  cookie: number;
}

export function parseHandshake(packet: Buffer): Handshake | null {
  if (packet.length < CIF + 48 || packet.readUInt16BE(0) !== HANDSHAKE_CONTROL) return null;
  return {
    version: packet.readUInt32BE(CIF),
    type: packet.readUInt32BE(CIF + 20),
    socketId: packet.readUInt32BE(CIF + 24),
    cookie: packet.readUInt32BE(CIF + 28),
  };
}

/** The stream id of a conclusion handshake (extension SRT_CMD_SID: 32-bit words, each byte-swapped). */
export function streamIdOf(packet: Buffer): string | null {
  let at = CIF + 48;
  while (at + 4 <= packet.length) {
    const type = packet.readUInt16BE(at);
    const bytes = packet.readUInt16BE(at + 2) * 4;
    const body = packet.subarray(at + 4, at + 4 + bytes);
    if (body.length < bytes) return null;
    if (type === EXT_SID) {
      const out = Buffer.alloc(bytes);
      for (let i = 0; i + 4 <= bytes; i += 4) out.writeUInt32LE(body.readUInt32BE(i), i);
      return out.toString('utf8').replace(/\0+$/, '');
    }
    at += 4 + bytes;
  }
  return null;
}

/**
 * The listener's answer to an induction: version 5, the key length its listeners use (bytes / 8:
 * Kiln's SRT listeners use 16-byte keys, as Cloudflare's default), the SRT magic, a cookie to echo.
 */
export function inductionResponse(request: Buffer, cookie: number, keyLength = 16): Buffer {
  const out = Buffer.from(request.subarray(0, CIF + 48));
  out.writeUInt32BE(0, 4);
  out.writeUInt32BE(request.readUInt32BE(CIF + 24), 12); // to the caller's socket
  out.writeUInt32BE(5, CIF);
  out.writeUInt16BE(keyLength / 8, CIF + 4);
  out.writeUInt16BE(SRT_MAGIC, CIF + 6);
  out.writeUInt32BE(cookie >>> 0, CIF + 28);
  return out;
}

/** A copy of a handshake with another cookie (the one the real listener handed out). */
export function withCookie(packet: Buffer, cookie: number): Buffer {
  const out = Buffer.from(packet);
  out.writeUInt32BE(cookie >>> 0, CIF + 28);
  return out;
}
