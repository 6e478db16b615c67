import { Controller, Get, HttpStatus } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator';
import { ApiException } from '../common/http/problem-details';
import { ApiProblems } from '../common/openapi/problem.schema';
import { Database } from '../database/database';
import { isDraining } from '../process/graceful-shutdown';

const READINESS_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly database: Database,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } }, example: { status: 'ok' } } })
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database answers and the server is not shutting down' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status', 'database'],
      properties: { status: { type: 'string', enum: ['ok'] }, database: { type: 'string', enum: ['up'] } },
      example: { status: 'ok', database: 'up' },
    },
  })
  @ApiProblems([503, 'The database does not answer, or the server is shutting down'])
  async ready(): Promise<{ status: string; database: string }> {
    // From the stop signal on, a load balancer should send new work elsewhere (SHUTDOWN_LAME_DUCK).
    if (isDraining(this.adapterHost.httpAdapter?.getHttpServer())) {
      throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, 'The server is shutting down.');
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.database.rows('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), READINESS_TIMEOUT_MS);
        }),
      ]);
      return { status: 'ok', database: 'up' };
    } catch {
      throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, 'The database is not reachable.', undefined, { 'Retry-After': '5' });
    } finally {
      clearTimeout(timer);
    }
  }
}
