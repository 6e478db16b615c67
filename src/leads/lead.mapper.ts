import { Lead } from './lead.entity';

/** A lead as the API shows it; built field by field so that nothing else on the entity can leak out. */
export interface LeadView {
  id: number;
  name: string;
  email: string;
  message: string;
  owner: number;
  createdAt: Date;
  updatedAt: Date;
}

export function toLeadView(lead: Lead): LeadView {
  return {
    id: lead.id,
    name: lead.name,
    email: lead.email,
    message: lead.message,
    owner: lead.ownerId,
    createdAt: lead.createdAt,
    updatedAt: lead.updatedAt,
  };
}
