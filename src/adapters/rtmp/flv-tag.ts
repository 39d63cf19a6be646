/** FLV tag types (audio 8, video 9, script data 18). */
export const FLV_AUDIO = 8;
export const FLV_VIDEO = 9;
export const FLV_SCRIPT = 18;

/** The FLV file header for a stream with audio and video, with the first PreviousTagSize (0). */
export function flvHeader(): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0, 0, 0, 0x09, 0, 0, 0, 0]);
}

/** AMF0 string "@setDataFrame": what RTMP publishers put before onMetaData; FLV files start at onMetaData. */
const SET_DATA_FRAME = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame')]);

/**
 * One FLV tag (11-byte header, body, PreviousTagSize) as a new buffer: the RTMP parser reuses its
 * payload buffers, so the body is copied here. Timestamps are milliseconds (32 bits, extended byte last).
 */
export function flvTag(type: number, timestamp: number, body: Buffer): Buffer {
  const data =
    type === FLV_SCRIPT && body.subarray(0, SET_DATA_FRAME.length).equals(SET_DATA_FRAME)
      ? body.subarray(SET_DATA_FRAME.length)
      : body;
  const out = Buffer.alloc(11 + data.length + 4);
  out[0] = type;
  out.writeUIntBE(data.length, 1, 3);
  out.writeUIntBE(timestamp & 0xffffff, 4, 3);
  out[7] = (timestamp >>> 24) & 0xff;
  data.copy(out, 11);
  out.writeUInt32BE(11 + data.length, 11 + data.length);
  return out;
}
