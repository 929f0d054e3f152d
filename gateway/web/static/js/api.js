// The /v1 HTTP API. The session lives in the HttpOnly cookie the gateway
// sets at login: the app never sees the token and never stores it.

// ApiError is a failed call: the HTTP status and the google.rpc.Status body.
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body && body.code;
    this.details = (body && body.details) || [];
  }

  // fields maps each field named by the error (in BadRequest details, or in
  // a message of the form "field: description") to its description.
  // Names are lowerCamelCase, like the JSON ("full_name" → "fullName").
  get fields() {
    const fields = {};
    for (const detail of this.details) {
      for (const v of detail.fieldViolations || []) {
        if (v.field) fields[camel(v.field)] = v.description || '';
      }
    }
    const m = /^([a-z_][a-zA-Z_.]*): (.*)$/s.exec(this.message);
    if (m && !(camel(m[1]) in fields)) fields[camel(m[1])] = m[2];
    return fields;
  }

  // retryAfterSeconds is the RetryInfo delay of a ResourceExhausted error, or
  // the Retry-After header's, rounded up; 0 when unknown.
  get retryAfterSeconds() {
    for (const detail of this.details) {
      const delay = detail.retryDelay;
      if (delay) return Math.ceil(parseFloat(typeof delay === 'string' ? delay : delay.seconds || 0));
    }
    return this.retryAfter || 0;
  }
}

// NetworkError is a call that got no answer at all.
export class NetworkError extends Error {
  constructor(cause) {
    super('network error');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

function camel(name) {
  return name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
}

let onUnauthenticated = () => {};

// setUnauthenticatedHandler sets what happens when a call finds the session
// gone (expired, revoked, logged out elsewhere).
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

// request calls the API and returns the decoded JSON body. options: body
// (sent as JSON), signal (AbortSignal), keepSession (a 401 is the caller's
// to handle, e.g. a wrong password at login).
export async function request(method, path, { body, signal, keepSession } = {}) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new NetworkError(err);
  }
  const data = await readJSON(res);
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    err.retryAfter = parseInt(res.headers.get('Retry-After') || '0', 10) || 0;
    if (res.status === 401 && !keepSession) onUnauthenticated();
    throw err;
  }
  return data || {};
}

async function readJSON(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// query builds a query string from the set values of params.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// enc encodes one path segment.
export const enc = encodeURIComponent;

// upload sends a multipart form with XMLHttpRequest, which (unlike fetch)
// reports upload progress. onProgress gets the fraction sent (0..1).
// Returns { promise, abort }; the promise resolves to the decoded JSON body
// and rejects with ApiError, NetworkError or an AbortError.
export function upload(method, path, form, onProgress) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open(method, path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let data = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(data || {});
        return;
      }
      if (xhr.status === 401) onUnauthenticated();
      reject(new ApiError(xhr.status, data));
    });
    xhr.addEventListener('error', () => reject(new NetworkError(null)));
    xhr.addEventListener('abort', () => reject(new DOMException('upload cancelled', 'AbortError')));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

// Image files FotoGal accepts, recognised by their first bytes as the
// server does (the name and the browser's guess do not count).
const SIGNATURES = [
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', bytes: [0x47, 0x49, 0x46, 0x38] },
  { type: 'image/webp', bytes: [0x52, 0x49, 0x46, 0x46, -1, -1, -1, -1, 0x57, 0x45, 0x42, 0x50] },
];

// MAX_UPLOAD_BYTES is the gateway's default upload limit (16 MiB): a larger
// file is refused before it is sent.
const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;

// checkImageFile tells why a file cannot be uploaded: 'tooBig', 'wrongType',
// or '' when it looks fine.
export async function checkImageFile(file) {
  if (file.size > MAX_UPLOAD_BYTES) return 'tooBig';
  const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  const ok = SIGNATURES.some(({ bytes }) => head.length >= bytes.length &&
    bytes.every((b, i) => b < 0 || head[i] === b));
  return ok ? '' : 'wrongType';
}
