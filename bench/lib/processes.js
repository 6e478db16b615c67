'use strict';

const { spawn } = require('node:child_process');
const { openSync, closeSync, readFileSync, readdirSync } = require('node:fs');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a server as a child process with its output in a log file, and
 * resolves once `readyPath` answers 200 (or rejects if the child dies first).
 */
async function startServer({ name, command, args, env, port, logFile, readyPath = '/health', timeoutMs = 120_000, ipc = false }) {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd, ...(ipc ? ['ipc'] : [])] });
  closeSync(fd);
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited during startup (${JSON.stringify(exited)}); see ${logFile}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}${readyPath}`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not become ready on port ${port} within ${timeoutMs} ms; see ${logFile}`);
    }
    await sleep(200);
  }

  return {
    name,
    pid: child.pid,
    port,
    logFile,
    get exited() {
      return exited;
    },
    /**
     * With `ipc` and bench/loop-delay.js preloaded: the event-loop delays (ms) since the
     * previous call, or null when the server does not answer within a second.
     */
    loopDelay: ipc ? () => askLoopDelay(child) : null,
    /** SIGTERM (graceful), then SIGKILL after a grace period; only this child. */
    async stop(graceMs = 15_000) {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await done;
      clearTimeout(timer);
    },
  };
}

let loopDelayRequests = 0;

function askLoopDelay(child) {
  const id = ++loopDelayRequests;
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.type !== 'bench:loop-delay' || message.id !== id) return;
      finish({ p50: message.p50, p99: message.p99, max: message.max, samples: message.samples });
    };
    const timer = setTimeout(() => finish(null), 1000);
    function finish(result) {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(result);
    }
    child.on('message', onMessage);
    if (!child.connected) return finish(null);
    child.send({ type: 'bench:loop-delay', id }, (error) => error && finish(null));
  });
}

function childPids(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function rssKb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of a process and all its descendants (a cluster primary and its workers), in MB. */
function treeRssMb(pid) {
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop();
    total += rssKb(current);
    pending.push(...childPids(current));
  }
  return total / 1024;
}

/** Samples the peak tree RSS while `work` runs. */
async function withRssSampling(pid, work, intervalMs = 200) {
  let peak = treeRssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssMb(pid));
  }, intervalMs);
  try {
    const result = await work();
    peak = Math.max(peak, treeRssMb(pid));
    return { result, peakRssMb: peak };
  } finally {
    clearInterval(timer);
  }
}

/** CPU time of a process tree in seconds, from /proc/<pid>/stat: user, system, and their sum. */
function treeCpuTimes(pid) {
  const ticks = 100;
  let user = 0;
  let system = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop();
    try {
      const stat = readFileSync(`/proc/${current}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += Number(fields[11]) / ticks;
      system += Number(fields[12]) / ticks;
    } catch {
      // the process is gone
    }
    pending.push(...childPids(current));
  }
  return { user, system, total: user + system };
}

function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

module.exports = { childPids, startServer, treeRssMb, withRssSampling, treeCpuTimes, loadAverage, sleep };
