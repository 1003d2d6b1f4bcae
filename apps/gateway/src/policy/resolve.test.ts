import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Lookup, resolveTarget } from './resolve';

/** A resolver that answers from a table and counts its calls. */
function fakeDns(table: Record<string, string[] | Error>): Lookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = (host: string): Promise<string[]> => {
    calls.push(host);
    const answer = table[host];
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(answer ?? []);
  };
  return Object.assign(lookup, { calls });
}

const dns = fakeDns({
  'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'mixed.example': ['93.184.216.34', '10.0.0.1'],
  'mixed6.example': ['2606:2800:220:1::1', '::ffff:127.0.0.1'],
  'private.example': ['10.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'mapped.example': ['::FFFF:93.184.216.34'],
  'garbage.example': ['93.184.216.34', 'not-an-address'],
  'zoned.example': ['fe80::1%eth0'],
  'empty.example': [],
  'fails.example': new Error('getaddrinfo ENOTFOUND fails.example\r\n'),
});

describe('resolveTarget', () => {
  it('returns the first address when every address is public', async () => {
    assert.deepEqual(await resolveTarget('public.example', null, { host: 'public.example' }, dns), {
      ok: true,
      address: '93.184.216.34',
    });
  });

  it('returns the address in canonical form', async () => {
    assert.deepEqual(await resolveTarget('mapped.example', null, { host: 'mapped.example' }, dns), {
      ok: true,
      address: '::ffff:93.184.216.34',
    });
  });

  it('refuses a name answering with any non-public address (rebinding mix)', async () => {
    for (const host of ['mixed.example', 'mixed6.example', 'private.example', 'metadata.example']) {
      const r = await resolveTarget(host, null, { host }, dns);
      assert.equal(r.ok, false, host);
      assert.equal(r.ok ? '' : r.rule, 'private-address', host);
    }
    const r = await resolveTarget('mixed.example', null, { host: 'mixed.example' }, dns);
    assert.ok(!r.ok && r.reason.includes('10.0.0.1 (private)') && r.reason.includes('allowPrivate'));
  });

  it('allows private addresses when the route says allowPrivate', async () => {
    assert.deepEqual(
      await resolveTarget('mixed.example', null, { host: 'mixed.example', allowPrivate: true }, dns),
      { ok: true, address: '93.184.216.34' },
    );
    assert.deepEqual(
      await resolveTarget('private.example', null, { host: 'private.example', allowPrivate: true }, dns),
      { ok: true, address: '10.0.0.1' },
    );
  });

  it('uses a literal address without looking anything up, and checks it the same way', async () => {
    const before = dns.calls.length;
    assert.deepEqual(await resolveTarget('8.8.8.8', '8.8.8.8', { host: '8.8.8.8' }, dns), {
      ok: true,
      address: '8.8.8.8',
    });
    const r = await resolveTarget('::ffff:7f00:1', '::ffff:7f00:1', { host: '::ffff:127.0.0.1' }, dns);
    assert.equal(r.ok ? '' : r.rule, 'private-address');
    assert.deepEqual(
      await resolveTarget('10.0.0.5', '10.0.0.5', { host: '10.0.0.5', allowPrivate: true }, dns),
      { ok: true, address: '10.0.0.5' },
    );
    assert.equal(dns.calls.length, before);
  });

  it('looks a name up exactly once', async () => {
    const once = fakeDns({ 'a.example': ['93.184.216.34'] });
    await resolveTarget('a.example', null, { host: 'a.example' }, once);
    assert.deepEqual(once.calls, ['a.example']);
  });

  it('answers "dns" when the lookup fails, is empty or returns something that is not an address', async () => {
    for (const host of ['fails.example', 'empty.example', 'garbage.example', 'zoned.example']) {
      const r = await resolveTarget(host, null, { host, allowPrivate: true }, dns);
      assert.equal(r.ok ? '' : r.rule, 'dns', host);
      assert.ok(!r.ok && !/[\r\n]/.test(r.reason), host);
    }
    const thrower: Lookup = () => {
      throw new Error('synchronous');
    };
    const r = await resolveTarget('x.example', null, { host: 'x.example' }, thrower);
    assert.equal(r.ok ? '' : r.rule, 'dns');
  });
});
