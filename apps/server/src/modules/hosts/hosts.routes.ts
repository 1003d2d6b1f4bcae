import type { FastifyRequest } from 'fastify';
import {
  ConfirmHostKeyBody,
  CreateHostBody,
  CreatedHost,
  Host,
  HostIdParams,
  HostList,
  UpdateHostBody,
} from '@airlock/contract/hosts';
import { Ok } from '@airlock/contract/system';
import type { RouteTable } from '../../lib/route';
import type { HostsService } from './hosts.service';

/** The deck's URL as agents should use it: the configured public URL, else what the browser used. */
const baseUrl = (req: FastifyRequest, publicUrl: string | undefined) =>
  publicUrl ?? `${req.protocol}://${req.host}`;

export function hostsRoutes(routes: RouteTable, hosts: HostsService, publicUrl: string | undefined): void {
  routes.add({
    method: 'GET',
    url: '/api/hosts',
    guard: 'viewer',
    summary: 'Every host with its status (never its secrets).',
    tags: ['hosts'],
    response: HostList,
    handler: async () => ({ items: await hosts.list() }),
  });
  routes.add({
    method: 'POST',
    url: '/api/hosts',
    guard: 'admin+unlock',
    summary: 'Add a host (local engine, SSH, or push agent). An agent token appears in this answer only.',
    tags: ['hosts'],
    body: CreateHostBody,
    response: CreatedHost,
    status: 201,
    handler: ({ auth, body, req }) => hosts.create(auth!, body, baseUrl(req, publicUrl)),
  });
  routes.add({
    method: 'GET',
    url: '/api/hosts/:id',
    guard: 'viewer',
    summary: 'One host with its status.',
    tags: ['hosts'],
    params: HostIdParams,
    response: Host,
    handler: ({ params }) => hosts.get(params.id),
  });
  routes.add({
    method: 'PATCH',
    url: '/api/hosts/:id',
    guard: 'admin+unlock',
    summary: 'Edit a host; secrets are replaced only when sent.',
    tags: ['hosts'],
    params: HostIdParams,
    body: UpdateHostBody,
    response: Host,
    handler: ({ auth, params, body }) => hosts.update(auth!, params.id, body),
  });
  routes.add({
    method: 'DELETE',
    url: '/api/hosts/:id',
    guard: 'admin+unlock',
    summary: 'Remove a host, its secrets and its containers from the fleet.',
    tags: ['hosts'],
    params: HostIdParams,
    response: Ok,
    handler: async ({ auth, params }) => {
      await hosts.remove(auth!, params.id);
      return { ok: true as const };
    },
  });
  routes.add({
    method: 'POST',
    url: '/api/hosts/:id/confirm-host-key',
    guard: 'admin+unlock',
    summary: 'Pin the SSH host key the host presented, after comparing it out of band.',
    tags: ['hosts'],
    params: HostIdParams,
    body: ConfirmHostKeyBody,
    response: Host,
    handler: ({ auth, params, body }) => hosts.confirmHostKey(auth!, params.id, body),
  });
  routes.add({
    method: 'POST',
    url: '/api/hosts/:id/rotate-token',
    guard: 'admin+unlock',
    summary: "Replace a push host's token; the old one stops working at once. The new one appears here only.",
    tags: ['hosts'],
    params: HostIdParams,
    response: CreatedHost,
    handler: ({ auth, params, req }) => hosts.rotateToken(auth!, params.id, baseUrl(req, publicUrl)),
  });
  routes.add({
    method: 'POST',
    url: '/api/hosts/:id/reconnect',
    guard: 'operator',
    summary: 'Drop and re-open the connection to an engine host now.',
    tags: ['hosts'],
    params: HostIdParams,
    response: Host,
    handler: ({ auth, params }) => hosts.reconnect(auth!, params.id),
  });
}
