import { api, ApiError, element, flash, formatDate, redirectIfSignedOut, startSignedInPage } from './api.js';

const tableBody = document.querySelector('#tokens-table tbody');
const listError = document.getElementById('list-error');
const logoutAllDialog = document.getElementById('logout-all-dialog');

function showListError(error) {
  if (redirectIfSignedOut(error)) return;
  listError.textContent = error instanceof ApiError ? error.message : 'Could not reach the server. Check your connection and try again.';
  listError.hidden = false;
}

async function loadTokens() {
  let tokens;
  try {
    tokens = await api('GET', '/api/auth/tokens');
  } catch (error) {
    showListError(error);
    return;
  }
  listError.hidden = true;
  tableBody.replaceChildren(...tokens.map(tokenRow));
}

function tokenRow(token) {
  const revoke = element('button', {
    type: 'button',
    className: 'small danger-text',
    text: token.current ? 'Sign out' : 'Revoke',
    'aria-label': token.current ? 'Revoke this session and sign out' : `Revoke token ${token.token_key}`,
  });
  revoke.addEventListener('click', () => revokeToken(token));
  const key = element('td', {}, [element('code', { text: `${token.token_key}…` })]);
  if (token.current) key.append(' ', element('span', { className: 'badge', text: 'This session' }));
  return element('tr', { 'data-id': String(token.id) }, [
    key,
    element('td', { text: token.name || '—' }),
    element('td', { className: 'nowrap', text: formatDate(token.created) }),
    element('td', { className: 'nowrap', text: token.last_used_at ? formatDate(token.last_used_at) : 'Never' }),
    element('td', { className: 'nowrap', text: token.expiry ? formatDate(token.expiry) : 'Never' }),
    element('td', { className: 'row-actions' }, [revoke]),
  ]);
}

async function revokeToken(token) {
  try {
    await api('DELETE', `/api/auth/tokens/${token.id}`);
  } catch (error) {
    showListError(error);
    return;
  }
  if (token.current) {
    window.location.replace('/');
    return;
  }
  flash(`Revoked token ${token.token_key}…`);
  await loadTokens();
  document.getElementById('logout-all').focus();
}

document.getElementById('logout-all').addEventListener('click', () => {
  logoutAllDialog.returnValue = '';
  logoutAllDialog.showModal();
});

logoutAllDialog.addEventListener('close', async () => {
  if (logoutAllDialog.returnValue !== 'confirm') return;
  try {
    await api('POST', '/api/auth/logoutall');
  } catch (error) {
    showListError(error);
    return;
  }
  window.location.replace('/');
});

startSignedInPage()
  .then((user) => (user ? loadTokens() : undefined))
  .catch(showListError);
