import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './app-config';

/** .env.example is the operators' list of settings: it must name every variable and show the real defaults. */
describe('.env.example', () => {
  const example = new Map<string, string>();
  for (const line of readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8').split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) example.set(match[1], match[2]);
  }

  it('lists every environment variable the configuration reads', () => {
    const read = new Set<string>();
    // Records each name loadConfig asks for, whatever helper it goes through.
    const spy = new Proxy({} as Record<string, string | undefined>, {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    loadConfig(spy);
    expect(read.size).toBeGreaterThan(10);
    expect([...read].filter((name) => !example.has(name))).toEqual([]);
  });

  it('shows the defaults: loading it gives the same configuration as an empty environment', () => {
    expect(loadConfig(Object.fromEntries(example))).toEqual(loadConfig({}));
  });

  it('documents each variable with a comment line right above it', () => {
    const lines = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8').split('\n');
    const undocumented = lines.flatMap((line, index) =>
      /^[A-Z][A-Z0-9_]*=/.test(line) && !lines[index - 1]?.startsWith('# ') ? [line.split('=')[0]] : [],
    );
    expect(undocumented).toEqual([]);
  });
});
