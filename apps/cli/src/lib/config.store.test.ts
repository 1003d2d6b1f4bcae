import assert from 'node:assert/strict';
import { chmod, link, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configDir, configPath, loadConfig, saveConfig } from './config.store';
import { CliError } from './errors';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'airlock-cli-config-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

void describe('config location', () => {
  void it('prefers AIRLOCK_CONFIG_DIR, then XDG_CONFIG_HOME/airlock, then ~/.config/airlock', () => {
    assert.equal(
      configPath({ AIRLOCK_CONFIG_DIR: '/a/b', XDG_CONFIG_HOME: '/x', HOME: '/h' }),
      '/a/b/config.json',
    );
    assert.equal(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/airlock/config.json');
    assert.equal(configPath({ HOME: '/h' }), '/h/.config/airlock/config.json');
  });

  void it('ignores a relative XDG_CONFIG_HOME, as the XDG spec says', () => {
    assert.equal(configDir({ XDG_CONFIG_HOME: 'rel/dir', HOME: '/h' }), '/h/.config/airlock');
  });
});

void describe('saveConfig / loadConfig', () => {
  void it('returns null when nothing is stored', async () => {
    assert.equal(await loadConfig({ AIRLOCK_CONFIG_DIR: path.join(root, 'none') }), null);
  });

  void it('creates the directory 0700 and the file 0600, and reads back what it wrote', async () => {
    const env = { AIRLOCK_CONFIG_DIR: path.join(root, 'fresh', 'nested') };
    const file = await saveConfig(env, {
      url: 'http://127.0.0.1:7070',
      token: 'alk_abc_secret',
      username: 'alice',
    });
    assert.equal(file, path.join(env.AIRLOCK_CONFIG_DIR, 'config.json'));
    assert.equal((await stat(env.AIRLOCK_CONFIG_DIR)).mode & 0o777, 0o700);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await loadConfig(env), {
      url: 'http://127.0.0.1:7070',
      token: 'alk_abc_secret',
      username: 'alice',
    });
  });

  void it('tightens an existing world-readable directory and replaces a 0644 file with a 0600 one', async () => {
    const dir = path.join(root, 'loose');
    await saveConfig({ AIRLOCK_CONFIG_DIR: dir }, { url: 'http://a' });
    await chmod(dir, 0o755);
    await chmod(path.join(dir, 'config.json'), 0o644);
    await saveConfig({ AIRLOCK_CONFIG_DIR: dir }, { url: 'http://a', token: 'alk_x_y' });
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(dir, 'config.json'))).mode & 0o777, 0o600);
  });

  void it('writes atomically: a new file is renamed into place, the old one is never rewritten in place', async () => {
    const dir = path.join(root, 'atomic');
    const env = { AIRLOCK_CONFIG_DIR: dir };
    await saveConfig(env, { url: 'http://old', token: 'alk_old_secret' });
    // A hard link keeps pointing at the old inode; an in-place write would change what it shows.
    const witness = path.join(root, 'atomic-witness.json');
    await link(path.join(dir, 'config.json'), witness);
    await saveConfig(env, { url: 'http://new', token: 'alk_new_secret' });
    assert.match(await readFile(witness, 'utf8'), /alk_old_secret/);
    assert.match(await readFile(path.join(dir, 'config.json'), 'utf8'), /alk_new_secret/);
    assert.deepEqual(await readdir(dir), ['config.json'], 'no temp files are left behind');
  });

  void it('refuses a damaged config file instead of treating it as logged out', async () => {
    const dir = path.join(root, 'damaged');
    await saveConfig({ AIRLOCK_CONFIG_DIR: dir }, { url: 'http://a' });
    await writeFile(path.join(dir, 'config.json'), '{"url": 42}');
    await assert.rejects(loadConfig({ AIRLOCK_CONFIG_DIR: dir }), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.match(err.message, /not valid \(url: /);
      return true;
    });
    await writeFile(path.join(dir, 'config.json'), 'not json');
    await assert.rejects(loadConfig({ AIRLOCK_CONFIG_DIR: dir }), /not valid JSON/);
  });

  void it('reports a failed write with the path', async () => {
    // The "directory" is a regular file, so mkdir fails.
    const blocker = path.join(root, 'blocker');
    await writeFile(blocker, 'x');
    await assert.rejects(
      saveConfig({ AIRLOCK_CONFIG_DIR: blocker }, { url: 'http://a' }),
      /Cannot write the config file .*blocker/,
    );
  });
});
