import { randomBytes } from 'node:crypto';
import type { Db } from '../../adapters/db/database.js';
import type { StreamLiveInputsTable, StreamLiveOutputsTable } from '../../adapters/db/schema.js';
import { badRequest } from '../cloudflare-stream/stream-options.js';
import { KilnError } from '../errors/kiln-error.js';
import { isAllowedDestination } from '../fetch/check-destination.js';
import type { UrlPolicy } from '../fetch/check-url.js';
import type { SecretBox } from '../signing/secret-box.js';
import { newStreamUid } from '../video/video-facts.js';
import { type LiveInputSettings, parseLiveInputSettings } from './live-input-settings.js';

export const MAX_OUTPUTS_PER_INPUT = 50;

/** A live input with its secrets opened (what the API shows and the ingest listens with). */
export interface LiveInput {
  id: string;
  accountId: string;
  slot: number;
  settings: LiveInputSettings;
  streamKey: string;
  srtPassphrase: string;
  status: string | null;
  created: string;
  modified: string;
}

export interface LiveOutput {
  id: string;
  liveInputId: string;
  url: string;
  streamKey: string;
  enabled: boolean;
}

/**
 * Live inputs and their restream outputs. Each input holds one ingest port slot (unique while the
 * input exists), a stream key (RTMP) and an SRT passphrase, both sealed by the SecretBox.
 */
export class LiveInputs {
  constructor(
    private readonly deps: { db: Db; box: SecretBox; config: { livePorts: number }; fetchPolicy: UrlPolicy },
  ) {}

  async create(
    accountId: string,
    body: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<LiveInput> {
    const settings = parseLiveInputSettings(body);
    if (idempotencyKey) {
      const existing = await this.deps.db
        .selectFrom('stream_live_inputs')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('idempotency_key', '=', idempotencyKey)
        .executeTakeFirst();
      if (existing) return this.open(existing);
    }
    const id = newStreamUid();
    const now = new Date().toISOString();
    // The lowest free slot; a concurrent create that took it too loses on the unique index and retries.
    for (let attempt = 0; attempt < 5; attempt++) {
      const used = await this.deps.db.selectFrom('stream_live_inputs').select('port_slot').execute();
      const taken = new Set(used.map((r) => Number(r.port_slot)));
      let slot = 0;
      while (taken.has(slot)) slot++;
      if (slot >= this.deps.config.livePorts) {
        throw new KilnError('limit_exceeded', `At most ${this.deps.config.livePorts} live inputs can exist`);
      }
      const row: StreamLiveInputsTable = {
        id,
        account_id: accountId,
        port_slot: slot,
        settings: JSON.stringify(settings),
        stream_key_enc: this.deps.box.encrypt(randomBytes(16).toString('hex') + `k${id}`, `live-key:${id}`),
        srt_passphrase_enc: this.deps.box.encrypt(randomBytes(16).toString('hex'), `live-srt:${id}`),
        status: null,
        idempotency_key: idempotencyKey ?? null,
        created_at: now,
        modified_at: now,
      };
      try {
        await this.deps.db.insertInto('stream_live_inputs').values(row).execute();
        return this.open(row);
      } catch (err) {
        if (attempt === 4) throw err;
      }
    }
    throw new KilnError('internal', 'could not allocate a live input port');
  }

  async list(accountId: string): Promise<LiveInput[]> {
    const rows = await this.deps.db
      .selectFrom('stream_live_inputs')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => this.open(r));
  }

  /** Every live input of every account (the ingest's reconcile loop). */
  async all(): Promise<LiveInput[]> {
    const rows = await this.deps.db.selectFrom('stream_live_inputs').selectAll().execute();
    return rows.map((r) => this.open(r));
  }

  async find(id: string): Promise<LiveInput | null> {
    const row = await this.deps.db
      .selectFrom('stream_live_inputs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? this.open(row) : null;
  }

  async require(accountId: string, id: string): Promise<LiveInput> {
    const input = await this.find(id);
    if (!input || input.accountId !== accountId) {
      throw new KilnError('not_found', `Live input ${id} not found`, { details: { cloudflareCode: 10003 } });
    }
    return input;
  }

  async update(accountId: string, id: string, body: Record<string, unknown>): Promise<LiveInput> {
    const input = await this.require(accountId, id);
    const settings = parseLiveInputSettings(body, input.settings);
    const modified = new Date().toISOString();
    await this.deps.db
      .updateTable('stream_live_inputs')
      .set({ settings: JSON.stringify(settings), modified_at: modified })
      .where('id', '=', id)
      .execute();
    return { ...input, settings, modified };
  }

  async setStatus(id: string, status: string | null): Promise<void> {
    await this.deps.db.updateTable('stream_live_inputs').set({ status }).where('id', '=', id).execute();
  }

  async delete(accountId: string, id: string): Promise<void> {
    await this.require(accountId, id);
    await this.deps.db.deleteFrom('stream_live_outputs').where('live_input_id', '=', id).execute();
    await this.deps.db.deleteFrom('stream_live_inputs').where('id', '=', id).execute();
  }

  async createOutput(accountId: string, inputId: string, body: Record<string, unknown>): Promise<LiveOutput> {
    await this.require(accountId, inputId);
    const url = parseOutputUrl(body.url);
    if (!(await isAllowedDestination(new URL(url), this.deps.fetchPolicy)))
      throw badRequest('url must point to a public address');
    if (typeof body.streamKey !== 'string' || body.streamKey === '' || /[|[\]\\\s]/.test(body.streamKey))
      throw badRequest('streamKey is required (no spaces, |, [, ] or \\)');
    if (body.enabled !== undefined && typeof body.enabled !== 'boolean')
      throw badRequest('enabled must be a boolean');
    const existing = await this.outputs(inputId);
    if (existing.length >= MAX_OUTPUTS_PER_INPUT)
      throw new KilnError('limit_exceeded', `A live input can have at most ${MAX_OUTPUTS_PER_INPUT} outputs`);
    const id = newStreamUid();
    const row: StreamLiveOutputsTable = {
      id,
      live_input_id: inputId,
      account_id: accountId,
      url,
      stream_key_enc: this.deps.box.encrypt(body.streamKey, `live-output:${id}`),
      enabled: body.enabled === false ? 0 : 1,
      created_at: new Date().toISOString(),
    };
    await this.deps.db.insertInto('stream_live_outputs').values(row).execute();
    return this.openOutput(row);
  }

  async outputs(inputId: string): Promise<LiveOutput[]> {
    const rows = await this.deps.db
      .selectFrom('stream_live_outputs')
      .selectAll()
      .where('live_input_id', '=', inputId)
      .orderBy('created_at', 'asc')
      .execute();
    return rows.map((r) => this.openOutput(r));
  }

  async updateOutput(
    accountId: string,
    inputId: string,
    outputId: string,
    enabled: unknown,
  ): Promise<LiveOutput> {
    if (typeof enabled !== 'boolean') throw badRequest('enabled is required and must be a boolean');
    const output = await this.requireOutput(accountId, inputId, outputId);
    await this.deps.db
      .updateTable('stream_live_outputs')
      .set({ enabled: enabled ? 1 : 0 })
      .where('id', '=', outputId)
      .execute();
    return { ...output, enabled };
  }

  async deleteOutput(accountId: string, inputId: string, outputId: string): Promise<void> {
    await this.requireOutput(accountId, inputId, outputId);
    await this.deps.db.deleteFrom('stream_live_outputs').where('id', '=', outputId).execute();
  }

  private async requireOutput(accountId: string, inputId: string, outputId: string): Promise<LiveOutput> {
    await this.require(accountId, inputId);
    const output = (await this.outputs(inputId)).find((o) => o.id === outputId);
    if (!output) {
      throw new KilnError('not_found', `Output ${outputId} not found`, {
        details: { cloudflareCode: 10003 },
      });
    }
    return output;
  }

  private open(row: StreamLiveInputsTable): LiveInput {
    return {
      id: row.id,
      accountId: row.account_id,
      slot: Number(row.port_slot),
      settings: JSON.parse(row.settings) as LiveInputSettings,
      streamKey: this.deps.box.decryptString(row.stream_key_enc, `live-key:${row.id}`),
      srtPassphrase: this.deps.box.decryptString(row.srt_passphrase_enc, `live-srt:${row.id}`),
      status: row.status,
      created: row.created_at,
      modified: row.modified_at,
    };
  }

  private openOutput(row: StreamLiveOutputsTable): LiveOutput {
    return {
      id: row.id,
      liveInputId: row.live_input_id,
      url: row.url,
      streamKey: this.deps.box.decryptString(row.stream_key_enc, `live-output:${row.id}`),
      enabled: Number(row.enabled) === 1,
    };
  }
}

/** rtmp:// or rtmps:// with a host; no characters that ffmpeg's tee muxer treats as syntax. */
function parseOutputUrl(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw badRequest('url is required');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest('url must be an rtmp:// or rtmps:// URL');
  }
  if ((url.protocol !== 'rtmp:' && url.protocol !== 'rtmps:') || !url.hostname)
    throw badRequest('url must be an rtmp:// or rtmps:// URL');
  if (/[|[\]\\\s]/.test(value)) throw badRequest('url must not contain spaces, |, [, ] or \\');
  return value;
}
