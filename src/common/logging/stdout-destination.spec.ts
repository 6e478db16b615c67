import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_MAX_QUEUED_BYTES } from './stdout-destination';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');
const APP_LOGGER = JSON.stringify(join(__dirname, 'app-logger'));
const MiB = 1024 * 1024;

/** A child process running `script` with the AppLogger on its real stdout, a pipe this test reads (or not) as it likes. */
function child(script: string): { proc: ChildProcessWithoutNullStreams; reports: Array<Record<string, number>>; nextReport: () => Promise<Record<string, number>> } {
  const proc = spawn(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT });
  const reports: Array<Record<string, number>> = [];
  const waiting: Array<() => void> = [];
  let errors = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
    let newline: number;
    while ((newline = errors.indexOf('\n')) >= 0) {
      const line = errors.slice(0, newline);
      errors = errors.slice(newline + 1);
      reports.push(line.startsWith('{') ? (JSON.parse(line) as Record<string, number>) : { unexpected: Number.NaN });
      if (!line.startsWith('{')) process.stderr.write(`child: ${line}\n`);
      waiting.shift()?.();
    }
  });
  let taken = 0;
  const nextReport = async (): Promise<Record<string, number>> => {
    while (reports.length <= taken) await new Promise<void>((done) => waiting.push(done));
    return reports[taken++];
  };
  return { proc, reports, nextReport };
}

function collect(proc: ChildProcessWithoutNullStreams): { text: () => string; closed: Promise<NodeJS.Signals | number | null> } {
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<NodeJS.Signals | number | null>((done) => proc.once('close', (code, signal) => done(signal ?? code)));
  return { text: () => Buffer.concat(chunks).toString('utf8'), closed };
}

/** The `seq` of every line, in the order they arrived. */
function sequence(text: string): number[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { seq: number }).seq);
}

describe('StdoutDestination (stdout a pipe)', () => {
  it('keeps the event loop turning while a reader stalls, blocks only past the bound, and delivers every line in order', async () => {
    // Phase A logs 2 MiB (under the bound) while nobody reads; phase B 24 MiB more, which the
    // queue cannot hold: the process waits for the reader, which resumes a second after phase A.
    const script = `
      const { AppLogger, processStdout } = require(${APP_LOGGER});
      const logger = new AppLogger('info');
      const stdout = processStdout();
      const report = (fields) => require('node:fs').writeSync(2, JSON.stringify(fields) + '\\n');
      const padding = 'x'.repeat(60);
      let seq = 0, last = Date.now(), maxGap = 0, maxQueued = 0, maxMemory = 0;
      const memory = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
      global.gc();
      const baseline = memory();
      const phase = (bytes, done) => {
        const until = seq + Math.ceil(bytes / 120);
        const turn = () => {
          const now = Date.now();
          maxGap = Math.max(maxGap, now - last);
          last = now;
          for (let i = 0; i < 200 && seq < until; i++) {
            logger.logSafe('info', 'request', { seq: seq++, padding });
            maxQueued = Math.max(maxQueued, stdout.queuedBytes);
          }
          if (seq % 20000 < 200) { global.gc(); maxMemory = Math.max(maxMemory, memory() - baseline); }
          if (seq < until) setImmediate(turn); else done();
        };
        setImmediate(turn);
      };
      phase(2 * 1024 * 1024, () => {
        report({ phase: 1, lines: seq, maxGap, queued: stdout.queuedBytes, maxQueued });
        maxGap = 0;
        phase(24 * 1024 * 1024, () => {
          report({ phase: 2, lines: seq, maxGap, maxQueued, maxMemory });
          logger.flush().then(() => process.exit(0));
        });
      });
    `;
    const { proc, nextReport } = child(script);
    proc.stdout.pause();
    const output = collect(proc);
    proc.stdout.pause();

    const stalled = await nextReport();
    // The pipe and the reader's buffer took well under 1 MiB: the rest was queued, and the loop kept turning.
    expect(stalled.queued).toBeGreaterThan(1 * MiB);
    expect(stalled.maxQueued).toBeLessThanOrEqual(DEFAULT_MAX_QUEUED_BYTES);
    expect(stalled.maxGap).toBeLessThan(500);

    await new Promise((done) => setTimeout(done, 1_000));
    proc.stdout.resume();
    const pastBound = await nextReport();
    expect(await output.closed).toBe(0);
    // Past the bound it waited for the reader (the second the reader stalled), and the queue never grew beyond it.
    expect(pastBound.maxGap).toBeGreaterThanOrEqual(500);
    expect(pastBound.maxQueued).toBeLessThanOrEqual(DEFAULT_MAX_QUEUED_BYTES + 200);
    expect(pastBound.maxMemory).toBeLessThan(16 * MiB);
    expect(sequence(output.text())).toEqual(Array.from({ length: pastBound.lines }, (_, i) => i));
  });

  it('writes an error line, and every line before it, before a SIGKILL that follows at once', async () => {
    const script = `
      const { AppLogger } = require(${APP_LOGGER});
      const logger = new AppLogger('info');
      for (let seq = 0; seq < 5000; seq++) logger.logSafe('info', 'request', { seq });
      logger.logSafe('error', 'request', { seq: 5000, status: 500 });
      logger.error('database unavailable', 'Main');
      process.kill(process.pid, 'SIGKILL');
    `;
    const { proc } = child(script);
    const output = collect(proc);
    expect(await output.closed).toBe('SIGKILL');
    const lines = output
      .text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.slice(0, 5001).map((line) => line.seq)).toEqual(Array.from({ length: 5001 }, (_, i) => i));
    expect(lines.slice(5001)).toEqual([expect.objectContaining({ level: 'error', context: 'Main', msg: 'database unavailable' })]);
  });

  it('gives up on a reader that never comes back within the flush timeout, instead of waiting forever', async () => {
    const script = `
      const { AppLogger, processStdout } = require(${APP_LOGGER});
      const logger = new AppLogger('info');
      const padding = 'x'.repeat(60);
      for (let seq = 0; seq < 20000; seq++) logger.logSafe('info', 'request', { seq, padding });
      const started = Date.now();
      logger.flush().then(() => {
        require('node:fs').writeSync(2, JSON.stringify({ flushMs: Date.now() - started, queued: processStdout().queuedBytes }) + '\\n');
        process.exit(0);
      });
    `;
    const { proc, nextReport } = child(script);
    proc.stdout.pause();
    const output = collect(proc);
    proc.stdout.pause();
    const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
    const report = await nextReport();
    expect(report.queued).toBeGreaterThan(0);
    expect(report.flushMs).toBeGreaterThanOrEqual(1_900);
    expect(report.flushMs).toBeLessThan(10_000);
    // The exit hook's own bounded wait follows; the process then ends although nothing was read.
    expect(await exited).toBe(0);
    proc.stdout.resume();
    await output.closed;
  });
});
