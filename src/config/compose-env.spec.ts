import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './app-config';

/**
 * docker-compose.yml passes every setting of README.md's "Configuration" tables to the api container, and
 * publishes the API on 127.0.0.1 only.
 *
 * The rule, for every variable of those tables except the "Tests only" one:
 * - FIXED ones are set to what the container needs and cannot be overridden: the listen address and port
 *   (the image's and the published port's), the compose file's own PostgreSQL, and the data volume's path;
 * - COMPOSE_ONLY ones are read by docker compose itself, not by the server or scripts/container-start.sh:
 *   they are not in the api environment, but the file uses each as `${NAME:-<README default>}`;
 * - every other one is in the api environment as `NAME: ${NAME:-<README default>}`, so `.env` or the shell
 *   can set it and an unset one gets the default the README states.
 * And nothing else is in the api environment.
 */
const FIXED: Record<string, string> = {
  HOST: '0.0.0.0',
  PORT: '3000',
  DATABASE_URL: 'postgres://leads:${POSTGRES_PASSWORD:-leads-dev-password}@postgres:5432/leads',
  DATA_DIR: '/app/.data',
};
const COMPOSE_ONLY = ['POSTGRES_PASSWORD', 'API_PUBLISH'];
const SKIPPED_TABLES = ['Tests only'];

const ROOT = join(__dirname, '..', '..');

/** README.md's configuration tables: table title → variable → default ('' for "(empty)"). */
function readmeSettings(): Map<string, Map<string, string>> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Configuration\n');
  const end = readme.indexOf('\n## ', start + 1);
  const tables = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of readme.slice(start, end).split('\n')) {
    const title = /^\*\*(.+)\*\*$/.exec(line.trim());
    if (title) tables.set(title[1], (current = new Map()));
    const row = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(.*?)\s*\|/.exec(line);
    if (row && current) current.set(row[1], row[2] === '(empty)' ? '' : row[2].replace(/^`(.*)`$/, '$1'));
  }
  return tables;
}

interface Service {
  environment: Map<string, string>;
  ports: string[];
  volumes: string[];
  /** The service's lines, for anything else a test looks for. */
  text: string;
}

/** The few parts of docker-compose.yml this test reads, by indentation (the file is plain block YAML). */
function composeService(yaml: string, name: string): Service {
  const lines = yaml.split('\n');
  const indent = (line: string) => line.length - line.trimStart().length;
  const unquote = (value: string) => value.trim().replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
  const header = lines.findIndex((line) => line === `  ${name}:`);
  if (header < 0) throw new Error(`docker-compose.yml: no service "${name}" (indented by two spaces under services:)`);
  const body: string[] = [];
  for (const line of lines.slice(header + 1)) {
    if (line.trim() !== '' && indent(line) <= 2) break;
    body.push(line);
  }
  const section = (key: string): string[] => {
    const at = body.findIndex((line) => line === `    ${key}:`);
    if (at < 0) return [];
    const items: string[] = [];
    for (const line of body.slice(at + 1)) {
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      if (indent(line) <= 4) break;
      items.push(line.trim());
    }
    return items;
  };
  const environment = new Map<string, string>();
  for (const item of section('environment')) {
    const match = /^-\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(item) ?? /^([A-Z][A-Z0-9_]*):\s*(.*)$/.exec(item);
    if (!match) throw new Error(`docker-compose.yml: cannot read the ${name} environment entry "${item}"`);
    if (environment.has(match[1])) throw new Error(`docker-compose.yml: ${match[1]} is set twice in ${name}`);
    environment.set(match[1], unquote(match[2]));
  }
  const list = (key: string) => section(key).map((item) => unquote(item.replace(/^-\s*/, '')));
  return { environment, ports: list('ports'), volumes: list('volumes'), text: body.join('\n') };
}

/** What docker compose makes of `${NAME:-default}` with nothing set. */
const withDefaults = (value: string) => value.replace(/\$\{[A-Z][A-Z0-9_]*:-([^}]*)\}/g, '$1');

describe('docker-compose.yml', () => {
  const yaml = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const api = composeService(yaml, 'api');
  const tables = readmeSettings();
  const documented = new Map([...tables].filter(([title]) => !SKIPPED_TABLES.some((skipped) => title.startsWith(skipped))).flatMap(([, rows]) => [...rows]));
  const forwarded = [...documented.keys()].filter((name) => !COMPOSE_ONLY.includes(name));

  it("reads README.md's configuration tables", () => {
    expect(tables.size).toBeGreaterThan(5);
    expect(documented.size).toBeGreaterThan(30);
    for (const name of [...Object.keys(FIXED), ...COMPOSE_ONLY]) expect([name, documented.has(name)]).toEqual([name, true]);
  });

  it('passes every documented setting to the api container', () => {
    expect(forwarded.filter((name) => !api.environment.has(name))).toEqual([]);
  });

  it('passes every variable the server configuration and the container start script read (so the README must list them)', () => {
    const read = new Set<string>();
    // Records each name loadConfig asks for, as in env-example.spec.ts.
    loadConfig(new Proxy({} as Record<string, string | undefined>, { get: (_target, name) => (typeof name === 'string' && read.add(name), undefined) }));
    const script = readFileSync(join(ROOT, 'scripts', 'container-start.sh'), 'utf8');
    for (const match of script.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) read.add(match[1]);
    expect(read.size).toBeGreaterThan(30);
    expect([...read].filter((name) => !api.environment.has(name))).toEqual([]);
  });

  it('passes nothing the README does not document (or documents only for tests or for compose itself)', () => {
    expect([...api.environment.keys()].filter((name) => !forwarded.includes(name))).toEqual([]);
  });

  it("passes each one as ${NAME:-<the README's default>}, except the fixed ones", () => {
    const wrong = forwarded
      .filter((name) => !(name in FIXED) && api.environment.has(name))
      .filter((name) => api.environment.get(name) !== `\${${name}:-${documented.get(name)}}`)
      .map((name) => `${name}: ${api.environment.get(name)} (README default: "${documented.get(name)}")`);
    expect(wrong).toEqual([]);
  });

  it('fixes the listen address and port, the database and the data directory to what the container needs', () => {
    expect(Object.fromEntries(Object.keys(FIXED).map((name) => [name, api.environment.get(name)]))).toEqual(FIXED);
    // The data directory is the api-data volume, the database the postgres service, and its password the one compose gives it.
    expect(api.volumes).toContain(`api-data:${FIXED.DATA_DIR}`);
    expect(composeService(yaml, 'postgres').environment.get('POSTGRES_PASSWORD')).toBe(`\${POSTGRES_PASSWORD:-${documented.get('POSTGRES_PASSWORD')}}`);
  });

  it('uses the compose-only variables as ${NAME:-<the README default>}', () => {
    for (const name of COMPOSE_ONLY) expect([name, yaml.includes(`\${${name}:-${documented.get(name)}}`)]).toEqual([name, true]);
  });

  it('gives the server its own defaults when nothing is set', () => {
    const environment = Object.fromEntries([...api.environment].map(([name, value]) => [name, withDefaults(value)]));
    const fixed = Object.fromEntries(Object.keys(FIXED).map((name) => [name, environment[name]]));
    expect(loadConfig(environment)).toEqual(loadConfig(fixed));
  });

  it('publishes the API on 127.0.0.1 only (unless API_PUBLISH says otherwise), and PostgreSQL not at all', () => {
    expect(api.ports).toEqual(['${API_PUBLISH:-127.0.0.1:3000}:3000']);
    expect(api.ports.map(withDefaults)).toEqual([`127.0.0.1:3000:${FIXED.PORT}`]);
    expect(composeService(yaml, 'postgres').ports).toEqual([]);
  });
});
