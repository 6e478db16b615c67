'use strict';

const autocannon = require('autocannon');
const { withRssSampling, treeCpuTimes } = require('./processes');

/**
 * One autocannon run. Latencies are recorded here from autocannon's
 * per-response callback (sub-millisecond, every status), since its own
 * histogram keeps whole milliseconds and only 2xx answers.
 */
function runLoad({ port, scenario, seed, connections, durationSec, overallRate, timeoutSec = 10 }) {
  let nextClient = 0;
  const latencies = [];
  const statuses = {};
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: durationSec,
    overallRate,
    timeout: timeoutSec,
    requests: scenario.requests(seed, 0),
    setupClient: (client) => client.setRequests(scenario.requests(seed, nextClient++)),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  return Promise.resolve(instance).then((result) => summarise(result, latencies, statuses, scenario.expect));
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summarise(result, latencies, statuses, expect) {
  const sorted = Float64Array.from(latencies).sort();
  const total = latencies.length;
  const expected = statuses[expect] ?? 0;
  return {
    requests: total,
    durationSec: result.duration,
    rps: total / result.duration,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : null,
    statuses,
    non2xx: total - Object.entries(statuses).filter(([code]) => code.startsWith('2')).reduce((sum, [, n]) => sum + n, 0),
    // Anything but the scenario's expected status, plus connection errors and timeouts.
    errors: total - expected + result.errors + result.timeouts,
  };
}

/** A warm-up run that is thrown away, then the measured run with the server's peak RSS and CPU. */
async function measure({ server, scenario, seed, connections, warmupSec, durationSec, overallRate, timeoutSec }) {
  const options = { port: server.port, scenario, seed, connections, overallRate, timeoutSec };
  if (warmupSec > 0) await runLoad({ ...options, durationSec: warmupSec });
  if (server.loopDelay) await server.loopDelay(); // starts the window afresh
  const cpuBefore = treeCpuTimes(server.pid);
  const { result, peakRssMb } = await withRssSampling(server.pid, () => runLoad({ ...options, durationSec }));
  const cpuAfter = treeCpuTimes(server.pid);
  const loopDelay = server.loopDelay ? await server.loopDelay() : null;
  const perRequestUs = (seconds) => (result.requests ? (seconds / result.requests) * 1e6 : null);
  // CPU time per request is the figure least disturbed by other load on the machine; the
  // kernel's share (system) is mostly the socket writes to PostgreSQL and to the client.
  return {
    ...result,
    rssMb: peakRssMb,
    serverCpu: (cpuAfter.total - cpuBefore.total) / result.durationSec,
    cpuUsPerRequest: perRequestUs(cpuAfter.total - cpuBefore.total),
    cpuUserUsPerRequest: perRequestUs(cpuAfter.user - cpuBefore.user),
    cpuSystemUsPerRequest: perRequestUs(cpuAfter.system - cpuBefore.system),
    loopDelay,
  };
}

module.exports = { runLoad, measure };
