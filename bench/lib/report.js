'use strict';

const fmt = (value, digits = 1) => (value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));

const COLUMNS = ['scenario', 'server', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'RSS MB', 'CPU µs/req', 'loop max ms', 'app/baseline'];

function row(entry) {
  return [
    `${entry.scenario} ${entry.title}${entry.phase ? ` [${entry.phase}]` : ''}`,
    entry.server,
    fmt(entry.rps, 0),
    fmt(entry.p50, 2),
    fmt(entry.p99, 2),
    String(entry.non2xx),
    String(entry.errors),
    fmt(entry.rssMb, 0),
    fmt(entry.cpuUsPerRequest, 0),
    entry.loopDelay ? fmt(entry.loopDelay.max, 1) : '',
    entry.ratio === undefined ? '' : `${fmt(entry.ratio, 2)}×`,
  ];
}

function textTable(entries) {
  const rows = [COLUMNS, ...entries.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r, n) => {
    const line = r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
    return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

function markdownTable(entries) {
  const lines = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const entry of entries) lines.push(`| ${row(entry).join(' | ')} |`);
  return lines.join('\n');
}

function targetsMarkdown(targets) {
  return targets.map((t) => `- ${t.pass === null ? '➖' : t.pass ? '✅' : '❌'} ${t.name}: ${t.actual}`).join('\n');
}

function markdownReport(report) {
  const { meta } = report;
  return [
    `# Benchmark ${meta.startedAt}`,
    '',
    `Node ${meta.node}, PostgreSQL ${meta.postgres} (${meta.embedded ? 'embedded' : 'BENCH_DATABASE_URL'}), ${meta.cpus} × ${meta.cpuModel}, ` +
      `${meta.connections} connections, ${meta.warmupSec} s warm-up + ${meta.durationSec} s per scenario, ${meta.users} users × ${meta.leadsPerUser} leads. ` +
      `Load average before: ${meta.loadBefore.join(' ')}, after: ${meta.loadAfter?.join(' ') ?? '–'}. ` +
      `App RSS right after start: ${fmt(meta.startRssMb, 0)} MB.` +
      (meta.argon2VerifyMs ? ` One argon2id verification on an idle machine: ${fmt(meta.argon2VerifyMs, 1)} ms.` : ''),
    `App env: ${Object.entries(meta.appEnv).map(([k, v]) => `${k}=${v}`).join(' ')}` +
      `${meta.appNodeArgs?.length ? `; node ${meta.appNodeArgs.join(' ')}` : ''}${meta.ablate ? `; BENCH_ABLATE=${meta.ablate}` : ''}`,
    '',
    markdownTable(report.results),
    '',
    '## Targets',
    '',
    targetsMarkdown(report.targets),
    '',
  ].join('\n');
}

module.exports = { textTable, markdownTable, markdownReport, targetsMarkdown, fmt };
