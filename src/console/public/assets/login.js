import { api, clearErrors, formValues, refreshCsrfToken, setBusy, showErrors } from './api.js';

const form = document.getElementById('login-form');
// A token bound to no session (or to this browser's current one) for the login post.
const ready = refreshCsrfToken().catch(() => undefined);

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  setBusy(form, true);
  try {
    await ready;
    const { username, password } = formValues(form);
    await api('POST', '/api/auth/login', { username, password, name: 'Web console' });
    window.location.assign('/leads');
  } catch (error) {
    showErrors(form, error);
    setBusy(form, false);
  }
});
