import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../lib/errors';
import { fakeInspect, fakeReport } from '../../../../../test/fixtures/docker-report';
import { parsePercent, parseReport, parseSize } from './ingest.parse';

describe('ingest parsing', () => {
  it('reads docker stats sizes and percentages, and refuses what it cannot read', () => {
    assert.equal(parseSize('0B'), 0);
    assert.equal(parseSize('1.5MiB'), 1.5 * 1024 * 1024);
    assert.equal(parseSize('12kB'), 12_000);
    assert.equal(parseSize(' 2GiB '), 2 * 1024 ** 3);
    assert.equal(parseSize('--'), null);
    assert.equal(parseSize('1e9B'), null);
    for (const bad of ['', '1.B', '.5B', '5 constructor', '5__proto__', '1.5', 'MiB', '1.5MiB/'])
      assert.equal(parseSize(bad), null, bad);
    assert.equal(parseSize('1.5 kib'), 1536);
    assert.equal(parsePercent('12.34%'), 12.34);
    assert.equal(parsePercent('--'), null);
    assert.equal(parsePercent(' 0.5 % '), 0.5);
    for (const bad of ['', '%', '5', '5%%', '1e2%']) assert.equal(parsePercent(bad), null, bad);
  });

  it("a report's hostname reaches viewers as one plain line: no ANSI, bidi, zero-width or controls", () => {
    const report = fakeReport(1);
    report.hostname = '\u001b[31mprod\u202e-db\u200b\nfake line\u0085';
    assert.equal(parseReport('host1', report).hostname, 'prod-db fake line');
    report.hostname = '\u202e\u200b';
    assert.equal(parseReport('host1', report).hostname, '(unreadable hostname)');
  });

  it('maps a report to classified, masked containers with stats', () => {
    const report = fakeReport(3);
    (report.inspect as Record<string, unknown>[])[1] = fakeInspect(
      { name: 'svc-1', env: ['API_TOKEN=***', 'PLAIN=hello', 'GH=ghp_abcdefghijklmnopqrstuvwxyz0123456789'] },
      'edge-1',
    );
    const r = parseReport('host1', report);
    assert.equal(r.containers.length, 3);
    assert.equal(r.containers[0]!.status, 'red', 'every 10th fake container is unhealthy');
    assert.equal(r.containers[0]!.hostId, 'host1');
    const env = Object.fromEntries(r.containers[1]!.env.map((e) => [e.name, e]));
    assert.equal(env.API_TOKEN!.masked, true);
    assert.equal(env.PLAIN!.value, 'hello');
    assert.equal(env.GH!.masked, true, 'token-shaped values are masked again on the deck');
    const s = r.stats.get(r.containers[0]!.id);
    assert.ok(s);
    assert.equal(s.memoryBytes, 12.5 * 1024 * 1024);
    assert.equal(s.pids, 3);
  });

  it('names the field that is wrong', () => {
    const bad = (body: unknown, field: RegExp) =>
      assert.throws(
        () => parseReport('h', body),
        (err: unknown) => err instanceof UserError && err.status === 400 && field.test(err.message),
      );
    bad('garbage', /\(root\)/);
    bad({ ...fakeReport(1), version: 2 }, /version/);
    const r = fakeReport(2);
    ((r.inspect as Record<string, unknown>[])[1]!.State as Record<string, unknown>).Status = 'exploding';
    bad(r, /inspect\.1\.State\.Status/);
    const r2 = fakeReport(1);
    (r2.inspect as Record<string, unknown>[])[0]!.Id = '../../etc/passwd';
    bad(r2, /inspect\.0\.Id/);
  });
});
