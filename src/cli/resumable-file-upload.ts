import { createReadStream, mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import mime from 'mime-types';
import * as tus from 'tus-js-client';
import { Upload, type UrlStorage } from 'tus-js-client';
import type { Remote } from './remote-options.js';

/** tus-js-client's Node build has a file-backed UrlStorage that its typings leave out. */
const FileUrlStorage = (tus as unknown as { FileUrlStorage: new (path: string) => UrlStorage })
  .FileUrlStorage;

export interface UploadProgress {
  sent: number;
  total: number;
  /** Where a resumed upload started (0 for a fresh one). */
  resumedFrom: number;
}

/** Where upload URLs are remembered between runs, so a re-run resumes (env KILN_UPLOAD_STATE). */
export function uploadStatePath(): string {
  return process.env.KILN_UPLOAD_STATE ?? join(homedir(), '.kiln', 'uploads.json');
}

/**
 * Uploads one file through Kiln's resumable endpoint (tus) with tus-js-client. The file's
 * fingerprint (path, size, mtime, server) maps to its upload URL in a small JSON file on disk, so
 * a run that was interrupted (killed, network gone) resumes from what the server has.
 */
export async function uploadFileResumable(
  remote: Remote,
  path: string,
  options: { chunkSize?: number; onProgress?: (p: UploadProgress) => void },
): Promise<Record<string, unknown>> {
  const { size } = await stat(path);
  const statePath = uploadStatePath();
  mkdirSync(dirname(statePath), { recursive: true });
  const name = basename(path);
  return new Promise((resolve, reject) => {
    let resumedFrom = 0;
    const upload = new Upload(createReadStream(path), {
      endpoint: `${remote.server}/kiln/v1/uploads`,
      uploadSize: size,
      chunkSize: options.chunkSize ?? 64 * 1024 * 1024,
      headers: { authorization: `Bearer ${remote.token}` },
      metadata: { filename: name, filetype: mime.lookup(name) || 'application/octet-stream' },
      urlStorage: new FileUrlStorage(statePath),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      retryDelays: [0, 1000, 3000, 5000],
      onProgress: (sent, total) => options.onProgress?.({ sent, total, resumedFrom }),
      onError: reject,
      onSuccess: ({ lastResponse }) => {
        try {
          resolve(JSON.parse(lastResponse.getBody()) as Record<string, unknown>);
        } catch {
          reject(new Error(`unexpected answer to the last upload request: ${lastResponse.getStatus()}`));
        }
      },
    });
    upload
      .findPreviousUploads()
      .then(async (previous) => {
        const last = previous.sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0];
        if (last) {
          upload.resumeFromPreviousUpload(last);
          resumedFrom = await serverOffset(remote, last.uploadUrl);
        }
        options.onProgress?.({ sent: resumedFrom, total: size, resumedFrom });
        upload.start();
      })
      .catch(reject);
  });
}

/** What the server already holds of an upload (0 if it is gone). */
async function serverOffset(remote: Remote, url: string | null): Promise<number> {
  if (!url) return 0;
  const res = await fetch(url, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${remote.token}`, 'tus-resumable': '1.0.0' },
  });
  return res.ok ? Number(res.headers.get('upload-offset') ?? 0) : 0;
}
