// Drag-and-drop / file-picker uploads with per-file progress: Uppy's Dashboard on Kiln's
// resumable tus endpoint (an interrupted upload resumes where it stopped). Photos go to the
// Cloudflare Images dialect instead, so they get variants and delivery URLs.
import { Dashboard, Tus, Uppy } from '/dashboard/vendor/uppy/uppy.min.mjs';
import { cfUploadImage, kiln, session } from './api.js';

/** What Cloudflare Images takes (its upload limit is 10 MB); other images stay on Kiln's tus upload. */
const CF_IMAGE_TYPES = /^image\/(jpeg|png|gif|webp|avif)$/;
const CF_IMAGE_MAX_BYTES = 10 * 1024 * 1024;
const isCfImage = (file) => CF_IMAGE_TYPES.test(file.type ?? '') && file.size <= CF_IMAGE_MAX_BYTES;

export function mountUploader(target, { onUploaded }) {
  const uppy = new Uppy({ autoProceed: true, restrictions: { maxNumberOfFiles: 50 } });
  // Added before Tus, so it runs first: the files it completes are skipped by Tus.
  uppy.addUploader((ids) => uploadImages(uppy, ids));
  uppy
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

/** Uploads the photos among `ids` to Cloudflare Images, with Uppy's progress and success events. */
async function uploadImages(uppy, ids) {
  const files = uppy
    .getFilesByIds(ids)
    .filter((f) => !f.progress?.uploadComplete && !f.error && isCfImage(f));
  if (files.length === 0) return;
  uppy.emit('upload-start', files);
  await Promise.allSettled(
    files.map(async (file) => {
      try {
        const image = await cfUploadImage(file.data, (bytesUploaded, bytesTotal) =>
          uppy.emit('upload-progress', uppy.getFile(file.id), {
            uploadStarted: Date.now(),
            bytesUploaded,
            bytesTotal,
          }),
        );
        uppy.emit('upload-success', uppy.getFile(file.id), {
          status: 200,
          body: image,
          uploadURL: image.variants?.[0],
        });
      } catch (err) {
        uppy.emit('upload-error', uppy.getFile(file.id), err);
      }
    }),
  );
}
