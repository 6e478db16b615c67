import { ApiProperty } from '@nestjs/swagger';

export class LeadResponse {
  @ApiProperty({ type: 'integer', example: 1 })
  id: number;
  @ApiProperty({ example: 'Ada Lovelace' })
  name: string;
  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email: string;
  @ApiProperty({ example: 'Interested in the analytical engine.' })
  message: string;
  @ApiProperty({ type: 'integer', description: 'Id of the user who created the lead (always the caller)', example: 7 })
  owner: number;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T20:05:35.451Z' })
  created_at: string;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T20:05:35.451Z' })
  updated_at: string;
}

/** DRF's LimitOffsetPagination envelope. */
export class LeadPageResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Leads matching the query, across all pages', example: 42 })
  count: number;
  // Relative when no trusted origin is known (PUBLIC_URL unset and the Host not in ALLOWED_HOSTS): a URI reference, not always a URI.
  @ApiProperty({ type: String, format: 'uri-reference', nullable: true, example: 'http://127.0.0.1:3000/api/leads?limit=20&offset=20' })
  next: string | null;
  @ApiProperty({ type: String, format: 'uri-reference', nullable: true, example: null })
  previous: string | null;
  @ApiProperty({ type: LeadResponse, isArray: true })
  results: LeadResponse[];
}
