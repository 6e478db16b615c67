// Entry point for the TypeORM CLI (`npm run typeorm -- migration:run -d src/database/data-source.ts`),
// and the one place the entities meet TypeORM: migration:generate diffs them against the schema.
import { DataSource } from 'typeorm';
import { AuthToken } from '../auth/auth-token.entity';
import { Lead } from '../leads/lead.entity';
import { User } from '../users/user.entity';
import { buildDataSourceOptions } from './data-source-options';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must be set for the TypeORM CLI (npm run manage -- migrate works without it)');

export default new DataSource({ ...buildDataSourceOptions(url), entities: [User, AuthToken, Lead] });
