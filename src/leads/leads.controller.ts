import { Body, Controller, Delete, Get, HttpCode, Inject, Logger, Param, Patch, Post, Put, Query, Req, StreamableFile, Type } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyRequest as Request } from 'fastify';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import type { Principal } from '../common/decorators/current-user.decorator';
import { IntIdPipe } from '../common/http/int-id.pipe';
import { jsonArrayStream } from '../common/http/json-array-stream';
import { MAX_LIMIT, MAX_OFFSET, Page, PageLinks, toPage } from '../common/http/pagination';
import { ApiValidationPipe } from '../common/http/validation.pipe';
import { ApiProblems } from '../common/openapi/problem.schema';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.module';
import { CreateLeadDto } from './dto/create-lead.dto';
import { LeadPageResponse, LeadResponse } from './dto/lead-response.dto';
import { UpdateLeadDto } from './dto/update-lead.dto';
import { DEFAULT_ORDERING, ORDERING_COLUMNS, parseLeadListQuery } from './lead-list-query';
import { SEARCHED_LEAD_FIELDS } from './lead.mapper';
import { DUPLICATE_LEAD_EMAIL_MESSAGE, LeadsService } from './leads.service';

const JSON_TYPE = 'application/json; charset=utf-8';

/** `a, b or c`. */
const either = (names: readonly string[]): string => (names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join(''));

const streamFailure = (error: unknown): string =>
  `the list of leads failed after its first part was sent; the connection was closed: ${error instanceof Error ? error.message : String(error)}`;

const LEAD_BODY_400: [number, string] = [400, `Invalid input: each bad field named; an email the caller already has is \`${DUPLICATE_LEAD_EMAIL_MESSAGE}\` under \`email\``];
const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];
const ID_PARAM = ApiParam({ name: 'id', type: 'integer', description: 'Lead id; a non-integer or out-of-range id is 404' });

@ApiTags('leads')
@ApiSecurity('token')
@ApiProblems(401, 503)
@Controller('api/leads')
export class LeadsController {
  private readonly validation = new ApiValidationPipe();
  private readonly links: PageLinks;
  private readonly pageSize: number | null;
  private readonly logger = new Logger('Leads');

  constructor(
    private readonly leads: LeadsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.links = new PageLinks(config);
    this.pageSize = config.leadsPageSize;
  }

  @Get()
  @ApiOperation({
    summary: "The caller's leads",
    description:
      'Without `limit` (and without LEADS_PAGE_SIZE): every matching lead, as a JSON array, `id` ascending unless `ordering` says otherwise; ' +
      "a long list is streamed in parts. With `limit`: DRF's LimitOffsetPagination envelope. " +
      '`id` always breaks ties, so pages never overlap.',
  })
  // Swagger lists parameters in reverse decorator order: this shows limit, offset, search, ordering.
  @ApiQuery({
    name: 'ordering',
    required: false,
    schema: { type: 'string', default: DEFAULT_ORDERING },
    description:
      `Comma-separated fields from ${Object.keys(ORDERING_COLUMNS).join(', ')}, each optionally prefixed with \`-\` (descending). ` +
      '`id` is appended as the last tie-breaker, in the direction of the last field, unless listed.',
  })
  @ApiQuery({
    name: 'search',
    required: false,
    schema: { type: 'string' },
    description: `Case-insensitive substring of ${either(SEARCHED_LEAD_FIELDS)} (the whole value, trimmed; \`%\` and \`_\` match themselves)`,
  })
  @ApiQuery({
    name: 'offset',
    required: false,
    schema: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 },
    description: 'Leads to skip; only with `limit` (or LEADS_PAGE_SIZE), otherwise checked and ignored, as in DRF',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
    description: 'Page size: the answer is the envelope instead of the array. Defaults to LEADS_PAGE_SIZE when that is set.',
  })
  @ApiExtraModels(LeadResponse, LeadPageResponse)
  @ApiOkResponse({
    description: 'The array of leads, or with `limit` (or LEADS_PAGE_SIZE) the page envelope',
    schema: { oneOf: [{ type: 'array', items: { $ref: getSchemaPath(LeadResponse) } }, { $ref: getSchemaPath(LeadPageResponse) }] },
  })
  @ApiProblems([400, 'A bad `limit`, `offset`, `search` or `ordering`: each parameter named'])
  async list(
    @CurrentUser() principal: Principal,
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
  ): Promise<LeadResponse[] | Page<LeadResponse> | StreamableFile> {
    const params = parseLeadListQuery(query, this.pageSize);
    if (params.page !== null) {
      const { count, results } = await this.leads.page(principal.id, params, params.page);
      return toPage(request, params.page, count, results, this.links);
    }
    const { first, rest } = await this.leads.all(principal.id, params);
    if (rest === null) return first;
    return new StreamableFile(jsonArrayStream(first, rest, (error) => this.logger.error(streamFailure(error))), { type: JSON_TYPE });
  }

  @Post()
  @ApiOperation({ summary: 'Create a lead owned by the caller' })
  @ApiConsumes(...BODY_TYPES)
  @ApiCreatedResponse({ type: LeadResponse })
  @ApiProblems(LEAD_BODY_400, 403, 413, 415)
  create(@CurrentUser() principal: Principal, @Body() dto: CreateLeadDto): Promise<LeadResponse> {
    return this.leads.create(principal.id, dto);
  }

  @Get(':id')
  @ID_PARAM
  @ApiOperation({ summary: "One of the caller's leads" })
  @ApiOkResponse({ type: LeadResponse })
  @ApiProblems([404, 'Not found. (also for another user’s lead)'])
  get(@CurrentUser() principal: Principal, @Param('id', IntIdPipe) id: number): Promise<LeadResponse> {
    return this.leads.get(principal.id, id);
  }

  @Put(':id')
  @ID_PARAM
  @ApiOperation({ summary: 'Replace a lead: name, email and message are all required' })
  @ApiConsumes(...BODY_TYPES)
  @ApiBody({ type: CreateLeadDto })
  @ApiOkResponse({ type: LeadResponse })
  @ApiProblems(LEAD_BODY_400, 403, [404, 'Not found. (also for another user’s lead)'], 413, 415)
  async replace(@CurrentUser() principal: Principal, @Param('id', IntIdPipe) id: number, @Body() body: unknown): Promise<LeadResponse> {
    const dto = await this.validBody(CreateLeadDto, body, principal.id, id);
    return this.leads.update(principal.id, id, dto);
  }

  @Patch(':id')
  @ID_PARAM
  @ApiOperation({ summary: 'Update some fields of a lead' })
  @ApiConsumes(...BODY_TYPES)
  @ApiBody({ type: UpdateLeadDto })
  @ApiOkResponse({ type: LeadResponse })
  @ApiProblems(LEAD_BODY_400, 403, [404, 'Not found. (also for another user’s lead)'], 413, 415)
  async update(@CurrentUser() principal: Principal, @Param('id', IntIdPipe) id: number, @Body() body: unknown): Promise<LeadResponse> {
    const dto = await this.validBody(UpdateLeadDto, body, principal.id, id);
    return this.leads.update(principal.id, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ID_PARAM
  @ApiOperation({ summary: 'Delete a lead' })
  @ApiNoContentResponse()
  @ApiProblems(403, [404, 'Not found. (also for another user’s lead)'])
  async remove(@CurrentUser() principal: Principal, @Param('id', IntIdPipe) id: number): Promise<void> {
    await this.leads.remove(principal.id, id);
  }

  /**
   * Validates a PUT/PATCH body as the global pipe would, but in DRF's order:
   * a missing or foreign lead is 404 even when the body is also invalid.
   * The lookup only happens on the invalid path, so a valid update stays one query.
   */
  private async validBody<T extends object>(dto: Type<T>, body: unknown, ownerId: number, id: number): Promise<T> {
    try {
      return (await this.validation.transform(body, { type: 'body', metatype: dto })) as T;
    } catch (error) {
      await this.leads.assertExists(ownerId, id);
      throw error;
    }
  }
}
