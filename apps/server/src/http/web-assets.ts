import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RouteTable } from '../lib/route';

/**
 * What the deck serves that is not the API: the push-agent script for the install line, and the web
 * app (hashed assets cached for a year, every other path answered with index.html for the client-side
 * router). An `/api/…` path never falls through to the web app.
 */
export async function webAssets(
  fastify: FastifyInstance,
  routes: RouteTable,
  webRoot: string,
  agentScript: string,
): Promise<void> {
  await fastify.register(fastifyStatic, { root: webRoot, serve: false });

  routes.raw(
    'GET',
    '/agent/airlock-agent.sh',
    'The push-agent script, for the install line.',
    async (_req, reply) => {
      if (!existsSync(agentScript)) {
        return reply.code(404).type('text/plain').send('The agent script is not part of this install.');
      }
      return reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await readFile(agentScript, 'utf8'));
    },
  );

  routes.raw(
    'GET',
    '/*',
    'The web app: static assets, index.html for client-side routes.',
    async (req, reply) => {
      const urlPath = decodeURIComponent(req.url.split('?')[0] ?? '/');
      if (urlPath.startsWith('/api/')) {
        return reply
          .code(404)
          .send({ code: 'not_found', message: `No route GET ${urlPath}.`, correlationId: req.id });
      }
      if (!existsSync(path.join(webRoot, 'index.html'))) {
        return reply
          .code(503)
          .type('text/plain')
          .send('The web UI is not built. Run `npm run build` (or `npm start`, which builds).');
      }
      const rel = path.normalize(urlPath).replace(/^([/\\])+/, '');
      const file = path.join(webRoot, rel);
      if (rel && file.startsWith(webRoot + path.sep) && existsSync(file) && !rel.endsWith('/')) {
        const immutable = rel.startsWith('assets/');
        return reply.sendFile(rel, { maxAge: immutable ? 31_536_000_000 : 0, immutable });
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    },
  );
}
