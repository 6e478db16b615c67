import { api, clearErrors, formValues, refreshCsrfToken, setBusy, showErrors } from './api.js';

const form = document.getElementById('register-form');
const ready = refreshCsrfToken().catch(() => undefined);

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  setBusy(form, true);
  try {
    await ready;
    // With the csrftoken cookie, registering also signs this browser in.
    await api('POST', '/api/auth/register', formValues(form));
    window.location.assign('/leads');
  } catch (error) {
    showErrors(form, error);
    setBusy(form, false);
  }
});
