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
};
