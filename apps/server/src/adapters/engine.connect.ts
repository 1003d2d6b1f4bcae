import type { DescribeContainer, EngineConnection } from '../modules/fleet/engine.port';
import { HostKeyMismatchError, HostKeyUnknownError } from '../lib/adapter-errors';
import { DockerEngine } from './docker.adapter';
import { SshTunnel, type SshConnectOptions } from './ssh.adapter';

/** A Docker engine on a unix socket of this machine. */
export function connectLocalEngine(
  hostId: string,
  socketPath: string,
  describe: DescribeContainer,
): Promise<EngineConnection> {
  return Promise.resolve({
    engine: new DockerEngine({ hostId, socketPath, describe }),
    close: () => undefined,
  });
}

/**
 * A Docker engine reached over SSH (optionally through a jump host): the engine's socket on the far
 * side is forwarded through the tunnel, and the connection ends with the tunnel.
 */
export async function connectSshEngine(
  hostId: string,
  ssh: SshConnectOptions,
  socketPath: string,
  describe: DescribeContainer,
): Promise<EngineConnection> {
  let tunnel: SshTunnel;
  try {
    tunnel = await SshTunnel.connect(ssh);
  } catch (err) {
    // The fleet shows which key to confirm: the target's or the jump host's.
    if (
      (err instanceof HostKeyUnknownError || err instanceof HostKeyMismatchError) &&
      ssh.jump &&
      err.hostPort === `${ssh.jump.host}:${ssh.jump.port ?? 22}`
    )
      Object.assign(err, { jump: true });
    throw err;
  }
  return {
    engine: new DockerEngine({ hostId, modem: tunnel.dockerModemOptions(socketPath), describe }),
    close: () => tunnel.close(),
    onClosed: (cb) => {
      if (tunnel.isClosed) cb(tunnel.reason ?? 'SSH connection closed');
      else tunnel.once('closed', cb);
    },
  };
}
