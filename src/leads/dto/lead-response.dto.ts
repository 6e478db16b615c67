import { ApiProperty } from '@nestjs/swagger';

export class LeadResponse {
  @ApiProperty({ example: 1 })
  id: number;
  @ApiProperty({ example: 'Ada Lovelace' })
  name: string;
  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email: string;
  @ApiProperty({ example: 'Interested in the analytical engine.' })
  message: string;
  @ApiProperty({ description: 'Id of the user who created the lead (always the caller)', example: 7 })
  owner: number;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T20:05:35.451Z' })
  created_at: string;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T20:05:35.451Z' })
  updated_at: string;
}

/** DRF's LimitOffsetPagination envelope. */
export class LeadPageResponse {
  @ApiProperty({ description: 'Leads matching the query, across all pages', example: 42 })
  count: number;
  @ApiProperty({ type: String, format: 'uri', nullable: true, example: 'http://127.0.0.1:3000/api/leads?limit=20&offset=20' })
  next: string | null;
  @ApiProperty({ type: String, format: 'uri', nullable: true, example: null })
  previous: string | null;
  @ApiProperty({ type: LeadResponse, isArray: true })
  results: LeadResponse[];
}
