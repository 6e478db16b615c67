#!/usr/bin/env node
// Source of postman/leads-api.postman_collection.json: edit here, then run
//   node postman/build-collection.js
// and commit both files (Postman imports the JSON; the scripts inside it are plain strings).
const fs = require('fs');
const tests = (lines) => [{ listen: 'test', script: { type: 'text/javascript', exec: lines } }];
const pre = (lines) => [{ listen: 'prerequest', script: { type: 'text/javascript', exec: lines } }];
const url = (path) => ({ raw: `{{baseUrl}}${path}`, host: ['{{baseUrl}}'], path: path.split('/').filter(Boolean) });
const tokenHeader = (v = 'token') => [{ key: 'Authorization', value: `Token {{${v}}}` }];
const json = (obj) => ({ mode: 'raw', raw: JSON.stringify(obj, null, 2), options: { raw: { language: 'json' } } });
const req = (name, method, path, opts = {}) => ({
  name,
  event: [...(opts.pre ? pre(opts.pre) : []), ...tests(opts.tests || [])],
  request: {
    method,
    header: [...(opts.header || []), ...(opts.body && opts.body.mode === 'raw' ? [{ key: 'Content-Type', value: 'application/json' }] : [])],
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.body ? { body: opts.body } : {}),
    url: url(path),
    ...(opts.description ? { description: opts.description } : {}),
  },
});

// DRF's error bodies: {"detail": "..."} alone, or a validation failure's field errors at the top level.
const problem = (status, detail) => [
  `pm.test('status is ${status}', () => pm.response.to.have.status(${status}));`,
  `pm.test('answer is DRF\\'s {"detail"}', () => {`,
  `  pm.expect(pm.response.headers.get('Content-Type')).to.include('application/json');`,
  `  pm.expect(pm.response.json()).to.eql({ detail: ${JSON.stringify(detail)} });`,
  `});`,
];
const fieldErrors = (errors) => [
  `pm.test('status is 400', () => pm.response.to.have.status(400));`,
  `pm.test('answer is DRF\\'s field errors', () => {`,
  `  pm.expect(pm.response.headers.get('Content-Type')).to.include('application/json');`,
  `  pm.expect(pm.response.json()).to.eql(${JSON.stringify(errors)});`,
  `});`,
];
// The same error as RFC 9457 problem details, for a request with Accept: application/problem+json.
const problemDetails = (status, title, detail) => [
  `pm.test('status is ${status}', () => pm.response.to.have.status(${status}));`,
  `pm.test('answer is problem details', () => {`,
  `  pm.expect(pm.response.headers.get('Content-Type')).to.include('application/problem+json');`,
  `  pm.expect(JSON.parse(pm.response.text())).to.eql({ type: 'about:blank', title: ${JSON.stringify(title)}, status: ${status}, detail: ${JSON.stringify(detail)} });`,
  `});`,
];
const userShape = [
  `function expectUser(user) {`,
  `  pm.expect(user).to.have.all.keys('id', 'username', 'email');`,
  `  pm.expect(user.id).to.be.a('number');`,
  `  pm.expect(user.username).to.eql(pm.collectionVariables.get('username'));`,
  `}`,
];
const tokenResponse = (status, saveAs, extra = []) => [
  `pm.test('status is ${status}', () => pm.response.to.have.status(${status}));`,
  ...userShape,
  `pm.test('answer carries the user, a new token and its expiry', () => {`,
  `  const body = pm.response.json();`,
  `  expectUser(body.user);`,
  `  pm.expect(body.token).to.be.a('string').and.to.match(/^[A-Za-z0-9_]{40,}$/);`,
  `  pm.expect(body.expiry === null || !Number.isNaN(Date.parse(body.expiry))).to.be.true;`,
  `  pm.expect(pm.response.headers.get('Cache-Control')).to.include('no-store');`,
  `});`,
  `const seen = JSON.parse(pm.collectionVariables.get('seenTokens') || '[]');`,
  `pm.test('the token is new', () => pm.expect(seen).to.not.include(pm.response.json().token));`,
  `seen.push(pm.response.json().token);`,
  `pm.collectionVariables.set('seenTokens', JSON.stringify(seen));`,
  `pm.collectionVariables.set('${saveAs}', pm.response.json().token);`,
  ...extra,
];
const leadShape = [
  `function expectLead(lead) {`,
  `  pm.expect(lead).to.have.all.keys('id', 'name', 'email', 'message', 'owner', 'created_at', 'updated_at');`,
  `  pm.expect(lead.id).to.be.a('number');`,
  `  pm.expect(lead.owner).to.eql(Number(pm.collectionVariables.get('userId')));`,
  `  pm.expect(lead.created_at).to.match(/^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$/);`,
  `  pm.expect(lead.updated_at).to.match(/^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$/);`,
  `}`,
];

const collection = {
  info: {
    name: 'Leads API',
    description:
      'Drives the Leads API end to end: refusals without a token (DRF bodies, and problem details on request), register, login (JSON, form-data, Basic) and their failures, the user route and leads CRUD with `Authorization: Token {{token}}` (and once with Bearer auth), token list / revoke / logout, the password change, and the Django browser login with a CSRF token.\n\nImport together with `local.postman_environment.json` and press Run.',
    schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
  },
  variable: [
    { key: 'username', value: '' },
    { key: 'password', value: 'violet-Harbor-42-lantern' },
    { key: 'newPassword', value: 'amber-Quarry-73-whistle' },
    { key: 'token', value: '' },
    { key: 'formToken', value: '' },
    { key: 'basicToken', value: '' },
    { key: 'userId', value: '' },
    { key: 'leadId', value: '' },
    { key: 'seenTokens', value: '[]' },
    { key: 'basicTokenId', value: '' },
    { key: 'csrftoken', value: '' },
    { key: 'sessionToken', value: '' },
  ],
  item: [
    {
      name: '1. Refused without a token',
      item: [
        req('List leads without a token', 'GET', '/api/leads', {
          pre: [
            `// A session cookie left in Postman's jar by an earlier run would authenticate this request.`,
            `try { pm.cookies.jar().clear(pm.environment.get('baseUrl') || pm.variables.get('baseUrl')); } catch (e) { /* the app's cookie jar needs the domain allow-listed */ }`,
          ],
          tests: problem(401, 'Authentication credentials were not provided.'),
        }),
        req('Current user without a token', 'GET', '/api/auth/user', {
          tests: [...problem(401, 'Authentication credentials were not provided.'), `pm.test('challenge names the Token scheme', () => pm.expect(pm.response.headers.get('WWW-Authenticate')).to.eql('Token'));`],
        }),
        req('Current user without a token, asking for problem details', 'GET', '/api/auth/user', {
          header: [{ key: 'Accept', value: 'application/problem+json' }],
          tests: [...problemDetails(401, 'Unauthorized', 'Authentication credentials were not provided.'), `pm.test('challenge names the Token scheme', () => pm.expect(pm.response.headers.get('WWW-Authenticate')).to.eql('Token'));`],
        }),
      ],
    },
    {
      name: '2. Register',
      item: [
        req('Register a new user', 'POST', '/api/auth/register', {
          pre: [
            `// A unique user per run, so the collection can be run again and again.`,
            `pm.collectionVariables.set('username', 'postman_' + pm.variables.replaceIn('{{$timestamp}}') + '_' + pm.variables.replaceIn('{{$randomInt}}'));`,
            `pm.collectionVariables.set('seenTokens', '[]');`,
            `pm.collectionVariables.set('password', 'violet-Harbor-42-lantern');`,
          ],
          body: json({ username: '{{username}}', email: '{{username}}@example.com', password: '{{password}}' }),
          tests: tokenResponse(200, 'token', [`pm.collectionVariables.set('userId', String(pm.response.json().user.id));`]),
        }),
        req('Register the same username again', 'POST', '/api/auth/register', {
          body: json({ username: '{{username}}', email: 'other@example.com', password: '{{password}}' }),
          tests: fieldErrors({ username: ['A user with that username already exists.'] }),
        }),
        req('Register without an email', 'POST', '/api/auth/register', {
          body: json({ username: '{{username}}_noemail', password: '{{password}}' }),
          tests: [
            `pm.test('status is 200', () => pm.response.to.have.status(200));`,
            `pm.test('the email is stored and answered as ""', () => {`,
            `  const body = pm.response.json();`,
            `  pm.expect(body).to.have.all.keys('user', 'token', 'expiry');`,
            `  pm.expect(body.user).to.include({ username: pm.collectionVariables.get('username') + '_noemail', email: '' });`,
            `});`,
          ],
        }),
      ],
    },
    {
      name: '3. Log in',
      item: [
        req('Log in with JSON', 'POST', '/api/auth/login', {
          body: json({ username: '{{username}}', password: '{{password}}' }),
          tests: tokenResponse(200, 'token'),
        }),
        req('Log in with form-data', 'POST', '/api/auth/login', {
          body: { mode: 'formdata', formdata: [{ key: 'username', value: '{{username}}', type: 'text' }, { key: 'password', value: '{{password}}', type: 'text' }, { key: 'name', value: 'postman form-data', type: 'text' }] },
          tests: tokenResponse(200, 'formToken'),
        }),
        req('Log in with Basic auth', 'POST', '/api/auth/login', {
          auth: { type: 'basic', basic: [{ key: 'username', value: '{{username}}', type: 'string' }, { key: 'password', value: '{{password}}', type: 'string' }] },
          body: json({ name: 'postman basic' }),
          tests: tokenResponse(200, 'basicToken'),
        }),
        req('Log in with a wrong password', 'POST', '/api/auth/login', {
          body: json({ username: '{{username}}', password: 'not-the-password' }),
          tests: fieldErrors({ non_field_errors: ['Incorrect Credentials Passed.'] }),
        }),
        req('Log in without a password', 'POST', '/api/auth/login', {
          body: json({ username: '{{username}}' }),
          tests: fieldErrors({ password: ['This field is required.'] }),
        }),
        req('Log in with a wrong password over Basic auth', 'POST', '/api/auth/login', {
          auth: { type: 'basic', basic: [{ key: 'username', value: '{{username}}', type: 'string' }, { key: 'password', value: 'not-the-password', type: 'string' }] },
          tests: [...problem(401, 'Invalid username/password.'), `pm.test('challenge names the Basic scheme', () => pm.expect(pm.response.headers.get('WWW-Authenticate')).to.eql('Basic realm="api"'));`],
        }),
      ],
    },
    {
      name: '4. Use the token',
      item: [
        req('Current user (Token header)', 'GET', '/api/auth/user', {
          header: tokenHeader(),
          tests: [`pm.test('status is 200', () => pm.response.to.have.status(200));`, ...userShape, `pm.test('answer is the user', () => expectUser(pm.response.json()));`],
        }),
        req('Current user (Bearer Token auth type)', 'GET', '/api/auth/user', {
          auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{formToken}}', type: 'string' }] },
          tests: [`pm.test('status is 200', () => pm.response.to.have.status(200));`, ...userShape, `pm.test('answer is the user', () => expectUser(pm.response.json()));`],
        }),
        req('Create a lead', 'POST', '/api/leads', {
          header: tokenHeader(),
          body: json({ name: 'Ada Lovelace', email: 'ada@example.com', message: 'Interested in the analytical engine.' }),
          tests: [
            `pm.test('status is 201', () => pm.response.to.have.status(201));`,
            ...leadShape,
            `pm.test('answer is the new lead', () => { const lead = pm.response.json(); expectLead(lead); pm.expect(lead).to.include({ name: 'Ada Lovelace', email: 'ada@example.com' }); });`,
            `pm.collectionVariables.set('leadId', String(pm.response.json().id));`,
          ],
        }),
        req('Create a lead with a bad email', 'POST', '/api/leads', {
          header: tokenHeader(),
          body: json({ name: 'Bad', email: 'not-an-email', message: 'x' }),
          tests: fieldErrors({ email: ['Enter a valid email address.'] }),
        }),
        req('Create a lead with an email the user already has', 'POST', '/api/leads', {
          header: tokenHeader(),
          body: json({ name: 'Ada again', email: 'ADA@example.com', message: 'Same address, other case.' }),
          tests: fieldErrors({ email: ['lead with this email already exists.'] }),
        }),
        req('List leads', 'GET', '/api/leads/', {
          header: tokenHeader(),
          tests: [
            `pm.test('status is 200', () => pm.response.to.have.status(200));`,
            ...leadShape,
            `pm.test('answer is the array of the user’s leads, as DRF lists without pagination', () => {`,
            `  const leads = pm.response.json();`,
            `  pm.expect(leads).to.be.an('array').with.lengthOf(1);`,
            `  expectLead(leads[0]);`,
            `  pm.expect(leads[0].id).to.eql(Number(pm.collectionVariables.get('leadId')));`,
            `});`,
          ],
        }),
        req('List leads, a page (limit)', 'GET', '/api/leads?limit=20', {
          header: tokenHeader(),
          tests: [
            `pm.test('status is 200', () => pm.response.to.have.status(200));`,
            ...leadShape,
            `pm.test('answer is a page of the user’s leads (DRF LimitOffsetPagination)', () => {`,
            `  const page = pm.response.json();`,
            `  pm.expect(page).to.have.all.keys('count', 'next', 'previous', 'results');`,
            `  pm.expect(page.count).to.eql(1);`,
            `  pm.expect(page.next).to.be.null;`,
            `  pm.expect(page.results).to.have.lengthOf(1);`,
            `  expectLead(page.results[0]);`,
            `});`,
          ],
        }),
        req('Read the lead', 'GET', '/api/leads/{{leadId}}', {
          header: tokenHeader(),
          tests: [`pm.test('status is 200', () => pm.response.to.have.status(200));`, ...leadShape, `pm.test('answer is the lead', () => { expectLead(pm.response.json()); pm.expect(pm.response.json().id).to.eql(Number(pm.collectionVariables.get('leadId'))); });`],
        }),
        req('Replace the lead (PUT)', 'PUT', '/api/leads/{{leadId}}', {
          header: tokenHeader(),
          body: json({ name: 'Ada King', email: 'ada@example.com', message: 'Countess of Lovelace.' }),
          tests: [`pm.test('status is 200', () => pm.response.to.have.status(200));`, ...leadShape, `pm.test('answer is the replaced lead', () => { expectLead(pm.response.json()); pm.expect(pm.response.json()).to.include({ name: 'Ada King', message: 'Countess of Lovelace.' }); });`],
        }),
        req('Update the lead (PATCH)', 'PATCH', '/api/leads/{{leadId}}', {
          header: tokenHeader(),
          body: json({ message: 'Wrote the first program.' }),
          tests: [`pm.test('status is 200', () => pm.response.to.have.status(200));`, ...leadShape, `pm.test('only the message changed', () => { expectLead(pm.response.json()); pm.expect(pm.response.json()).to.include({ name: 'Ada King', message: 'Wrote the first program.' }); });`],
        }),
        req('Delete the lead', 'DELETE', '/api/leads/{{leadId}}', {
          header: tokenHeader(),
          tests: [`pm.test('status is 204', () => pm.response.to.have.status(204));`, `pm.test('no body', () => pm.expect(pm.response.text()).to.eql(''));`],
        }),
        req('Read the deleted lead', 'GET', '/api/leads/{{leadId}}', { header: tokenHeader(), tests: problem(404, 'Not found.') }),
      ],
    },
    {
      name: '5. Tokens and logout',
      item: [
        req('List my tokens', 'GET', '/api/auth/tokens', {
          header: tokenHeader(),
          tests: [
            `pm.test('status is 200', () => pm.response.to.have.status(200));`,
            `pm.test('answer lists the tokens, the current one marked', () => {`,
            `  const tokens = pm.response.json();`,
            `  pm.expect(tokens).to.be.an('array').with.lengthOf(4);`,
            `  tokens.forEach((t) => pm.expect(t).to.have.all.keys('id', 'token_key', 'name', 'created', 'expiry', 'last_used_at', 'current'));`,
            `  pm.expect(tokens.filter((t) => t.current)).to.have.lengthOf(1);`,
            `  const basic = tokens.find((t) => t.name === 'postman basic');`,
            `  pm.expect(basic, 'the token from the Basic login').to.be.an('object');`,
            `  pm.collectionVariables.set('basicTokenId', String(basic.id));`,
            `});`,
          ],
        }),
        req('Revoke the Basic-login token', 'DELETE', '/api/auth/tokens/{{basicTokenId}}', {
          header: tokenHeader(),
          tests: [`pm.test('status is 204', () => pm.response.to.have.status(204));`],
        }),
        req('The revoked token is refused', 'GET', '/api/auth/user', { header: tokenHeader('basicToken'), tests: problem(401, 'Invalid token.') }),
        req('Log out', 'POST', '/api/auth/logout', {
          header: tokenHeader(),
          tests: [`pm.test('status is 204', () => pm.response.to.have.status(204));`],
        }),
        req('The logged-out token is refused', 'GET', '/api/auth/user', { header: tokenHeader(), tests: problem(401, 'Invalid token.') }),
        req('Another token still works', 'GET', '/api/auth/user', {
          header: tokenHeader('formToken'),
          tests: [`pm.test('status is 200', () => pm.response.to.have.status(200));`, ...userShape, `pm.test('answer is the user', () => expectUser(pm.response.json()));`],
        }),
        req('Log out everywhere', 'POST', '/api/auth/logoutall', { header: tokenHeader('formToken'), tests: [`pm.test('status is 204', () => pm.response.to.have.status(204));`] }),
        req('Every token is now refused', 'GET', '/api/auth/user', { header: tokenHeader('formToken'), tests: problem(401, 'Invalid token.') }),
      ],
    },
    {
      name: '6. Change the password',
      description: 'dj-rest-auth’s route and body: old_password, new_password1, new_password2. Every other token of the user is revoked; the one used is kept.',
      item: [
        req('Log in again', 'POST', '/api/auth/login', {
          body: json({ username: '{{username}}', password: '{{password}}' }),
          tests: tokenResponse(200, 'token'),
        }),
        req('Log in on a second device', 'POST', '/api/auth/login', {
          body: json({ username: '{{username}}', password: '{{password}}' }),
          tests: tokenResponse(200, 'formToken'),
        }),
        req('Change the password with a wrong old password', 'POST', '/api/auth/password/change', {
          header: tokenHeader(),
          body: json({ old_password: 'not-the-password', new_password1: '{{newPassword}}', new_password2: '{{newPassword}}' }),
          tests: fieldErrors({ old_password: ['Your old password was entered incorrectly. Please enter it again.'] }),
        }),
        req('Change the password with two different new ones', 'POST', '/api/auth/password/change', {
          header: tokenHeader(),
          body: json({ old_password: '{{password}}', new_password1: '{{newPassword}}', new_password2: 'something-Else-12' }),
          tests: fieldErrors({ new_password2: ['The two password fields didn\u2019t match.'] }),
        }),
        req('Change the password', 'POST', '/api/auth/password/change', {
          header: tokenHeader(),
          body: json({ old_password: '{{password}}', new_password1: '{{newPassword}}', new_password2: '{{newPassword}}' }),
          tests: [
            `pm.test('status is 200', () => pm.response.to.have.status(200));`,
            `pm.test('answer is dj-rest-auth\\'s sentence', () => pm.expect(pm.response.json()).to.eql({ detail: 'New password has been saved.' }));`,
            `pm.collectionVariables.set('password', pm.collectionVariables.get('newPassword'));`,
          ],
        }),
        req('The token used for the change still works', 'GET', '/api/auth/user', {
          header: tokenHeader(),
          tests: [`pm.test('status is 200', () => pm.response.to.have.status(200));`, ...userShape, `pm.test('answer is the user', () => expectUser(pm.response.json()));`],
        }),
        req('The other device’s token is refused', 'GET', '/api/auth/user', { header: tokenHeader('formToken'), tests: problem(401, 'Invalid token.') }),
        req('Log in with the new password', 'POST', '/api/auth/login', {
          auth: { type: 'basic', basic: [{ key: 'username', value: '{{username}}', type: 'string' }, { key: 'password', value: '{{password}}', type: 'string' }] },
          tests: tokenResponse(200, 'basicToken'),
        }),
      ],
    },
    {
      name: '7. Django browser login with CSRF',
      description: 'As Django’s session login: GET the login route for the csrftoken cookie, then POST the form with X-CSRFToken taken from that cookie. The session cookie then authenticates requests, and unsafe methods need the header.',
      item: [
        req('Get the CSRF cookie', 'GET', '/api/auth/login', {
          tests: [
            `pm.test('status is 200', () => pm.response.to.have.status(200));`,
            `pm.test('answer and cookie carry the same CSRF token', () => {`,
            `  const body = pm.response.json();`,
            `  pm.expect(body).to.have.all.keys('csrf_token');`,
            `  pm.expect(pm.cookies.get('csrftoken')).to.eql(body.csrf_token);`,
            `});`,
            `pm.collectionVariables.set('csrftoken', pm.cookies.get('csrftoken'));`,
          ],
        }),
        req('Log in with form-data and X-CSRFToken', 'POST', '/api/auth/login', {
          header: [{ key: 'X-CSRFToken', value: '{{csrftoken}}' }],
          body: { mode: 'formdata', formdata: [{ key: 'username', value: '{{username}}', type: 'text' }, { key: 'password', value: '{{password}}', type: 'text' }] },
          tests: [
            ...tokenResponse(200, 'sessionToken'),
            `pm.test('a session cookie is set, HttpOnly and SameSite=Lax', () => {`,
            `  const header = pm.response.headers.all().filter((h) => h.key.toLowerCase() === 'set-cookie').map((h) => h.value).find((v) => v.startsWith('sessionid='));`,
            `  pm.expect(header, 'Set-Cookie: sessionid=...').to.be.a('string');`,
            `  pm.expect(header).to.include('HttpOnly');`,
            `  pm.expect(header).to.include('SameSite=Lax');`,
            `});`,
            `pm.test('the CSRF token is rotated', () => pm.expect(pm.cookies.get('csrftoken')).to.not.eql(pm.collectionVariables.get('csrftoken')));`,
            `pm.collectionVariables.set('csrftoken', pm.cookies.get('csrftoken'));`,
          ],
        }),
        req('Current user from the session cookie', 'GET', '/api/auth/user', {
          tests: [`pm.test('status is 200', () => pm.response.to.have.status(200));`, ...userShape, `pm.test('answer is the user', () => expectUser(pm.response.json()));`],
        }),
        req('Create a lead with the cookie but no X-CSRFToken', 'POST', '/api/leads', {
          body: json({ name: 'No CSRF', email: 'nocsrf@example.com', message: 'Should be refused.' }),
          tests: problem(403, 'CSRF Failed: CSRF token missing.'),
        }),
        req('Create a lead with the cookie and X-CSRFToken', 'POST', '/api/leads', {
          header: [{ key: 'X-CSRFToken', value: '{{csrftoken}}' }],
          body: json({ name: 'Browser Lead', email: 'browser@example.com', message: 'Created from a session.' }),
          tests: [`pm.test('status is 201', () => pm.response.to.have.status(201));`, ...leadShape, `pm.test('answer is the new lead', () => { expectLead(pm.response.json()); pm.expect(pm.response.json().email).to.eql('browser@example.com'); });`],
        }),
        req('Log out of the session', 'POST', '/api/auth/logout', {
          header: [{ key: 'X-CSRFToken', value: '{{csrftoken}}' }],
          tests: [
            `pm.test('status is 204', () => pm.response.to.have.status(204));`,
            `pm.test('the session cookie is cleared', () => pm.expect(pm.cookies.has('sessionid')).to.be.false);`,
          ],
        }),
        req('The ended session is refused', 'GET', '/api/auth/user', { tests: problem(401, 'Authentication credentials were not provided.') }),
      ],
    },
  ],
};
fs.writeFileSync(process.argv[2] || require('path').join(__dirname, 'leads-api.postman_collection.json'), JSON.stringify(collection, null, 2) + '\n');
