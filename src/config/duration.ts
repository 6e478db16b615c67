const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses knox-style durations such as `10h`, `90s`, `15m`, `7d`, or a bare
 * number of seconds. `none` means "no limit" and returns null.
 */
export function parseDuration(raw: string): number | null | undefined {
  const value = raw.trim().toLowerCase();
  if (value === 'none' || value === 'null') return null;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}
