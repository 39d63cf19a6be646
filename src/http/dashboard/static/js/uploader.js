// Drag-and-drop / file-picker uploads with per-file progress: Uppy's Dashboard on Kiln's
// resumable tus endpoint (an interrupted upload resumes where it stopped).
import { Dashboard, Tus, Uppy } from '/dashboard/vendor/uppy/uppy.min.mjs';
import { kiln, session } from './api.js';

export function mountUploader(target, { onUploaded }) {
  const uppy = new Uppy({ autoProceed: true, restrictions: { maxNumberOfFiles: 50 } })
    .use(Dashboard, {
      target,
      inline: true,
      height: 260,
      width: '100%',
      proudlyDisplayPoweredByUppy: false,
      showProgressDetails: true,
      note: 'Images, videos and any other file; large files resume after an interruption.',
    })
    .use(Tus, {
      endpoint: '/kiln/v1/uploads',
      headers: () => ({ authorization: `Bearer ${session.token}` }),
      chunkSize: 50 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000],
      removeFingerprintOnSuccess: true,
    });
  // Videos go to the Cloudflare Stream dialect's tus endpoint, so they are transcoded for the player.
  const account = kiln.account();
  uppy.addPreProcessor(async (ids) => {
    const { id } = await account;
    for (const fileId of ids) {
      const file = uppy.getFile(fileId);
      if (file.type?.startsWith('video/')) {
        uppy.setFileState(fileId, { tus: { endpoint: `/client/v4/accounts/${id}/stream` } });
        uppy.setFileMeta(fileId, { name: file.name });
      }
    }
  });
  uppy.on('upload-success', (file) => onUploaded?.(file));
  uppy.on('complete', () => setTimeout(() => uppy.clear?.(), 4000));
  return uppy;
}
