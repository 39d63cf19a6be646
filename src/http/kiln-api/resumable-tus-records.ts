import {
  chunkPrefix,
  RESUMABLE_UPLOAD_TTL_MS,
  type ResumableUploadStore,
} from '../../core/ingest/resumable-upload-store.js';
import type { TusUploadRecords } from '../tus/blob-tus-store.js';

/** Kiln's resumable upload records (info.json) as the BlobTusStore reads them. */
export function resumableTusRecords(uploads: ResumableUploadStore): TusUploadRecords {
  return {
    find: async (id) => {
      const info = await uploads.readInfo(id);
      if (!info) return null;
      return {
        id,
        size: info.size,
        metadata: info.metadata,
        expiresAt: new Date(Date.parse(info.createdAt) + RESUMABLE_UPLOAD_TTL_MS).toISOString(),
        chunkPrefix: chunkPrefix(id),
        done: info.completed === true,
      };
    },
    remove: (id) => uploads.remove(id),
    deleteExpired: () => uploads.deleteExpired(),
  };
}
