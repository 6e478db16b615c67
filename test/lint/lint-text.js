'use strict';

// Lints snippets with ESLint's Node API and the repository's eslint.config.mjs, as if each
// were the file at its `path`: reads [{ path, source }] as JSON on stdin, writes each one's
// messages ([{ ruleId, message }]) as JSON on stdout. A child process of its own because
// ESLint loads its config with import(), which Jest's module runtime does not provide.
const { join } = require('node:path');
const { ESLint } = require('eslint');

const ROOT = join(__dirname, '..', '..');

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const snippets = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: join(ROOT, 'eslint.config.mjs') });
  const results = [];
  for (const { path, source } of snippets) {
    const [result] = await eslint.lintText(source, { filePath: join(ROOT, path) });
    results.push(result.messages.map(({ ruleId, message }) => ({ ruleId, message })));
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
