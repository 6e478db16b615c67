/**
 * README.md's examples, pasted in order into one shell, work against a fresh server.
 *
 * The rule for which blocks run: every ```bash block in README.md is part of one walkthrough and runs, top
 * to bottom, in a single `bash` with `set -euo pipefail`. Blocks a reader must not paste into that shell
 * (starting a server, npm test, docker, management commands with their output) are ```sh or ```console.
 * The first runnable block defines `API=http://127.0.0.1:3000`, once; this test points it at its own
 * server and every request in the blocks must go through `$API`.
 *
 * Every curl in a runnable block is annotated, in a comment on or above it, with what it gets:
 * `→ <status>`, optionally followed by the body's shape, e.g.
 *   # Register → 201 {"user": {"id", "username", "email"}, "token", "expiry"}
 * Annotations are matched to the curl calls in the order the shell makes them. A shape names every key of
 * an object (no more, no fewer); `"key": <shape>` also checks the value; `[...]` is any array, `[<shape>]` a
 * non-empty array whose every element has that shape; null, true, false and numbers must be equal; strings
 * must be equal, with `…` matching anything. A 204 must have an empty body. The shell's `curl` is a function
 * that runs the real curl (ignoring ~/.curlrc) and fails at once when a status differs from its annotation,
 * so the README has to change with the API's wire shapes and routes.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTestApp, TestApp } from './support/test-app';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const API_LINE = 'API=http://127.0.0.1:3000';
/** The sections whose examples a reader pastes; each must have runnable blocks. */
const EXAMPLE_SECTIONS = ['Quick start', 'API — accounts', 'API — leads', 'List query parameters (`GET /api/leads`)', 'Browser sessions and CSRF'];

interface Block {
  language: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The `##` and `###` headings the block is under. */
  headings: string[];
  lines: string[];
}

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: Block | null = null;
  let section = '';
  let subsection = '';
  markdown.split('\n').forEach((text, index) => {
    const fence = /^\s*```(\S*)\s*$/.exec(text);
    if (open) {
      if (fence && fence[1] === '') {
        blocks.push(open);
        open = null;
      } else {
        open.lines.push(text);
      }
      return;
    }
    if (fence) {
      open = { language: fence[1], line: index + 1, headings: [section, subsection].filter(Boolean), lines: [] };
    } else if (text.startsWith('## ')) {
      section = text.slice(3).trim();
      subsection = '';
    } else if (text.startsWith('### ')) {
      subsection = text.slice(4).trim();
    }
  });
  if (open) throw new Error(`README.md: unclosed code block at line ${(open as Block).line}`);
  return blocks;
}

/** A shell line split into its code and its comment (a `#` outside quotes, at the start or after a blank). */
function splitComment(line: string): { code: string; comment: string } {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '\\') {
      i++;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return { code: line.slice(0, i), comment: line.slice(i + 1) };
    }
  }
  return { code: line, comment: '' };
}

type Shape =
  | { kind: 'any' }
  | { kind: 'object'; members: Array<[string, Shape | null]> }
  | { kind: 'array'; element: Shape | null; empty: boolean }
  | { kind: 'literal'; value: null | boolean | number }
  | { kind: 'string'; text: string };

/** Reads the shape notation of an annotation (see the header comment) from the start of `source`. */
function parseShape(source: string): Shape {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`shape "${source}": expected ${what} at "${source.slice(at, at + 20)}"`);
  };
  const skip = () => {
    while (/\s/.test(source[at] ?? '')) at++;
  };
  const eat = (token: string): boolean => {
    skip();
    if (source.startsWith(token, at)) {
      at += token.length;
      return true;
    }
    return false;
  };
  const string = (): string => {
    skip();
    const match = /^"((?:[^"\\]|\\.)*)"/.exec(source.slice(at));
    if (!match) return fail('a "string"');
    at += match[0].length;
    return JSON.parse(match[0]) as string;
  };
  const value = (): Shape => {
    skip();
    if (eat('...') || eat('…')) return { kind: 'any' };
    if (eat('{')) {
      const members: Array<[string, Shape | null]> = [];
      if (!eat('}')) {
        do {
          const key = string();
          members.push([key, eat(':') ? value() : null]);
        } while (eat(','));
        if (!eat('}')) fail('"," or "}"');
      }
      return { kind: 'object', members };
    }
    if (eat('[')) {
      if (eat(']')) return { kind: 'array', element: null, empty: true };
      const element = value();
      if (!eat(']')) fail('"]"');
      return { kind: 'array', element: element.kind === 'any' ? null : element, empty: false };
    }
    if (source[at] === '"') return { kind: 'string', text: string() };
    const literal = /^(null|true|false|-?\d+(?:\.\d+)?)/.exec(source.slice(at));
    if (!literal) return fail('a shape');
    at += literal[0].length;
    return { kind: 'literal', value: JSON.parse(literal[0]) as null | boolean | number };
  };
  return value();
}

function shapeMismatches(shape: Shape, actual: unknown, path = 'body'): string[] {
  switch (shape.kind) {
    case 'any':
      return [];
    case 'literal':
      return actual === shape.value ? [] : [`${path} is ${JSON.stringify(actual)}, not ${JSON.stringify(shape.value)}`];
    case 'string': {
      const pattern = new RegExp(`^${shape.text.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
      return typeof actual === 'string' && pattern.test(actual) ? [] : [`${path} is ${JSON.stringify(actual)}, not "${shape.text}"`];
    }
    case 'array':
      if (!Array.isArray(actual)) return [`${path} is not an array: ${JSON.stringify(actual)}`];
      if (shape.empty) return actual.length === 0 ? [] : [`${path} is not empty`];
      if (!shape.element) return [];
      if (actual.length === 0) return [`${path} is empty`];
      return actual.flatMap((item, index) => shapeMismatches(shape.element as Shape, item, `${path}[${index}]`));
    case 'object': {
      if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${path} is not an object: ${JSON.stringify(actual)}`];
      const keys = Object.keys(actual).sort();
      const expected = shape.members.map(([key]) => key).sort();
      if (JSON.stringify(keys) !== JSON.stringify(expected)) return [`${path} has the keys ${keys.join(', ')}, not ${expected.join(', ')}`];
      return shape.members.flatMap(([key, member]) => (member ? shapeMismatches(member, (actual as Record<string, unknown>)[key], `${path}.${key}`) : []));
    }
  }
}

interface Annotation {
  status: number;
  shape: Shape | null;
  /** Where it is written, for messages. */
  where: string;
}

const blocks = fencedBlocks(README);
const runnable = blocks.filter((block) => block.language === 'bash');
const codeLines = runnable.flatMap((block) => block.lines.map((line, index) => ({ ...splitComment(line), where: `README.md:${block.line + 1 + index}` })));
const annotations: Annotation[] = codeLines.flatMap(({ comment, where }) =>
  [...comment.matchAll(/→\s*(\d{3})\b/g)].map((match) => {
    const rest = comment.slice((match.index ?? 0) + match[0].length).trimStart();
    return { status: Number(match[1]), shape: rest.startsWith('{') || rest.startsWith('[') ? parseShape(rest) : null, where };
  }),
);
const curlCount = codeLines.reduce((count, { code }) => count + [...code.matchAll(/(^|[\s;|&(])curl(?=\s)/g)].length, 0);

/** Stands in for curl in the walkthrough's shell: the real curl, plus each call's status checked against its annotation. */
const PREAMBLE = String.raw`set -euo pipefail
shopt -s inherit_errexit
curl() {
  local n expected status
  n=$(( $(cat "$README_CALLS/count") + 1 ))
  echo "$n" > "$README_CALLS/count"
  expected=$(sed -n "$n"p "$README_CALLS/expected")
  status=$(command curl -q --silent --show-error --output "$README_CALLS/$n.body" --write-out '%{http_code}' "$@") || return
  echo "$status" > "$README_CALLS/$n.status"
  cat "$README_CALLS/$n.body"
  if [ "$status" != "$expected" ]; then
    printf '\ncurl #%s (curl %s): HTTP %s, the README says "%s"\n' "$n" "$*" "$status" "$expected" >&2
    return 22
  fi
}
`;

function run(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('README.md examples', () => {
  it('has runnable (```bash) examples in every example section, and no curl in an unlabelled block', () => {
    for (const section of EXAMPLE_SECTIONS) {
      expect([section, runnable.filter((block) => block.headings.at(-1) === section).length > 0]).toEqual([section, true]);
    }
    // Languages a reader might mistake for the walkthrough's.
    expect(blocks.filter((block) => ['shell', 'shell-session', 'zsh', ''].includes(block.language) && block.lines.some((line) => /^\s*curl\s/.test(line))).map((block) => block.line)).toEqual([]);
  });

  it('defines API once, in the first runnable block, and sends every request to $API', () => {
    const assignments = codeLines.filter(({ code }) => /(^|\s)API=/.test(code));
    expect(assignments.map(({ code }) => code.trim())).toEqual([API_LINE]);
    expect(runnable[0].lines).toContain(API_LINE);
    const hardCoded = codeLines.filter(({ code }) => /127\.0\.0\.1|localhost|https?:\/\//.test(code) && code.trim() !== API_LINE);
    expect(hardCoded.map(({ where, code }) => `${where}: ${code}`)).toEqual([]);
    const curls = codeLines.filter(({ code }) => /(^|[\s;|&(])curl\s/.test(code));
    expect(curls.filter(({ code }) => !/\$API\/|"\$NEXT"/.test(code) && !/\\$/.test(code)).map(({ where, code }) => `${where}: ${code}`)).toEqual([]);
  });

  it('needs no tool a laptop may lack: no jq, no python', () => {
    expect(codeLines.filter(({ code }) => /\b(jq|python3?)\b/.test(code)).map(({ where }) => where)).toEqual([]);
  });

  it('annotates every curl with the status it gets (→ NNN)', () => {
    expect(curlCount).toBeGreaterThan(20);
    expect(annotations.length).toBe(curlCount);
  });

  describe('pasted in order into one shell', () => {
    let t: TestApp;
    let workDir: string;
    let result: { code: number | null; stdout: string; stderr: string };
    const calls: Array<{ status: number; body: string }> = [];

    beforeAll(async () => {
      // The production login and register limits (an empty value means the default): what a reader gets.
      t = await createTestApp({ THROTTLE_LOGIN_PER_IP: '', THROTTLE_LOGIN_PER_USERNAME: '', THROTTLE_REGISTER_PER_IP: '' });
      workDir = mkdtempSync(join(tmpdir(), 'leads-readme-'));
      const callsDir = join(workDir, '.calls');
      mkdirSync(callsDir);
      writeFileSync(join(callsDir, 'count'), '0\n');
      writeFileSync(join(callsDir, 'expected'), annotations.map(({ status }) => `${status}\n`).join(''));
      const script = [
        PREAMBLE,
        ...runnable.map((block) => [`# README.md:${block.line}`, ...block.lines.map((line) => (line === API_LINE ? `API=${t.baseUrl}` : line))].join('\n')),
      ].join('\n');
      writeFileSync(join(workDir, 'readme.sh'), `${script}\n`);
      const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: workDir, LC_ALL: 'C.UTF-8', README_CALLS: callsDir };
      result = await run(join(workDir, 'readme.sh'), workDir, env);
      const count = Number(readFileSync(join(callsDir, 'count'), 'utf8'));
      for (let n = 1; n <= count; n++) {
        const statusFile = readdirSync(callsDir).includes(`${n}.status`) ? readFileSync(join(callsDir, `${n}.status`), 'utf8') : '0';
        calls.push({ status: Number(statusFile), body: readFileSync(join(callsDir, `${n}.body`), 'utf8') });
      }
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    it('runs to the end with every curl getting the status the README states', () => {
      expect({ code: result.code, stderr: result.stderr, stdoutTail: result.code === 0 ? '' : result.stdout.slice(-2000) }).toEqual({ code: 0, stderr: '', stdoutTail: '' });
      expect(calls.map(({ status }) => status)).toEqual(annotations.map(({ status }) => status));
    });

    it('gets the body shapes the README states', () => {
      const mismatches = annotations.flatMap(({ shape, status, where }, index) => {
        const call = calls[index];
        if (!call) return [`${where}: never called`];
        if (status === 204) return call.body === '' ? [] : [`${where}: a 204 with a body: ${call.body}`];
        if (!shape) return [];
        let body: unknown;
        try {
          body = JSON.parse(call.body);
        } catch {
          return [`${where}: not JSON: ${call.body.slice(0, 200)}`];
        }
        return shapeMismatches(shape, body).map((problem) => `${where}: ${problem}`);
      });
      expect(annotations.filter(({ shape }) => shape).length).toBeGreaterThan(12);
      expect(mismatches).toEqual([]);
    });

    it('leaves what the examples describe: alice, and bob without an email; the leads not deleted; the leads section\'s token and bob\'s', async () => {
      const users = await t.db.query<{ username: string; email: string }>('SELECT username, email FROM users ORDER BY username');
      expect(users.rows).toEqual([
        { username: 'alice', email: 'alice@example.com' },
        { username: 'bob', email: '' },
      ]);
      const leads = await t.db.query<{ name: string }>('SELECT name FROM leads ORDER BY name');
      expect(leads.rows.map(({ name }) => name)).toEqual(['Ada', 'Alan', 'Margaret']);
      const tokens = await t.db.query<{ username: string }>('SELECT u.username FROM auth_tokens t JOIN users u ON u.id = t.user_id ORDER BY u.username');
      expect(tokens.rows.map(({ username }) => username)).toEqual(['alice', 'bob']);
      expect(result.stdout).toContain('"username":"alice"');
    });
  });
});
