import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, DataSourceOptions } from 'typeorm';
import { CommandError } from './cli-errors';

// A container may start before its database accepts connections; these mean "not yet", not "never".
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', '57P03']);

export function isTransientConnectError(error: unknown): boolean {
  const errors = error instanceof AggregateError ? [error, ...error.errors] : [error];
  return errors.some((candidate) => {
    if (!(candidate instanceof Error)) return false;
    const code = (candidate as { code?: unknown }).code;
    return (typeof code === 'string' && TRANSIENT_CODES.has(code)) || /timeout|terminated unexpectedly|starting up/i.test(candidate.message);
  });
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

/**
 * Initialises a DataSource from the app's own options, retrying transient
 * failures for up to `waitSeconds`: the CLI's database module connects
 * through this, so `--wait` applies to it.
 */
export async function connect(
  dataSourceOptions: DataSourceOptions,
  description: string,
  options: { waitSeconds: number; onWaiting: (reason: string) => void },
): Promise<DataSource> {
  const { waitSeconds, onWaiting } = options;
  const deadline = Date.now() + waitSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    const dataSource = new DataSource(dataSourceOptions);
    try {
      return await dataSource.initialize();
    } catch (error) {
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      if (!isTransientConnectError(error) || Date.now() >= deadline) {
        const waited = waitSeconds > 0 ? ` after waiting ${waitSeconds}s` : '';
        throw new CommandError(`Could not connect to ${description}${waited}: ${describeError(error)}`);
      }
      if (attempt === 1 || attempt % 10 === 0) onWaiting(`waiting for ${description}: ${describeError(error)}`);
      await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
    }
  }
}
