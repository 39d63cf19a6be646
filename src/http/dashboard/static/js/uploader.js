// Drag-and-drop / file-picker uploads with per-file progress: Uppy's Dashboard on Kiln's
// resumable tus endpoint (an interrupted upload resumes where it stopped).
import { Dashboard, Tus, Uppy } from '/dashboard/vendor/uppy/uppy.min.mjs';
import { session } from './api.js';

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
  uppy.on('upload-success', (file) => onUploaded?.(file));
  uppy.on('complete', () => setTimeout(() => uppy.clear?.(), 4000));
  return uppy;
}
