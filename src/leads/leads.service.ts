import { HttpStatus, Injectable } from '@nestjs/common';
import { AUTH_MESSAGES } from '../auth/authorization-header';
import { ApiException, notFound, unauthorized } from '../common/http/problem-details';
import { LeadListQuery } from './lead-list-query';
import { LeadView, toLeadView } from './lead.mapper';
import { DuplicateLeadEmailError, LeadFields, LeadOwnerGoneError, LeadRecord, LeadsRepository } from './leads.repository';

export const DUPLICATE_LEAD_EMAIL_MESSAGE = 'lead with this email already exists.';

/** Owner-scoped lead rules: missing and not-owned are one 404, a duplicate email is one 409. */
@Injectable()
export class LeadsService {
  constructor(private readonly leads: LeadsRepository) {}

  async list(ownerId: number, query: LeadListQuery): Promise<{ count: number; results: LeadView[] }> {
    const { count, leads } = await this.leads.listOwned(ownerId, query);
    return { count, results: leads.map(toLeadView) };
  }

  async get(ownerId: number, id: number): Promise<LeadView> {
    return toLeadView(found(await this.leads.findOwned(ownerId, id)));
  }

  /** DRF looks the lead up before it validates a PUT/PATCH body: a missing lead is 404 whatever was sent. */
  async assertExists(ownerId: number, id: number): Promise<void> {
    if (!(await this.leads.existsOwned(ownerId, id))) throw notFound();
  }

  async create(ownerId: number, fields: LeadFields): Promise<LeadView> {
    const lead = await writing(() => this.leads.createOwned(ownerId, pick(fields)));
    return toLeadView(lead);
  }

  /** PUT and PATCH alike: only the fields present change; read-only ones were never picked. */
  async update(ownerId: number, id: number, fields: Partial<LeadFields>): Promise<LeadView> {
    const lead = await writing(() => this.leads.updateOwned(ownerId, id, pick(fields)));
    return toLeadView(found(lead));
  }

  async remove(ownerId: number, id: number): Promise<void> {
    if (!(await this.leads.deleteOwned(ownerId, id))) throw notFound();
  }
}

function found(lead: LeadRecord | null): LeadRecord {
  if (!lead) throw notFound();
  return lead;
}

/** Copies the writable fields only: a body's id, owner or timestamps never reach the database. */
function pick<T extends Partial<LeadFields>>(fields: T): T {
  const picked: Partial<LeadFields> = {};
  if (fields.name !== undefined) picked.name = fields.name;
  if (fields.email !== undefined) picked.email = fields.email;
  if (fields.message !== undefined) picked.message = fields.message;
  return picked as T;
}

async function writing<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof DuplicateLeadEmailError) {
      throw new ApiException(HttpStatus.CONFLICT, DUPLICATE_LEAD_EMAIL_MESSAGE, { email: [DUPLICATE_LEAD_EMAIL_MESSAGE] });
    }
    // The user was deleted after their token was accepted: answer as knox does for a deleted user.
    if (error instanceof LeadOwnerGoneError) throw unauthorized(AUTH_MESSAGES.inactive);
    throw error;
  }
}
