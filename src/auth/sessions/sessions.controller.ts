import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../common/decorators/public.decorator';
import { BrowserSessions } from './browser-sessions.service';

export class CsrfTokenResponse {
  @ApiProperty({ description: 'The value of the csrftoken cookie, to send back in X-CSRFToken', example: 'Vq3k...64 characters' })
  csrf_token: string;
}

@ApiTags('auth')
@Controller('api/auth')
export class SessionsController {
  constructor(private readonly sessions: BrowserSessions) {}

  @Public()
  @Get('login')
  @ApiOperation({
    summary: 'Start a browser login: sets the csrftoken cookie (Django flow)',
    description:
      'Sets `csrftoken` (readable by scripts, SameSite=Lax) and returns the same value. Send it back in `X-CSRFToken` ' +
      'with `POST /api/auth/login` and with every unsafe request authenticated by the `sessionid` cookie.',
  })
  @ApiOkResponse({ type: CsrfTokenResponse })
  csrfToken(@Req() request: FastifyRequest, @Res({ passthrough: true }) response: FastifyReply): CsrfTokenResponse {
    return { csrf_token: this.sessions.issueCsrfToken(request, response, this.sessions.sessionTokenOf(request)) };
  }
}
