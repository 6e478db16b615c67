import { Injectable } from '@nestjs/common';
import type { PageParams } from '../common/http/pagination';
import { notFound, unauthorized, USER_INACTIVE, validationFailed } from '../common/http/problem-details';
import type { LeadResponse } from './dto/lead-response.dto';
import { LeadListQuery } from './lead-list-query';
import { LeadFields, LeadRow, toLeadResponse, writableFields } from './lead.mapper';
import { DuplicateLeadEmailError, LeadOwnerGoneError, LeadsRepository, ListPosition } from './leads.repository';

export const DUPLICATE_LEAD_EMAIL_MESSAGE = 'lead with this email already exists.';

/**
 * The plain list: its first part, read before anything is sent, and when
 * there is more, the rest, part by part, as the reader asks for it.
 */
export interface LeadList {
  first: LeadResponse[];
  rest: AsyncGenerator<LeadResponse[], void, undefined> | null;
}

/** Owner-scoped lead rules: missing and not-owned are one 404, a duplicate email is one 400 on `email`. */
@Injectable()
export class LeadsService {
  constructor(private readonly leads: LeadsRepository) {}

  async page(ownerId: number, query: LeadListQuery, page: PageParams): Promise<{ count: number; results: LeadResponse[] }> {
    const { count, leads } = await this.leads.listOwned(ownerId, query, page);
    return { count, results: leads.map(toLeadResponse) };
  }

  /**
   * Every matching lead of the owner. A list of up to one part is one
   * statement; a longer one is read a part at a time, each on a pooled
   * connection only for its own statement, and only when the previous part
   * has been consumed: the caller's memory holds about one part, however
   * many leads there are, and stopping the generator stops the reads.
   */
  async all(ownerId: number, query: LeadListQuery): Promise<LeadList> {
    const { leads, next } = await this.leads.listOwnedPart(ownerId, query, null);
    return { first: leads.map(toLeadResponse), rest: next === null ? null : this.parts(ownerId, query, next) };
  }

  private async *parts(ownerId: number, query: LeadListQuery, from: ListPosition): AsyncGenerator<LeadResponse[], void, undefined> {
    let position: ListPosition | null = from;
    while (position !== null) {
      const { leads, next } = await this.leads.listOwnedPart(ownerId, query, position);
      position = next;
      if (leads.length > 0) yield leads.map(toLeadResponse);
    }
  }

  async get(ownerId: number, id: number): Promise<LeadResponse> {
    return toLeadResponse(found(await this.leads.findOwned(ownerId, id)));
  }

  /** DRF looks the lead up before it validates a PUT/PATCH body: a missing lead is 404 whatever was sent. */
  async assertExists(ownerId: number, id: number): Promise<void> {
    if (!(await this.leads.existsOwned(ownerId, id))) throw notFound();
  }

  async create(ownerId: number, fields: LeadFields): Promise<LeadResponse> {
    const lead = await writing(() => this.leads.createOwned(ownerId, writableFields(fields)));
    return toLeadResponse(lead);
  }

  /** PUT and PATCH alike: only the fields present change; read-only ones were never picked. */
  async update(ownerId: number, id: number, fields: Partial<LeadFields>): Promise<LeadResponse> {
    const lead = await writing(() => this.leads.updateOwned(ownerId, id, writableFields(fields)));
    return toLeadResponse(found(lead));
  }

  async remove(ownerId: number, id: number): Promise<void> {
    if (!(await this.leads.deleteOwned(ownerId, id))) throw notFound();
  }
}

function found(lead: LeadRow | null): LeadRow {
  if (!lead) throw notFound();
  return lead;
}

async function writing<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof DuplicateLeadEmailError) {
      throw validationFailed({ email: [DUPLICATE_LEAD_EMAIL_MESSAGE] });
    }
    // The user was deleted after their token was accepted: answer as knox does for a deleted user.
    if (error instanceof LeadOwnerGoneError) throw unauthorized(USER_INACTIVE);
    throw error;
  }
}
