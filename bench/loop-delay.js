'use strict';

/**
 * A measuring tool, never for production: preloaded into the app by
 * `npm run bench` (`-r ./bench/loop-delay.js`), it samples the event loop's
 * delay (perf_hooks, 10 ms resolution) and answers the bench over the IPC
 * channel the bench opened: `{ type: 'bench:loop-delay', id }` returns the
 * delays seen since the previous request, in milliseconds, and starts afresh.
 * This is how the bench shows that argon2 hashing never blocks the loop.
 * Without an IPC channel (or in a cluster worker) it does nothing.
 */
const cluster = require('node:cluster');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const MESSAGE = 'bench:loop-delay';
const RESOLUTION_MS = 10;

if (typeof process.send === 'function' && cluster.isPrimary) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  // The histogram holds the whole time between two ticks of its timer; the delay is what
  // exceeds the timer's period.
  const ms = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  process.on('message', (message) => {
    if (message?.type !== MESSAGE) return;
    process.send({
      type: MESSAGE,
      id: message.id,
      samples: histogram.count,
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    });
    histogram.reset();
  });
  // The channel must not keep the app alive after its graceful shutdown.
  process.channel.unref();
}
