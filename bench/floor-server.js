'use strict';

/**
 * What a framework costs before any of our code runs: one GET route that
 * answers a constant JSON user, served by node:http, Express 5, Fastify 5,
 * or NestJS on either, with nothing else. This is how the app's HTTP adapter
 * was chosen (bench/README.md, "The HTTP adapter"):
 *
 *   node bench/floor-server.js nest-fastify 3114 &
 *   npx autocannon -c 32 -d 10 http://127.0.0.1:3114/api/auth/user
 */
require('reflect-metadata');

const FLOORS = ['http', 'fastify', 'express', 'nest-fastify', 'nest-express'];
const kind = process.argv[2] ?? 'http';
const port = Number(process.argv[3] ?? process.env.PORT ?? 3114);
const user = () => ({ id: 1, username: 'bench', email: 'bench@example.com' });

async function main() {
  if (kind === 'http') {
    require('node:http')
      .createServer((_request, response) => {
        const body = JSON.stringify(user());
        response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        response.end(body);
      })
      .listen(port, '127.0.0.1');
  } else if (kind === 'express') {
    const express = require('express');
    const app = express();
    app.set('etag', false);
    app.disable('x-powered-by');
    app.get('/api/auth/user', (_request, response) => response.json(user()));
    app.listen(port, '127.0.0.1');
  } else if (kind === 'fastify') {
    const app = require('fastify')({ logger: false });
    app.get('/api/auth/user', async () => user());
    await app.listen({ port, host: '127.0.0.1' });
  } else if (kind === 'nest-express' || kind === 'nest-fastify') {
    const { Controller, Get, Module } = require('@nestjs/common');
    const { NestFactory } = require('@nestjs/core');
    class UserController {
      user() {
        return user();
      }
    }
    Controller('api/auth')(UserController);
    Get('user')(UserController.prototype, 'user', Object.getOwnPropertyDescriptor(UserController.prototype, 'user'));
    class FloorModule {}
    Module({ controllers: [UserController] })(FloorModule);
    if (kind === 'nest-fastify') {
      const { FastifyAdapter } = require('@nestjs/platform-fastify');
      const app = await NestFactory.create(FloorModule, new FastifyAdapter({ logger: false }), { logger: false });
      await app.listen(port, '127.0.0.1');
    } else {
      const app = await NestFactory.create(FloorModule, { logger: false });
      app.getHttpAdapter().getInstance().set('etag', false);
      await app.listen(port, '127.0.0.1');
    }
  } else {
    throw new Error(`unknown floor "${kind}": ${FLOORS.join(', ')}`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
