// Kiln's native API from the browser: the token lives in sessionStorage, every call sends it.
const TOKEN_KEY = 'kiln.token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** An error the API answered, with its message as the server wrote it. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const authHeaders = () => ({ authorization: `Bearer ${session.token}` });

async function failure(res) {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = await res.json();
    // Kiln's envelope, or Cloudflare's for the dialect routes.
    const err = body.error ?? body.errors?.[0];
    if (err?.message) message = err.message;
    if (err?.code !== undefined) code = String(err.code);
  } catch {}
  return new ApiError(res.status, code, message);
}

/** JSON call; throws ApiError. A 401 signs out and goes to the sign-in page. */
export async function api(path, { method = 'GET', json, headers = {} } = {}) {
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
    body: json ? JSON.stringify(json) : undefined,
  });
  if (res.status === 401 && session.token) {
    session.clear();
    location.hash = '#/sign-in';
  }
  if (!res.ok) throw await failure(res);
  return res.status === 204 ? null : res.json();
}

/** Fetches bytes with the token (images for <img>): an object URL and the byte size. */
export async function apiBlob(path) {
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) throw await failure(res);
  const blob = await res.blob();
  return { url: URL.createObjectURL(blob), size: blob.size, type: blob.type };
}

export const kiln = {
  account: () => api('/kiln/v1/account'),
  list: ({ search, kind, limit, offset }) => {
    const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    if (search) q.set('search', search);
    if (kind) q.set('kind', kind);
    return api(`/kiln/v1/assets?${q}`);
  },
  get: (id) => api(`/kiln/v1/assets/${encodeURIComponent(id)}`),
  remove: (id) => api(`/kiln/v1/assets/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  imagePath: (id, options) =>
    `/kiln/v1/assets/${encodeURIComponent(id)}/image?options=${encodeURIComponent(options)}`,
  imageSources: () => api('/kiln/v1/image-sources'),
  remoteImagePath: (url, options) =>
    `/kiln/v1/image-sources/image?url=${encodeURIComponent(url)}&options=${encodeURIComponent(options)}`,
};

let accountId;
/** The signed-in account's id (the `:account_id` of the Cloudflare API paths), fetched once. */
async function cfBase() {
  accountId ??= kiln.account().then((a) => a.id);
  try {
    return `/client/v4/accounts/${await accountId}`;
  } catch (err) {
    accountId = undefined;
    throw err;
  }
}

/** The Cloudflare API dialect with the same token: resolves to the envelope's `result`. */
export async function cf(path, options) {
  const body = await api(`${await cfBase()}${path}`, options);
  return body?.result;
}

/**
 * Uploads an image to Cloudflare Images v1 (multipart `file`), reporting progress; resolves to the
 * Image object. XMLHttpRequest because fetch() cannot report upload progress.
 */
export async function cfUploadImage(file, onProgress) {
  const url = `${await cfBase()}/images/v1`;
  const form = new FormData();
  form.append('file', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${session.token}`);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total);
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload failed: network error'));
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status >= 200 && xhr.status < 300 && body?.success) return resolve(body.result);
      const err = body?.errors?.[0];
      reject(
        new ApiError(xhr.status, String(err?.code ?? `http_${xhr.status}`), err?.message ?? xhr.statusText),
      );
    };
    xhr.send(form);
  });
}
