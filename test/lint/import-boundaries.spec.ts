import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

interface Snippet {
  /** The file the snippet is linted as, relative to the repository: it picks the folder's rules. */
  path: string;
  source: string;
}

/** The no-restricted-imports messages of each snippet, linted in one ESLint run (test/lint/lint-text.js). */
function boundaryErrors(snippets: readonly Snippet[]): string[][] {
  const output = execFileSync(process.execPath, [join(__dirname, 'lint-text.js')], { input: JSON.stringify(snippets), encoding: 'utf8' });
  const results = JSON.parse(output) as Array<Array<{ ruleId: string | null; message: string }>>;
  return results.map((messages) => messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message));
}

/** A snippet that crosses a boundary, the file it is linted as, and what its message must say. */
const REFUSED: Array<[path: string, source: string, expected: string]> = [
  ['src/leads/leads.service.ts', "import { AUTH_MESSAGES } from '../auth/authorization-header';", 'src/leads/ never imports src/auth/'],
  ['src/leads/dto/create-lead.dto.ts', "import { digestToken } from '../../auth/token-crypto';", 'src/leads/ never imports src/auth/'],
  ['src/leads/leads.service.ts', "import { BrowserSessions } from '../auth/sessions/browser-sessions.service';", 'src/leads/ never imports src/auth/'],
  ['src/users/users.repository.ts', "import type { AuthToken } from '../auth/auth-token.entity';", 'src/users/ never imports src/auth/'],
  ['src/users/users.repository.ts', "import { Lead } from '../leads/lead.entity';", 'src/users/ never imports src/leads/'],
  ['src/users/user.entity.ts', "import { CSRF_COOKIE } from '../auth/sessions/csrf-token';", 'src/users/ never imports src/auth/'],
  ['src/leads/leads.controller.ts', "import { RouteTable } from '../http/route-table';", 'src/leads/ never imports src/http/'],
  ['src/common/http/pagination.ts', "import { Lead } from '../../leads/lead.entity';", 'src/common/ never imports src/leads/'],
  ['src/common/decorators/public.decorator.ts', "import { TokenAuthGuard } from '../../auth/token-auth.guard';", 'src/common/ never imports src/auth/'],
  ['src/common/http/fields.ts', "import { installBodyParsers } from '../../http/body-parsers';", 'src/common/ never imports src/http/'],
  ['src/common/http/fields.ts', "import { isDraining } from '../../process/graceful-shutdown';", 'src/common/ never imports src/process/'],
  ['src/config/app-config.ts', "import { cleanUsername } from '../users/username';", 'src/config/ never imports src/users/'],
  ['src/config/app-config.ts', "export { ManagementService } from '../cli/management.service';", 'src/config/ never imports src/cli/'],
  ['src/config/app-config.ts', "import { SECURITY_HEADERS } from '../http/security-headers';", 'src/config/ never imports src/http/'],
  ['src/http/problem-details.filter.ts', "import { AUTH_MESSAGES } from '../auth/authorization-header';", 'src/http/ never imports src/auth/'],
  ['src/http/http-limits.ts', "import { isDraining } from '../process/graceful-shutdown';", 'src/http/ never imports src/process/'],
  ['src/process/graceful-shutdown.ts', "import { HealthController } from '../health/health.controller';", 'src/process/ never imports src/health/'],
  ['src/process/cluster-primary.ts', "import { RouteTable } from '../http/route-table';", 'src/process/ never imports src/http/'],
  ['src/database/embedded-postgres.ts', "import { describeStartupFailure } from '../process/startup-failure';", 'src/database/ never imports src/process/'],
  ['src/database/database.ts', "import { replyWithError } from '../http/error-response';", 'src/database/ never imports src/http/'],
  ['src/database/data-source-options.ts', "import { Lead } from '../leads/lead.entity';", 'src/database/ never imports src/leads/'],
  ['src/database/migrations/1795392552154-CreateLeads.ts', "import { User } from '../../users/user.entity';", 'src/database/ never imports src/users/'],
  ['src/auth/auth.controller.ts', "import { replyWithError } from '../http/error-response';", 'src/auth/ never imports src/http/'],
  ['src/auth/sessions/browser-sessions.service.ts', "import { replyWithError } from '../../http/error-response';", 'src/auth/ never imports src/http/'],
  ['src/django-import/import-plan.ts', "import { CommandError } from '../cli/cli-errors';", 'src/django-import/ never imports src/cli/'],
  ['src/common/http/fields.ts', "import { planImport } from '../../django-import/import-plan';", 'src/common/ never imports src/django-import/'],
];

/** Imports the layers allow, linted as the same kind of files: none of them may be refused. */
const ALLOWED: Array<[path: string, source: string]> = [
  // What the layers allow: a feature on common/, a feature on another below it, the edge on common/.
  ['src/leads/leads.service.ts', "import { notFound } from '../common/http/problem-details';"],
  ['src/auth/auth.service.ts', "import { UsersRepository } from '../users/users.repository';"],
  ['src/django-import/import-plan.ts', "import { CreateLeadDto } from '../leads/dto/create-lead.dto';"],
  ['src/http/problem-details.filter.ts', "import { ApiException } from '../common/http/problem-details';"],
  ['src/health/health.controller.ts', "import { isDraining } from '../process/graceful-shutdown';"],
  ['src/process/startup-failure.ts', "import { StartupError } from '../database/startup-error';"],
  // The TypeORM CLI's entry hands the entities to migration:generate.
  ['src/database/data-source.ts', "import { Lead } from '../leads/lead.entity';"],
  // common/http/ is not the edge: one level up from common/openapi/ stays inside common/.
  ['src/common/openapi/problem.schema.ts', "import { NOT_FOUND } from '../http/problem-details';"],
  // The composition roots wire everything.
  ['src/app.module.ts', "import { ProblemDetailsFilter } from './http/problem-details.filter';\nimport { LeadsModule } from './leads/leads.module';"],
  // A spec may build its fixtures from a feature's real DTOs or tokens.
  ['src/common/http/validation.pipe.spec.ts', "import { LoginDto } from '../../auth/dto/login.dto';"],
];

describe('import boundaries (eslint.config.mjs)', () => {
  let refused: string[][];
  let allowed: string[][];

  beforeAll(() => {
    const errors = boundaryErrors([...REFUSED, ...ALLOWED].map(([path, source]) => ({ path, source })));
    refused = errors.slice(0, REFUSED.length);
    allowed = errors.slice(REFUSED.length);
  }, 120_000);

  it.each(REFUSED.map((entry, index) => [...entry, index] as const))('%s: refuses %s', (_path, _source, expected, index) => {
    expect(refused[index]).toHaveLength(1);
    expect(refused[index][0]).toContain(expected);
  });

  it.each(ALLOWED.map((entry, index) => [...entry, index] as const))('%s: allows %s', (_path, _source, index) => {
    expect(allowed[index]).toEqual([]);
  });
});
