import type { LeadRecord } from './leads.repository';

/**
 * A lead as the API shows it, in snake_case as DRF renders the model; built
 * field by field so that nothing else on the record can leak out.
 */
export interface LeadView {
  id: number;
  name: string;
  email: string;
  message: string;
  owner: number;
  /** ISO 8601 in UTC, to the millisecond (`2026-11-23T03:10:24.548Z`). */
  created_at: string;
  updated_at: string;
}

export function toLeadView(lead: LeadRecord): LeadView {
  return {
    id: lead.id,
    name: lead.name,
    email: lead.email,
    message: lead.message,
    owner: lead.ownerId,
    created_at: lead.createdAt,
    updated_at: lead.updatedAt,
  };
}
