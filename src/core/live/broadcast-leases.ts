import { randomUUID } from 'node:crypto';
import type { Db } from '../../adapters/db/database.js';

/** A node's hold on a live input's broadcast. */
export interface BroadcastClaim {
  inputId: string;
  /** This broadcast's claim token. */
  holder: string;
  /** The recording its parts go to (null until set; then kept across reconnects until finished). */
  videoId: string | null;
  /** This broadcast's part number in that recording (1, 2, ...). */
  part: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Which node holds a live input's broadcast, as a lease in the database (so any node can take a
 * publisher): a claim succeeds when nobody holds the input or the holder's lease ran out (the node
 * died); the holder renews it while the publisher is live and releases it when the publisher
 * leaves. The row also carries the recording in progress, which outlives any one node.
 */
export class BroadcastLeases {
  constructor(
    private readonly db: Db,
    private readonly leaseMs: number,
  ) {}

  async claim(inputId: string): Promise<BroadcastClaim | null> {
    const now = Date.now();
    const holder = randomUUID();
    const lease = { holder, lease_expires_at: iso(now + this.leaseMs), updated_at: iso(now) };
    await this.db
      .insertInto('stream_live_broadcasts')
      .values({ live_input_id: inputId, ...lease, video_id: null, parts: 1 })
      .onConflict((oc) =>
        oc
          .column('live_input_id')
          .doUpdateSet((eb) => ({ ...lease, parts: eb('stream_live_broadcasts.parts', '+', 1) }))
          .where((eb) =>
            eb.or([
              eb('stream_live_broadcasts.holder', 'is', null),
              eb('stream_live_broadcasts.lease_expires_at', '<', iso(now)),
            ]),
          ),
      )
      .execute();
    const row = await this.find(inputId);
    if (!row || row.holder !== holder) return null;
    return { inputId, holder, videoId: row.video_id, part: Number(row.parts) };
  }

  /** Extends the lease; false when it was lost (it ran out and another node took the input). */
  async renew(claim: BroadcastClaim): Promise<boolean> {
    const now = Date.now();
    const result = await this.db
      .updateTable('stream_live_broadcasts')
      .set({ lease_expires_at: iso(now + this.leaseMs), updated_at: iso(now) })
      .where('live_input_id', '=', claim.inputId)
      .where('holder', '=', claim.holder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setVideo(claim: BroadcastClaim, videoId: string): Promise<void> {
    await this.db
      .updateTable('stream_live_broadcasts')
      .set({ video_id: videoId })
      .where('live_input_id', '=', claim.inputId)
      .where('holder', '=', claim.holder)
      .execute();
    claim.videoId = videoId;
  }

  /** The publisher left: the input is free (the recording stays until its finish job takes it). */
  async release(claim: BroadcastClaim): Promise<void> {
    await this.db
      .updateTable('stream_live_broadcasts')
      .set({ holder: null, lease_expires_at: null, updated_at: iso(Date.now()) })
      .where('live_input_id', '=', claim.inputId)
      .where('holder', '=', claim.holder)
      .execute();
  }

  /** A holder whose lease ran out (its node died) is dropped; true when this call dropped it. */
  async expire(inputId: string, holder: string): Promise<boolean> {
    const now = iso(Date.now());
    const result = await this.db
      .updateTable('stream_live_broadcasts')
      .set({ holder: null, lease_expires_at: null, updated_at: now })
      .where('live_input_id', '=', inputId)
      .where('holder', '=', holder)
      .where('lease_expires_at', '<', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Takes the recording for finishing when no broadcast holds the input (nobody reconnected in
   * the wait); true when this call took it. A reconnect after this starts a new recording.
   */
  async takeVideo(inputId: string, videoId: string): Promise<boolean> {
    const now = iso(Date.now());
    const result = await this.db
      .updateTable('stream_live_broadcasts')
      .set({ video_id: null, updated_at: now })
      .where('live_input_id', '=', inputId)
      .where('video_id', '=', videoId)
      .where((eb) => eb.or([eb('holder', 'is', null), eb('lease_expires_at', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async find(inputId: string) {
    return this.db
      .selectFrom('stream_live_broadcasts')
      .selectAll()
      .where('live_input_id', '=', inputId)
      .executeTakeFirst();
  }

  async forget(inputId: string): Promise<void> {
    await this.db.deleteFrom('stream_live_broadcasts').where('live_input_id', '=', inputId).execute();
  }
}
