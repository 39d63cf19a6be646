/**
 * Table types shared by both dialects. Portable conventions: timestamps are ISO-8601 UTC strings
 * (sortable as text), booleans are 0/1 integers, JSON is text, sizes are int8 read back as numbers.
 * Each feature's migration adds its tables; add their types here beside the ones below.
 */
export interface AccountsTable {
  id: string;
  name: string;
  images_hash: string;
  uc_public_key: string;
  uc_secret_enc: string;
  stream_api_key: string;
  stream_api_secret_enc: string;
  /** JSON: per-account settings (auto-store, flexible variants, limits). */
  settings: string;
  created_at: string;
  deleted_at: string | null;
}

export interface ApiTokensTable {
  /** sha256 hex of the token: tokens are never stored in the clear. */
  token_hash: string;
  account_id: string;
  label: string;
  created_at: string;
}

export type AssetKind = 'file' | 'image' | 'video';

export interface AssetsTable {
  id: string;
  account_id: string;
  kind: AssetKind;
  /** Lifecycle state; dialects map it (e.g. Stream: pendingupload/queued/inprogress/ready/error). */
  status: string;
  /** Null while no bytes have arrived (draft for a direct creator upload). */
  blob_key: string | null;
  size: number;
  content_type: string;
  sha256: string | null;
  original_name: string | null;
  /** JSON object of user metadata. */
  metadata: string;
  /** 1 when stored permanently, 0 while temporary (expires_at then says when it goes). */
  stored: number;
  expires_at: string | null;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  /** Which API created it (cloudflare-images, cloudflare-stream, uploadcare, getstream, kiln). */
  source: string;
  /** JSON: facts owned by one dialect (requireSignedURLs, creator, etc.). */
  extra: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** Derived bytes of an asset: image variants, HLS/DASH packages, thumbnails, downloads. */
export interface RenditionsTable {
  id: string;
  asset_id: string;
  account_id: string;
  /** What it is: variant, stream, thumbnail, download, caption, audio... */
  kind: string;
  /** Unique per asset and kind: the canonical operations of a variant, a language, a quality. */
  name: string;
  /** A blob key, or a key prefix for multi-file packages (HLS/DASH). */
  blob_key: string;
  size: number;
  content_type: string;
  extra: string;
  created_at: string;
  /** Image variants: last time it was served (flushed in batches), for least-recently-used eviction. */
  last_used_at?: string | null;
}

export interface JobsTable {
  id: string;
  kind: string;
  state: string;
  payload: string;
  attempt: number;
  max_attempts: number;
  backoff_ms: number;
  lease_seconds: number;
  singleton_key: string | null;
  run_at: string;
  locked_until: string | null;
  locked_by: string | null;
  last_error: string | null;
  /** 0..1, reported through heartbeat(); added by 0002-jobs-progress. */
  progress: number | null;
  created_at: string;
  updated_at: string;
}

export interface KvTable {
  key: string;
  value: string;
  updated_at: string;
}

/** Uploadcare file groups (0004-uploadcare): immutable, id `<uuid>~N`. */
export interface UcGroupsTable {
  id: string;
  account_id: string;
  /** JSON array of {uuid, effects} in group order; effects = ops without the leading `-/`. */
  files: string;
  created_at: string;
  /** When the group was stored through the REST API (0008-uploadcare-rest); null until then. */
  stored_at?: string | null;
}

/** Uploadcare `/from_url/` tasks (0004-uploadcare): the status token and its outcome. */
export interface UcUrlTasksTable {
  token: string;
  account_id: string;
  source_url: string;
  /** waiting | progress | success | error */
  status: string;
  done: number;
  total: number | null;
  file_id: string | null;
  error_code: string | null;
  error_message: string | null;
  /** 1 when a later check_URL_duplicates may reuse this file (save_URL_duplicates). */
  save_duplicate: number;
  /** JSON: the upload parameters (store, filename, metadata, tags). */
  params: string;
  created_at: string;
  updated_at: string;
}

/** Uploadcare REST API webhook subscriptions (0008-uploadcare-rest). */
export interface UcWebhooksTable {
  id: number;
  account_id: string;
  event: string;
  target_url: string;
  is_active: number;
  /** Sealed by the SecretBox (context uc-webhook:<id>); null when the hook is unsigned. */
  signing_secret_enc: string | null;
  version: string;
  created_at: string;
  updated_at: string;
}

/** Uploadcare REST API conversion jobs (0008-uploadcare-rest): the `/convert/.../status/<token>/` rows. */
export interface UcConversionsTable {
  token: number;
  account_id: string;
  /** video | document */
  kind: string;
  source_id: string;
  /** The requested path, e.g. `<uuid>/video/-/format/webm/`. */
  path: string;
  result_id: string;
  thumbnails_group_id: string | null;
  /** 1: the results are stored; 0: temporary (24 h). */
  stored: number;
  /** pending | processing | finished | failed | cancelled */
  status: string;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** Cloudflare Stream signing keys (migration 0003). */
export interface StreamSigningKeysTable {
  id: string;
  account_id: string;
  /** Public JWK, JSON. */
  public_jwk: string;
  /** PKCS#8 PEM of the private key, sealed by the SecretBox (context stream-key:<id>). */
  private_enc: string;
  /** 1 = the key behind the `/token` endpoint; not listed, not deletable. */
  internal: number;
  created_at: string;
}

/** Cloudflare Images: account-scoped image id (custom ids may contain `/`) -> global asset id. */
export interface CfImagesTable {
  account_id: string;
  image_id: string;
  asset_id: string;
  creator: string | null;
  created_at: string;
}

/** Cloudflare Images named variants; `options` is JSON {fit, width, height, metadata}. */
export interface CfImageVariantsTable {
  account_id: string;
  id: string;
  options: string;
  never_require_signed: number;
  created_at: string;
  updated_at: string;
}

/** Cloudflare Images signing keys; the value is encrypted with the SecretBox. */
export interface CfImageKeysTable {
  account_id: string;
  name: string;
  value_enc: string;
  created_at: string;
}

/** imgproxy signing key and salt per account, hex, encrypted with the SecretBox (migration 0009). */
export interface ImgproxyKeysTable {
  account_id: string;
  key_enc: string;
  salt_enc: string;
  created_at: string;
}

/** The remote image source cache (migration 0009). */
export interface ImageSourcesTable {
  /** sha256 of the URL, hex. */
  id: string;
  url: string;
  blob_key: string;
  version: string;
  size: number | string;
  content_type: string | null;
  etag: string | null;
  last_modified: string | null;
  fresh_until: string;
  fetched_at: string;
  last_used_at: string;
}

/** Cloudflare Stream watermark profiles (migration 0006). */
export interface StreamWatermarksTable {
  id: string;
  account_id: string;
  name: string;
  blob_key: string;
  size: number;
  width: number;
  height: number;
  downloaded_from: string | null;
  opacity: number;
  padding: number;
  scale: number;
  position: string;
  created_at: string;
}

/** Cloudflare Stream live inputs (migration 0007). */
export interface StreamLiveInputsTable {
  id: string;
  account_id: string;
  /** Ingest port offset: RTMP on TCP and SRT on UDP at KILN_RTMP_PORT + slot. */
  port_slot: number;
  /** JSON: meta, enabled, recording, deleteRecordingAfterDays, preferLowLatency, defaultCreator. */
  settings: string;
  stream_key_enc: string;
  srt_passphrase_enc: string;
  status: string | null;
  idempotency_key: string | null;
  created_at: string;
  modified_at: string;
}

/** The lease on a live input's broadcast and its recording in progress (migration 0009). */
export interface StreamLiveBroadcastsTable {
  live_input_id: string;
  /** The broadcast's claim token while a node holds it; null between broadcasts. */
  holder: string | null;
  /** ISO time the holder's lease runs out unless renewed. */
  lease_expires_at: string | null;
  /** The recording (a video in live-inprogress) the broadcast's parts go to. */
  video_id: string | null;
  /** Parts recorded so far (the next part's number). */
  parts: number;
  updated_at: string;
}

/** Restream outputs of live inputs (migration 0007). */
export interface StreamLiveOutputsTable {
  id: string;
  live_input_id: string;
  account_id: string;
  url: string;
  stream_key_enc: string;
  enabled: number;
  created_at: string;
}

/** Failed authentications per key and one-minute window (unix seconds), shared by all nodes. */
export interface AuthFailuresTable {
  key: string;
  window_start: number;
  count: number;
}

export interface UsageCountersTable {
  granularity: string;
  period_start: number;
  account_id: string;
  metric: string;
  kind: string;
  asset_id: string;
  value: number;
}

export interface DatabaseSchema {
  accounts: AccountsTable;
  api_tokens: ApiTokensTable;
  assets: AssetsTable;
  renditions: RenditionsTable;
  jobs: JobsTable;
  kv: KvTable;
  stream_signing_keys: StreamSigningKeysTable;
  stream_watermarks: StreamWatermarksTable;
  stream_live_inputs: StreamLiveInputsTable;
  stream_live_outputs: StreamLiveOutputsTable;
  stream_live_broadcasts: StreamLiveBroadcastsTable;
  uc_groups: UcGroupsTable;
  uc_url_tasks: UcUrlTasksTable;
  uc_webhooks: UcWebhooksTable;
  uc_conversions: UcConversionsTable;
  cf_images: CfImagesTable;
  cf_image_variants: CfImageVariantsTable;
  cf_image_keys: CfImageKeysTable;
  auth_failures: AuthFailuresTable;
  imgproxy_keys: ImgproxyKeysTable;
  image_sources: ImageSourcesTable;
  usage_counters: UsageCountersTable;
}
