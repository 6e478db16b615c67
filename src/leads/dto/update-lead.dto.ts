import { PartialType } from '@nestjs/swagger';
import { CreateLeadDto } from './create-lead.dto';

/**
 * The body of PATCH: any subset of the fields. Only an absent field is
 * skipped; `null` is still checked (and refused), unlike with @IsOptional.
 */
export class UpdateLeadDto extends PartialType(CreateLeadDto, { skipNullProperties: false }) {}
