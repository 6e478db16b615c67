import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiNoContentResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import type { Principal } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { DRF } from '../common/http/drf-messages';
import { ApiException, FieldErrors, validationFailed } from '../common/http/problem-details';
import { ApiProblems } from '../common/openapi/problem.schema';
import { BrowserLogin, BrowserLogout } from './sessions/browser-session.decorators';
import { ThrottleAuth, throttledMessage } from './throttling/auth-throttle.guard';
import { IntIdPipe } from '../common/http/int-id.pipe';
import { toUserResponse } from './auth.mapper';
import { AuthService, BASIC_CHALLENGE, BASIC_LOGIN_FAILED_MESSAGE, DUPLICATE_USERNAME_MESSAGE, LOGIN_FAILED_MESSAGE } from './auth.service';
import { parseBasicHeader } from './basic-header';
import type { CredentialSource } from './auth.service';
import { DetailResponse, TokenListItem, TokenResponseDto, UserResponse } from './dto/auth-responses.dto';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { TOKEN_LIMIT_MESSAGE, TokensService } from './tokens.service';

const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];
const THROTTLED: [number, string] = [429, `${throttledMessage('<n>')} (with a Retry-After header)`];

@ApiTags('auth')
@ApiProblems(503)
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokensService,
  ) {}

  @Public()
  @ThrottleAuth('register')
  @Post('register')
  @BrowserLogin()
  // The tutorial's RegisterAPI is a GenericAPIView whose post returns Response(...): 200, not 201.
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a user and return their first token' })
  @ApiConsumes(...BODY_TYPES)
  @ApiOkResponse({ type: TokenResponseDto })
  // 403 is CSRF only: a new user holds no tokens, so the token limit cannot be exceeded here.
  @ApiProblems([400, `Invalid input, e.g. \`{"username": ["${DUPLICATE_USERNAME_MESSAGE}"]}\``], 403, 413, 415, THROTTLED)
  register(@Body() dto: RegisterDto): Promise<TokenResponseDto> {
    return this.auth.register(dto);
  }

  @Public()
  @ThrottleAuth('login')
  @Post('login')
  @BrowserLogin()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a username and password (body or HTTP Basic) for a new token' })
  @ApiConsumes(...BODY_TYPES)
  @ApiBody({ type: LoginDto, required: false })
  @ApiBasicAuth('basic')
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblems(
    [400, `Missing fields, or wrong credentials in the body: \`{"non_field_errors": ["${LOGIN_FAILED_MESSAGE}"]}\``],
    [401, `Wrong HTTP Basic credentials: \`${BASIC_LOGIN_FAILED_MESSAGE}\` (with \`WWW-Authenticate: ${BASIC_CHALLENGE['WWW-Authenticate']}\`)`],
    [403, `\`${TOKEN_LIMIT_MESSAGE}\`, or a CSRF failure (browser login)`],
    413,
    415,
    THROTTLED,
  )
  login(@Body() dto: LoginDto, @Headers('authorization') authorization?: string): Promise<TokenResponseDto> {
    let { username, password } = dto;
    let source: CredentialSource = 'body';
    if (username === undefined && password === undefined) {
      const basic = parseBasicHeader(authorization);
      if (basic.kind === 'invalid') throw new ApiException(HttpStatus.UNAUTHORIZED, basic.detail, undefined, { ...BASIC_CHALLENGE });
      if (basic.kind === 'ok') ({ username, password, source } = { ...basic, source: 'basic' });
    }
    const errors: FieldErrors = {};
    if (username === undefined) errors.username = [DRF.required];
    if (password === undefined) errors.password = [DRF.required];
    if (username === undefined || password === undefined) throw validationFailed(errors);
    return this.auth.login(username, password, dto.name ?? null, source);
  }

  @Get('user')
  @ApiSecurity('token')
  @ApiOperation({ summary: 'The user the token belongs to' })
  @ApiOkResponse({ type: UserResponse })
  @ApiProblems(401)
  user(@CurrentUser() principal: Principal): UserResponse {
    return toUserResponse(principal);
  }

  @Post('logout')
  @BrowserLogout()
  @HttpCode(204)
  @ApiSecurity('token')
  @ApiOperation({ summary: 'Revoke the token used for this request' })
  @ApiNoContentResponse()
  @ApiProblems(401, 403)
  async logout(@CurrentUser() principal: Principal): Promise<void> {
    await this.tokens.logout(principal);
  }

  @Post('logoutall')
  @BrowserLogout()
  @HttpCode(204)
  @ApiSecurity('token')
  @ApiOperation({ summary: "Revoke all of the user's tokens" })
  @ApiNoContentResponse()
  @ApiProblems(401, 403)
  async logoutAll(@CurrentUser() principal: Principal): Promise<void> {
    await this.tokens.logoutAll(principal);
  }

  @Get('tokens')
  @ApiSecurity('token')
  @ApiOperation({ summary: "The user's unexpired tokens, newest first" })
  @ApiOkResponse({ type: TokenListItem, isArray: true })
  @ApiProblems(401)
  listTokens(@CurrentUser() principal: Principal): Promise<TokenListItem[]> {
    return this.tokens.list(principal);
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @ApiSecurity('token')
  @ApiOperation({ summary: 'Revoke one of the user’s tokens' })
  @ApiNoContentResponse()
  @ApiProblems(401, 403, 404)
  async revokeToken(@CurrentUser() principal: Principal, @Param('id', IntIdPipe) id: number): Promise<void> {
    await this.tokens.revoke(principal, id);
  }

  @ThrottleAuth('password-change')
  @Post('password/change')
  @HttpCode(200)
  @ApiSecurity('token')
  @ApiOperation({ summary: "Change the password (dj-rest-auth's route and body); every other token of the user is revoked" })
  @ApiConsumes(...BODY_TYPES)
  @ApiOkResponse({ type: DetailResponse })
  @ApiProblems(
    [400, 'Invalid input: `old_password` wrong, or `new_password2` not matching or failing the validators'],
    401,
    403,
    413,
    415,
    THROTTLED,
  )
  changePassword(@CurrentUser() principal: Principal, @Body() dto: ChangePasswordDto): Promise<DetailResponse> {
    return this.auth.changePassword(principal, dto);
  }
}
