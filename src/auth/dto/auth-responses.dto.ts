import { ApiProperty } from '@nestjs/swagger';

export class UserResponse {
  @ApiProperty({ type: 'integer', example: 1 })
  id: number;
  @ApiProperty({ example: 'alice' })
  username: string;
  @ApiProperty({ example: 'alice@example.com' })
  email: string;
}

export class TokenResponseDto {
  @ApiProperty({ type: UserResponse })
  user: UserResponse;
  @ApiProperty({ description: 'The raw token, shown only in this response', example: 'kR2...Zq9x1Ab' })
  token: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-23T08:00:00.000Z' })
  expiry: string | null;
}

export class TokenListItem {
  @ApiProperty({ type: 'integer', example: 12 })
  id: number;
  @ApiProperty({ description: 'The first characters of the token, for telling tokens apart', example: 'kR2fA9xQ' })
  token_key: string;
  @ApiProperty({ type: String, nullable: true, example: 'laptop' })
  name: string | null;
  @ApiProperty({ type: String, format: 'date-time' })
  created: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiry: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at: string | null;
  @ApiProperty({ description: 'True for the token that made this request' })
  current: boolean;
}

/** A success answered with one sentence, as dj-rest-auth's views answer. */
export class DetailResponse {
  @ApiProperty({ example: 'New password has been saved.' })
  detail: string;
}
