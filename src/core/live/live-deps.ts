import type { Logger } from 'pino';
import type { Db } from '../../adapters/db/database.js';
import type { KilnConfig } from '../../config/config.js';
import type { AccountService } from '../accounts/account-service.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { UrlPolicy } from '../fetch/check-url.js';
import type { SecretBox } from '../signing/secret-box.js';
import type { StreamDeps } from '../video/videos.js';

/**
 * What live ingest needs from the composition root: the stores, the queue, the ingest path (the
 * recording becomes a video through it), the account service (webhooks), the fetch policy (restream
 * targets) and the settings. The runtime has all of it; core names only this.
 */
export interface LiveDeps extends StreamDeps {
  config: KilnConfig;
  log: Logger;
  db: Db;
  blobs: BlobStore;
  box: SecretBox;
  accounts: AccountService;
  fetchPolicy: UrlPolicy;
}
