import type { AuthToken } from './auth-token.entity';
import type { TokenListItem, TokenResponseDto, UserResponse } from './dto/auth-responses.dto';

/** The user as every answer shows it (Django's id, username and email), field by field so that nothing else leaks. */
export function toUserResponse(user: { id: number; username: string; email: string }): UserResponse {
  return { id: user.id, username: user.username, email: user.email };
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** A token that was just issued, with the raw token the client sees this once, in the tutorial's RegisterAPI order. */
export function toRegisterResponse(user: { id: number; username: string; email: string }, token: string, expiry: Date | null): TokenResponseDto {
  return { user: toUserResponse(user), token, expiry: iso(expiry) };
}

/** The same answer in knox's LoginView order: expiry first. */
export function toLoginResponse(user: { id: number; username: string; email: string }, token: string, expiry: Date | null): TokenResponseDto {
  return { expiry: iso(expiry), token, user: toUserResponse(user) };
}

/** A token as the token list shows it: knox's model fields, snake_case as DRF renders them; never its digest. */
export function toTokenListItem(token: AuthToken, currentTokenId: number): TokenListItem {
  return {
    id: token.id,
    token_key: token.tokenKey,
    name: token.name,
    created: token.createdAt.toISOString(),
    expiry: iso(token.expiry),
    last_used_at: iso(token.lastUsedAt),
    current: token.id === currentTokenId,
  };
}
