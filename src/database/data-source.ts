// Entry point for the TypeORM CLI (`npm run typeorm -- migration:run -d src/database/data-source.ts`).
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must be set for the TypeORM CLI (npm run manage -- migrate works without it)');

export default new DataSource(buildDataSourceOptions(url));
