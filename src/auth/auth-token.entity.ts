import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity';
import type { TokenKind } from './imported-tokens';

@Entity({ name: 'auth_tokens' })
export class AuthToken {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id: number;

  /**
   * Hex digest of the whole raw token, made as `kind` says: SHA-256 for ours
   * and DRF keys, knox's SHA-512 for knox tokens. The raw token itself is never stored.
   */
  @Column({ type: 'varchar', length: 128 })
  digest: string;

  /** The first characters of the random part (knox: of the token): enough to tell tokens apart in a list, useless to an attacker. */
  @Column({ name: 'token_key', type: 'varchar', length: 25 })
  tokenKey: string;

  /** `native`, or the system that issued an imported token: `knox5`, `knox42`, `drf` (imported-tokens.ts). */
  @Column({ type: 'varchar', length: 8, default: 'native' })
  kind: TokenKind;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 64, nullable: true })
  name: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  expiry: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
