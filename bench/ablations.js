'use strict';

/**
 * A measuring tool, never for production: preloaded into the compiled app
 * (`-r ./bench/ablations.js`), it switches off the parts named in
 * BENCH_ABLATE (comma-separated) so that `npm run bench` shows what each one
 * costs per request. It patches the compiled modules' exports before
 * app.factory reads them, so it follows the code layout of APP_DIST and
 * stops the server if a module it expects has moved.
 *
 *   logger   the per-request log line (same as LOG_LEVEL=warn)
 *   helmet   the security headers and Cache-Control (one onRequest hook)
 *   limits   the URL length limit and handler timeout (one onRequest hook)
 *   body     the body parsers (GET requests only: bodies are then not read)
 *   cookies  @fastify/cookie and the CSRF form-field hook
 *   console  the web console's pages and assets
 *   swagger  the OpenAPI document and Swagger UI
 *   pipe     the global validation pipe (values pass unvalidated)
 *   passport the guard authenticates by calling the token strategy's own
 *            logic (session cookie, then header) instead of going through
 *            @nestjs/passport and passport.authenticate()
 */
const { join, resolve } = require('node:path');

const dist = resolve(process.env.APP_DIST ?? 'dist');
const wanted = new Set((process.env.BENCH_ABLATE ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const nothing = () => undefined;

function load(path) {
  try {
    return require(join(dist, path));
  } catch (error) {
    throw new Error(`bench/ablations.js: ${path} not found in ${dist}; update the ablation to the new layout`, { cause: error });
  }
}

const ablations = {
  logger: () => (load('http/request-logger.js').installRequestLogger = nothing),
  helmet: () => (load('http/security-headers.js').installSecurityHeaders = nothing),
  limits: () => (load('http/http-limits.js').installRequestLimits = nothing),
  body: () => (load('http/body-parsers.js').installBodyParsers = nothing),
  cookies: () => {
    const id = require.resolve('@fastify/cookie', { paths: [dist] });
    const plugin = (_instance, _options, done) => done();
    require.cache[id] = { id, filename: id, loaded: true, exports: { __esModule: true, default: plugin } };
    load('auth/sessions/csrf-form-field.js').installCsrfFormField = nothing;
  },
  console: () => (load('console/console-pages.js').installConsolePages = async () => undefined),
  swagger: () => (load('http/openapi.js').setupOpenApi = nothing),
  pipe: () => (load('common/http/validation.pipe.js').ApiValidationPipe.prototype.transform = async (value) => value),
  passport: () => {
    const { TokenAuthGuard } = load('auth/token-auth.guard.js');
    const { TOKEN_STRATEGY } = load('auth/token.strategy.js');
    const { IS_PUBLIC } = load('common/decorators/public.decorator.js');
    const passport = require(require.resolve('passport', { paths: [dist] }));
    TokenAuthGuard.prototype.canActivate = async function canActivate(context) {
      if (this.reflector.getAllAndOverride(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
      const request = context.switchToHttp().getRequest();
      request.user = await passport._strategy(TOKEN_STRATEGY).authenticateRequest(request);
      return true;
    };
  },
};

for (const name of wanted) {
  if (!ablations[name]) throw new Error(`bench/ablations.js: unknown ablation "${name}" (known: ${Object.keys(ablations).join(', ')})`);
  ablations[name]();
}
if (wanted.size > 0) process.stderr.write(`bench/ablations.js: switched off ${[...wanted].join(', ')}\n`);
