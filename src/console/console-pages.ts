import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The console's pages by path; each is a static HTML file with external scripts only. */
const PAGES: Record<string, string> = {
  '/': 'index.html',
  '/register': 'register.html',
  '/leads': 'leads.html',
  '/tokens': 'tokens.html',
};

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
 * Serves the console's four pages and its /assets/ folder. Only those paths
 * touch the file system: API requests never cost a stat.
 */
export function consolePages(directory = consoleDirectory()): RequestHandler[] {
  const assets = express.static(join(directory, 'assets'), {
    index: false,
    redirect: false,
    fallthrough: true,
    setHeaders: (response) => response.setHeader('Cache-Control', 'no-cache'),
  });
  const pages = (request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const path = request.path.length > 1 ? request.path.replace(/\/$/, '') : request.path;
    const page = Object.hasOwn(PAGES, path) ? PAGES[path] : undefined;
    if (page === undefined) return next();
    response.setHeader('Cache-Control', 'no-cache');
    // `root` keeps send's dot-file rule to the page name, not to where the app is installed.
    response.sendFile(page, { root: directory }, (error?: Error) => {
      if (error && !response.headersSent) next(error);
    });
  };
  const assetRouter = express.Router();
  assetRouter.use('/assets', assets);
  return [pages, assetRouter];
}
