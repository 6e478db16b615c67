import { api, ApiError, clearErrors, element, flash, formatDate, formatDay, formValues, redirectIfSignedOut, setBusy, showErrors, startSignedInPage } from './api.js';

const PAGE_SIZE = 10;

const form = document.getElementById('lead-form');
const formTitle = document.getElementById('lead-form-title');
const submitButton = document.getElementById('lead-submit');
const cancelButton = document.getElementById('lead-cancel');
const searchForm = document.getElementById('search-form');
const tableBody = document.querySelector('#leads-table tbody');
const empty = document.getElementById('empty');
const listError = document.getElementById('list-error');
const pageInfo = document.getElementById('page-info');
const previousButton = document.getElementById('prev-page');
const nextButton = document.getElementById('next-page');
const deleteDialog = document.getElementById('delete-dialog');

const state = { search: '', offset: 0, count: 0, editing: null };

function showListError(error) {
  if (redirectIfSignedOut(error)) return;
  listError.textContent = error instanceof ApiError ? error.message : 'Could not reach the server. Check your connection and try again.';
  listError.hidden = false;
}

/**
 * The list answer as one page: DRF's LimitOffsetPagination envelope (what a
 * request with `limit` gets), or the plain array of every lead (what the API
 * answers without `limit`), cut to the page shown.
 */
function asPage(body) {
  if (Array.isArray(body)) return { count: body.length, results: body.slice(state.offset, state.offset + PAGE_SIZE) };
  return { count: body.count, results: body.results };
}

async function loadLeads() {
  // Newest first; id breaks ties. `limit` asks for the envelope, with its count.
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(state.offset), ordering: '-created_at' });
  if (state.search) params.set('search', state.search);
  let page;
  try {
    page = asPage(await api('GET', `/api/leads?${params}`));
  } catch (error) {
    showListError(error);
    return;
  }
  listError.hidden = true;
  if (page.results.length === 0 && state.offset > 0) {
    // The last lead of the last page went away: show the page before.
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    return loadLeads();
  }
  state.count = page.count;
  renderLeads(page.results);
}

function renderLeads(leads) {
  tableBody.replaceChildren(...leads.map(leadRow));
  document.getElementById('leads-table').hidden = leads.length === 0;
  empty.hidden = leads.length > 0;
  empty.textContent = state.search ? `No leads match “${state.search}”.` : 'No leads yet. Add your first one with the form.';
  const first = state.count === 0 ? 0 : state.offset + 1;
  const last = state.offset + leads.length;
  pageInfo.textContent = state.count === 0 ? '' : `${first}–${last} of ${state.count}`;
  previousButton.disabled = state.offset === 0;
  nextButton.disabled = last >= state.count;
}

function leadRow(lead) {
  const edit = element('button', { type: 'button', className: 'small', text: 'Edit', 'aria-label': `Edit ${lead.name}` });
  edit.addEventListener('click', () => startEditing(lead));
  const remove = element('button', { type: 'button', className: 'small danger-text', text: 'Delete', 'aria-label': `Delete ${lead.name}` });
  remove.addEventListener('click', () => confirmDelete(lead));
  const row = element('tr', { 'data-id': String(lead.id) }, [
    element('td', { className: 'lead-cell' }, [
      element('span', { className: 'lead-name', text: lead.name }),
      element('a', { className: 'lead-email', href: `mailto:${lead.email}`, text: lead.email }),
    ]),
    element('td', { className: 'message', text: lead.message }),
    element('td', { className: 'nowrap muted' }, [element('time', { datetime: lead.created_at, title: formatDate(lead.created_at), text: formatDay(lead.created_at) })]),
    element('td', { className: 'row-actions' }, [edit, remove]),
  ]);
  if (state.editing && state.editing.id === lead.id) row.classList.add('editing');
  return row;
}

function markEditingRow() {
  for (const row of tableBody.querySelectorAll('tr')) row.classList.toggle('editing', Boolean(state.editing) && row.dataset.id === String(state.editing.id));
}

function startEditing(lead) {
  state.editing = lead;
  markEditingRow();
  flash('');
  clearErrors(form);
  form.elements.namedItem('name').value = lead.name;
  form.elements.namedItem('email').value = lead.email;
  form.elements.namedItem('message').value = lead.message;
  formTitle.textContent = 'Edit lead';
  submitButton.textContent = 'Save changes';
  cancelButton.hidden = false;
  form.elements.namedItem('name').focus();
}

function stopEditing() {
  state.editing = null;
  markEditingRow();
  form.reset();
  clearErrors(form);
  formTitle.textContent = 'New lead';
  submitButton.textContent = 'Add lead';
  cancelButton.hidden = true;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  setBusy(form, true);
  const values = formValues(form);
  const editing = state.editing;
  try {
    if (editing) {
      await api('PUT', `/api/leads/${editing.id}`, values);
      flash(`Saved changes to ${values.name.trim()}.`);
    } else {
      await api('POST', '/api/leads', values);
      flash(`Added ${values.name.trim()}.`);
      state.offset = 0;
    }
    stopEditing();
    await loadLeads();
    form.elements.namedItem('name').focus();
  } catch (error) {
    if (!redirectIfSignedOut(error)) showErrors(form, error);
  } finally {
    setBusy(form, false);
  }
});

cancelButton.addEventListener('click', () => {
  const id = state.editing && state.editing.id;
  stopEditing();
  const row = id && tableBody.querySelector(`tr[data-id="${id}"] button`);
  (row || form.elements.namedItem('name')).focus();
});

form.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && state.editing) cancelButton.click();
});

searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  state.search = searchForm.elements.namedItem('search').value.trim();
  state.offset = 0;
  flash('');
  void loadLeads();
});

previousButton.addEventListener('click', () => {
  state.offset = Math.max(0, state.offset - PAGE_SIZE);
  void loadLeads();
});

nextButton.addEventListener('click', () => {
  state.offset += PAGE_SIZE;
  void loadLeads();
});

function confirmDelete(lead) {
  document.getElementById('delete-text').textContent = `${lead.name} <${lead.email}> will be deleted. This cannot be undone.`;
  deleteDialog.returnValue = '';
  deleteDialog.addEventListener(
    'close',
    async () => {
      if (deleteDialog.returnValue !== 'delete') return;
      try {
        await api('DELETE', `/api/leads/${lead.id}`);
        if (state.editing && state.editing.id === lead.id) stopEditing();
        flash(`Deleted ${lead.name}.`);
        await loadLeads();
        searchForm.elements.namedItem('search').focus();
      } catch (error) {
        showListError(error);
      }
    },
    { once: true },
  );
  deleteDialog.showModal();
}

startSignedInPage()
  .then((user) => (user ? loadLeads() : undefined))
  .catch(showListError);
