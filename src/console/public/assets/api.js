// The console talks to the public API only: the session cookie travels by
// itself, and every unsafe request repeats the csrftoken cookie in X-CSRFToken.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** DRF's serializer errors: every value a list of sentences. */
function isFieldErrors(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const values = Object.values(body);
  return values.length > 0 && values.every((value) => Array.isArray(value) && value.every((item) => typeof item === 'string'));
}

/**
 * An error answer in DRF's shape: `{"detail": "..."}`, or a validation failure's
 * field errors at the top level (`non_field_errors` for the whole form).
 */
export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && typeof body.detail === 'string' ? body.detail : null;
    const fieldErrors = detail === null && isFieldErrors(body) ? body : {};
    super(detail || (fieldErrors.non_field_errors || []).join(' ') || `The server answered ${status}.`);
    this.status = status;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
  }
}

export function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === 'csrftoken') return decodeURIComponent(rest.join('='));
  }
  return '';
}

/** GET /api/auth/login sets a fresh csrftoken cookie bound to the current session (if any). */
export async function refreshCsrfToken() {
  const response = await fetch('/api/auth/login', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const body = await readJson(response);
  if (!response.ok) throw new ApiError(response.status, body);
}

/**
 * Always reads the body to its end, even an empty one: navigating away while
 * the browser still holds an unread response cancels that request.
 */
async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (!SAFE_METHODS.has(method)) headers['X-CSRFToken'] = csrfToken();
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await readJson(response);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/**
 * One API call. An unsafe call first makes sure a CSRF token exists, and is
 * retried once with a fresh one if the server found it stale (for example
 * after signing in again in another tab).
 */
export async function api(method, path, body) {
  if (!SAFE_METHODS.has(method) && !csrfToken()) await refreshCsrfToken();
  try {
    return await send(method, path, body);
  } catch (error) {
    const stale = error instanceof ApiError && error.status === 403 && /^CSRF Failed: CSRF (token incorrect|cookie not set)/.test(error.detail || '');
    if (!stale) throw error;
    await refreshCsrfToken();
    return send(method, path, body);
  }
}

/** Sends the browser to the sign-in page when the session is gone. */
export function redirectIfSignedOut(error) {
  if (error instanceof ApiError && error.status === 401) {
    window.location.replace('/');
    return true;
  }
  return false;
}

export function formValues(form) {
  const values = {};
  for (const [name, value] of new window.FormData(form).entries()) values[name] = value;
  return values;
}

export function clearErrors(form) {
  const top = form.querySelector('.form-error');
  if (top) {
    top.hidden = true;
    top.textContent = '';
  }
  for (const element of form.querySelectorAll('.field-error')) element.textContent = '';
  for (const element of form.querySelectorAll('[aria-invalid]')) element.removeAttribute('aria-invalid');
}

/**
 * DRF's errors onto the form: each field's messages under the field it names;
 * `non_field_errors`, `detail` and messages for fields the form does not have
 * at the top. Focus goes to the first field in error, else to the top message.
 */
export function showErrors(form, error) {
  clearErrors(form);
  const fieldErrors = error instanceof ApiError ? error.fieldErrors : {};
  const unplaced = [...(fieldErrors.non_field_errors || [])];
  let firstInvalid = null;
  for (const [field, messages] of Object.entries(fieldErrors)) {
    if (field === 'non_field_errors') continue;
    const input = form.elements.namedItem(field);
    const slot = /^[A-Za-z0-9_]+$/.test(field) ? form.querySelector(`#${field}-error`) : null;
    if (!input || !slot) {
      unplaced.push(...messages);
      continue;
    }
    slot.replaceChildren(...messages.map((message) => element('span', { text: message })));
    input.setAttribute('aria-invalid', 'true');
    if (!firstInvalid) firstInvalid = input;
  }
  const top = form.querySelector('.form-error');
  let messages;
  if (!(error instanceof ApiError)) messages = ['Could not reach the server. Check your connection and try again.'];
  else if (error.detail !== null) messages = [error.detail, ...unplaced];
  else if (unplaced.length > 0) messages = unplaced;
  else messages = [firstInvalid ? 'Please correct the fields marked below.' : error.message];
  top.textContent = messages.join(' ');
  top.hidden = false;
  (firstInvalid || top).focus();
}

export function setBusy(form, busy) {
  form.setAttribute('aria-busy', String(busy));
  for (const button of form.querySelectorAll('button')) button.disabled = busy;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(value) {
  return value ? dateFormat.format(new Date(value)) : '—';
}

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDay(value) {
  return value ? dayFormat.format(new Date(value)) : '—';
}

export function element(tag, properties = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(properties)) {
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export function flash(message) {
  const target = document.getElementById('flash');
  target.textContent = message;
}

/** Shared by the signed-in pages: who is signed in, and the log-out button. */
export async function startSignedInPage() {
  let user;
  try {
    user = await api('GET', '/api/auth/user');
  } catch (error) {
    if (redirectIfSignedOut(error)) return null;
    throw error;
  }
  document.getElementById('current-user').textContent = `Signed in as ${user.username}`;
  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await api('POST', '/api/auth/logout');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    window.location.replace('/');
  });
  return user;
}
