import fastifyStatic, { type FastifyStaticOptions } from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The console's pages by path; each is a static HTML file with external scripts only. */
const PAGES: Record<string, string> = {
  '/': 'index.html',
  '/register': 'register.html',
  '/leads': 'leads.html',
  '/tokens': 'tokens.html',
};

const ASSET_NAME = /^[\w-][\w.-]*$/;

/**
 * `nest build` copies the files next to this module (nest-cli.json assets);
 * a plain `tsc` build does not, so fall back to the sources in the package.
 */
export function consoleDirectory(): string {
  const beside = join(__dirname, 'public');
  if (existsSync(join(beside, 'index.html'))) return beside;
  let directory = __dirname;
  while (!existsSync(join(directory, 'package.json')) && dirname(directory) !== directory) directory = dirname(directory);
  return join(directory, 'src', 'console', 'public');
}

/**
 * Serves the console's four pages and its /assets/ folder. Only those routes
 * touch the file system: API requests never cost a stat.
 */
export async function installConsolePages(app: NestFastifyApplication, directory = consoleDirectory()): Promise<void> {
  // Applied after send's own caching headers, for the pages as well as the assets.
  const noCache = (reply: FastifyReply): void => void reply.header('cache-control', 'no-cache');
  // The one registration that decorates the reply with sendFile; Swagger UI's own assets do without.
  await app.register(fastifyStatic as unknown as Parameters<NestFastifyApplication['register']>[0], {
    root: directory,
    serve: false,
    setHeaders: noCache as unknown as FastifyStaticOptions['setHeaders'],
  });
  const fastify = app.getHttpAdapter().getInstance();
  for (const [path, page] of Object.entries(PAGES)) {
    fastify.get(path, (_request, reply) => reply.sendFile(page, directory));
  }
  // The folder is flat: a name with a slash, or a dot file, is not an asset (404 like any missing file).
  const assets = join(directory, 'assets');
  fastify.get<{ Params: { name: string } }>('/assets/:name', (request, reply) =>
    ASSET_NAME.test(request.params.name) ? reply.sendFile(request.params.name, assets) : reply.callNotFound(),
  );
}
