import { loadConfig, ConfigError } from './config/config';
import { ensureHome, loadMasterKey } from './config/home';
import { openStore } from './db/db';
import { buildApp } from './app';

async function main(): Promise<void> {
  // State files (store, WAL, keys, tokens) are for this user only.
  process.umask(0o077);
  const { config, home, file } = loadConfig();
  ensureHome(home);
  const masterKey = loadMasterKey(home);
  const store = await openStore(home);
  const app = await buildApp({ config, home, store, masterKey });
  const log = app.fastify.log;

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    app.fastify
      .close()
      .then(() => store.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.fastify.listen({ host: config.host, port: config.port });
  const url =
    config.publicUrl ??
    `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const setupToken = await app.services.setup.prepare();
  const lines = [``, `  Airlock is running at ${url}`, `  state: ${home}${file ? ` (config ${file})` : ''}`];
  if (setupToken) {
    lines.push(
      ``,
      `  First run: create the admin account at`,
      `    ${url}/setup?token=${setupToken}`,
      `  (the token is also in ${home}/setup-token)`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`airlock: ${err.message}\n`);
  } else if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE') {
    process.stderr.write(`airlock: cannot listen: ${err.message}. Set AIRLOCK_PORT to a free port.\n`);
  } else {
    process.stderr.write(`airlock: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
