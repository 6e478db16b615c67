'use strict';
// Drives the web console in Debian's Chromium against the built app (APP_DIST,
// default dist) on its own embedded PostgreSQL, as a person would: register,
// sign in with the keyboard, manage leads, revoke a token, sign out. Fails on
// any console error or failed request that the step did not expect.

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { ROOT, startBuiltApp } = require('../../scripts/lib/start-built-app');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, 'screenshots');
const STEP_TIMEOUT_MS = 15_000;

function startApp() {
  return startBuiltApp({ name: 'browser' });
}

/** Collects what a person would see go wrong: console errors, page errors, failed or unexpected requests. */
function watch(page) {
  const problems = [];
  const expected = [];
  const allowedConsole = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    const status = /the server responded with a status of (\d{3})/.exec(text);
    const index = status ? allowedConsole.indexOf(Number(status[1])) : -1;
    if (index >= 0) allowedConsole.splice(index, 1);
    else problems.push(`console error: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  if (process.env.BROWSER_TEST_TRACE) page.on('request', (request) => process.stdout.write(`    > ${request.method()} ${request.url()}\n`));
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText;
    // The browser's own favicon fetch is dropped when a page redirects at once (signed-out visit): not the app's request.
    if (error === 'net::ERR_ABORTED' && new URL(request.url()).pathname === '/assets/favicon.svg') return;
    problems.push(`request failed: ${request.method()} ${request.url()} (${error})`);
  });
  page.on('response', (response) => {
    if (response.status() < 400) return;
    const url = new URL(response.url());
    const method = response.request().method();
    const index = expected.findIndex((item) => item.status === response.status() && item.method === method && url.pathname === item.path);
    if (index >= 0) {
      expected.splice(index, 1);
      allowedConsole.push(response.status());
    } else {
      problems.push(`unexpected ${response.status()} for ${method} ${url.pathname}`);
    }
  });
  return {
    problems,
    /** The next step deliberately causes this error answer. */
    expect(method, pathname, status) {
      expected.push({ method, path: pathname, status });
    },
    unmet() {
      return expected.map((item) => `expected ${item.status} for ${item.method} ${item.path} never came`);
    },
  };
}

async function main() {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const file of fs.readdirSync(SCREENSHOTS)) if (file.endsWith('.png')) fs.rmSync(path.join(SCREENSHOTS, file));

  const app = await startApp();
  let browser;
  let passed = 0;
  let failed = 0;
  let shot = 0;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, baseURL: app.baseUrl });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    const watcher = watch(page);

    const screenshot = async (name) => {
      shot += 1;
      await page.screenshot({ path: path.join(SCREENSHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
    };
    const step = async (name, body) => {
      const before = watcher.problems.length;
      try {
        await body();
        const unmet = watcher.unmet();
        if (unmet.length > 0) throw new Error(unmet.join('; '));
        if (watcher.problems.length > before) throw new Error(watcher.problems.slice(before).join('; '));
        passed += 1;
        process.stdout.write(`  ✓ ${name}\n`);
      } catch (error) {
        failed += 1;
        process.stdout.write(`  ✗ ${name}\n    ${String(error && error.stack ? error.stack : error).split('\n').join('\n    ')}\n`);
        await page.screenshot({ path: path.join(SCREENSHOTS, `failed-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`), fullPage: true }).catch(() => undefined);
        throw error;
      }
    };
    // Leaving a page while its scripts are still fetching cancels those requests: let it settle first.
    const visit = async (pathname) => {
      await page.waitForLoadState('networkidle');
      await page.goto(pathname);
    };
    const expectText = async (locator, text) => {
      await locator.filter({ hasText: text }).first().waitFor();
    };

    const username = `browser_${Date.now().toString(36)}`;
    const password = 'amber-Orchard-58-compass';

    await step('register page shows field errors from the API next to the field', async () => {
      await visit('/register');
      await screenshot('register');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Email').fill('not-an-email');
      await page.getByLabel('Password').fill('short');
      watcher.expect('POST', '/api/auth/register', 400);
      await page.getByRole('button', { name: 'Create account' }).click();
      await expectText(page.locator('#email-error'), 'Enter a valid email address.');
      await expectText(page.locator('#password-error'), 'This password is too short.');
      await expectText(page.locator('.form-error'), 'Please correct the fields marked below.');
      if (!(await page.getByLabel('Email').evaluate((element) => element === document.activeElement))) throw new Error('focus did not move to the first field in error');
      await screenshot('register-errors');
    });

    await step('register signs the browser in and opens the leads page', async () => {
      await page.getByLabel('Email').fill(`${username}@example.com`);
      await page.getByLabel('Password').fill(password);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL('**/leads');
      await expectText(page.locator('#current-user'), username);
      await expectText(page.locator('#empty'), 'No leads yet');
      const cookies = await context.cookies();
      const session = cookies.find((cookie) => cookie.name === 'sessionid');
      if (!session || !session.httpOnly || session.sameSite !== 'Lax') throw new Error(`session cookie not HttpOnly/Lax: ${JSON.stringify(session)}`);
      if (await page.evaluate(() => document.cookie.includes('sessionid'))) throw new Error('the session cookie is readable by scripts');
    });

    await step('log out returns to the sign-in page', async () => {
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await page.getByRole('heading', { name: 'Sign in to Leads' }).waitFor();
    });

    await step('a wrong password is reported at the top of the form', async () => {
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill('wrong-password-1');
      watcher.expect('POST', '/api/auth/login', 400);
      await page.getByLabel('Password').press('Enter');
      // The tutorial's LoginSerializer: non_field_errors, shown at the top of the form.
      await expectText(page.locator('.form-error'), 'Incorrect Credentials Passed.');
      await screenshot('login-error');
    });

    await step('sign in through the form with the keyboard only', async () => {
      await visit('/');
      await screenshot('login');
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
      if (focused !== 'username') throw new Error(`the username field is not focused on load (focus: ${focused})`);
      await page.keyboard.type(username);
      await page.keyboard.press('Tab');
      await page.keyboard.type(password);
      await page.keyboard.press('Enter');
      await page.waitForURL('**/leads');
      await expectText(page.locator('#current-user'), username);
    });

    const leads = [
      { name: 'Ada Lovelace', email: 'ada@example.com', message: 'Wants the analytical engine demo.' },
      { name: 'Grace Hopper', email: 'grace@example.com', message: 'Asked about compilers for the fleet.' },
      { name: 'Alan Turing', email: 'alan@example.com', message: 'Interested in a long-term contract.' },
    ];

    await step('create leads, with API errors shown next to the field', async () => {
      await page.getByLabel('Name').fill('Nameless');
      await page.getByLabel('Email').fill('nope');
      await page.getByLabel('Message').fill('   ');
      watcher.expect('POST', '/api/leads', 400);
      await page.getByRole('button', { name: 'Add lead' }).click();
      await expectText(page.locator('#email-error'), 'Enter a valid email address.');
      await expectText(page.locator('#message-error'), 'This field may not be blank.');
      await screenshot('leads-errors');
      for (const lead of leads) {
        await page.getByLabel('Name').fill(lead.name);
        await page.getByLabel('Email').fill(lead.email);
        await page.getByLabel('Message').fill(lead.message);
        await page.getByRole('button', { name: 'Add lead' }).click();
        await page.locator('#leads-table tbody tr', { hasText: lead.email }).waitFor();
      }
      const rows = await page.locator('#leads-table tbody tr').count();
      if (rows !== 3) throw new Error(`expected 3 rows, saw ${rows}`);
      await expectText(page.locator('#page-info'), '1–3 of 3');
      await screenshot('leads');
    });

    await step('a duplicate email is refused next to the email field', async () => {
      await page.getByLabel('Name').fill('Ada again');
      await page.getByLabel('Email').fill('ADA@example.com');
      await page.getByLabel('Message').fill('Second try');
      watcher.expect('POST', '/api/leads', 400);
      await page.getByLabel('Name').press('Enter');
      await expectText(page.locator('#email-error'), 'lead with this email already exists.');
      await page.getByLabel('Name').fill('');
      await page.getByLabel('Email').fill('');
      await page.getByLabel('Message').fill('');
    });

    await step('edit a lead', async () => {
      await page.getByRole('button', { name: 'Edit Grace Hopper' }).click();
      await page.getByRole('heading', { name: 'Edit lead' }).waitFor();
      await page.getByLabel('Message').fill('Signed the contract for the fleet.');
      await screenshot('lead-edit');
      await page.getByLabel('Name').press('Enter');
      await page.locator('#leads-table tbody tr', { hasText: 'Signed the contract for the fleet.' }).waitFor();
      await page.getByRole('heading', { name: 'New lead' }).waitFor();
      await expectText(page.locator('#flash'), 'Saved changes to Grace Hopper.');
    });

    let apiToken;
    await step('page through leads (ten a page)', async () => {
      const apiLogin = await fetch(`${app.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password, name: 'Reporting script' }),
      });
      if (apiLogin.status !== 200) throw new Error(`API login failed: ${apiLogin.status}`);
      apiToken = (await apiLogin.json()).token;
      for (let i = 1; i <= 9; i += 1) {
        const created = await fetch(`${app.baseUrl}/api/leads`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Token ${apiToken}` },
          body: JSON.stringify({ name: `Imported lead ${i}`, email: `imported${i}@example.com`, message: `Imported from the old CRM (${i}).` }),
        });
        if (created.status !== 201) throw new Error(`creating a lead through the API failed: ${created.status}`);
      }
      await page.waitForLoadState('networkidle');
      await page.reload();
      await expectText(page.locator('#page-info'), '1–10 of 12');
      await page.getByRole('button', { name: 'Next' }).click();
      await expectText(page.locator('#page-info'), '11–12 of 12');
      if (!(await page.getByRole('button', { name: 'Next' }).isDisabled())) throw new Error('Next is enabled on the last page');
      await screenshot('leads-page-2');
      await page.getByRole('button', { name: 'Previous' }).click();
      await expectText(page.locator('#page-info'), '1–10 of 12');
    });

    await step('search leads', async () => {
      await page.getByLabel('Search leads').fill('contract');
      await page.getByLabel('Search leads').press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('#leads-table tbody tr').length === 2);
      await expectText(page.locator('#page-info'), '1–2 of 2');
      const names = await page.locator('#leads-table tbody tr .lead-name').allTextContents();
      if (names.join() !== 'Alan Turing,Grace Hopper') throw new Error(`search shows ${names}, expected Alan Turing and Grace Hopper`);
      await screenshot('leads-search');
    });

    await step('delete a lead after confirming', async () => {
      await page.getByRole('button', { name: 'Delete Alan Turing' }).click();
      await page.getByRole('dialog').waitFor();
      await screenshot('lead-delete-dialog');
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await expectText(page.locator('#flash'), 'Deleted Alan Turing.');
      await page.waitForFunction(() => document.querySelectorAll('#leads-table tbody tr').length === 1);
      await page.getByLabel('Search leads').fill('');
      await page.getByLabel('Search leads').press('Enter');
      await expectText(page.locator('#page-info'), '1–10 of 11');
    });

    await step('the tokens page lists this session and the API token, and revokes the API token', async () => {
      await page.getByRole('link', { name: 'Tokens' }).click();
      await page.waitForURL('**/tokens');
      await page.locator('#tokens-table tbody tr', { hasText: 'Reporting script' }).waitFor();
      await expectText(page.locator('#tokens-table tbody tr', { hasText: 'Web console' }), 'This session');
      await screenshot('tokens');
      await page.locator('#tokens-table tbody tr', { hasText: 'Reporting script' }).getByRole('button', { name: /Revoke/ }).click();
      await expectText(page.locator('#flash'), 'Revoked token');
      await page.waitForFunction(() => document.querySelectorAll('#tokens-table tbody tr').length === 1);
      const check = await fetch(`${app.baseUrl}/api/auth/user`, { headers: { Authorization: `Token ${apiToken}` } });
      if (check.status !== 401) throw new Error(`the revoked token still works (${check.status})`);
      await screenshot('tokens-revoked');
    });

    await step('log out; the leads page then sends the browser to sign in', async () => {
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/');
      const cookies = await context.cookies();
      if (cookies.some((cookie) => cookie.name === 'sessionid')) throw new Error('the session cookie survived logout');
      watcher.expect('GET', '/api/auth/user', 401);
      await visit('/leads');
      await page.waitForURL((url) => url.pathname === '/');
      await page.getByRole('heading', { name: 'Sign in to Leads' }).waitFor();
    });

    await step('"log out everywhere" on the tokens page ends the session', async () => {
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL('**/leads');
      await page.getByRole('link', { name: 'Tokens' }).click();
      await page.waitForURL('**/tokens');
      await page.getByRole('button', { name: 'Log out everywhere' }).click();
      await page.getByRole('dialog').waitFor();
      await screenshot('tokens-logout-all-dialog');
      await page.getByRole('dialog').getByRole('button', { name: 'Log out everywhere' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      if ((await context.cookies()).some((cookie) => cookie.name === 'sessionid')) throw new Error('the session cookie survived logout-all');
    });

    await step('Swagger UI works under its Content Security Policy', async () => {
      await visit('/api/docs');
      await page.locator('.swagger-ui .info .title', { hasText: 'Leads API' }).waitFor();
      await page.locator('.opblock-summary-path', { hasText: '/api/leads' }).first().waitFor();
      await screenshot('swagger');
    });

    await step('the pages fit a phone screen', async () => {
      await page.setViewportSize({ width: 390, height: 800 });
      await visit('/register');
      await screenshot('register-phone');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) throw new Error(`the page is ${overflow}px wider than the screen`);
    });
  } catch (error) {
    if (failed === 0) {
      failed += 1;
      process.stdout.write(`  ✗ setup\n    ${String(error && error.stack ? error.stack : error)}\n`);
    }
    process.stdout.write(`\napp output (last lines):\n${app.output.join('').split('\n').slice(-40).join('\n')}\n`);
  } finally {
    await browser?.close();
    await app.stop();
  }
  process.stdout.write(`\nscreenshots in ${path.relative(ROOT, SCREENSHOTS)}/\nbrowser: ${passed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exitCode = 1;
});
