import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Route } from '@airlock/contract/gateway';
import { normalizeHost } from './hostname';
import { type Decision, PolicyMatcher, type RequestTarget } from './match';
import { normalizePath } from './path';

/** A target as the proxy builds it: the host through normalizeHost first. */
function target(host: string, extra: Partial<RequestTarget> = {}): RequestTarget {
  const n = normalizeHost(host);
  return n.ok
    ? { host: n.host, ip: n.ip, port: 443, tls: true, ...extra }
    : { host, ip: null, port: 443, tls: true, ...extra };
}

function rule(d: Decision): string {
  return d.allow ? `allow:${d.route.host}` : d.rule;
}

describe('PolicyMatcher: hosts', () => {
  const m = new PolicyMatcher([
    { host: '*.example.com' },
    { host: 'API.Example.COM.', credential: 'exact' },
    { host: 'bücher.example' },
    { host: '10.0.0.5', allowPrivate: true },
    { host: '2001:DB8::0:1' },
  ]);

  it('matches a wildcard for subdomains at any depth, never the apex', () => {
    assert.equal(rule(m.match(target('a.example.com'))), 'allow:*.example.com');
    assert.equal(rule(m.match(target('a.b.example.com'))), 'allow:*.example.com');
    assert.equal(rule(m.match(target('example.com'))), 'no-route');
    assert.equal(rule(m.match(target('badexample.com'))), 'no-route');
    assert.equal(rule(m.match(target('example.com.evil'))), 'no-route');
  });

  it('prefers an exact host to a wildcard, whatever the order in the profile', () => {
    const d = m.match(target('api.example.com'));
    assert.ok(d.allow);
    assert.equal(d.route.credential, 'exact');
  });

  it('prefers the longer wildcard', () => {
    const w = new PolicyMatcher([
      { host: '*.example.com', credential: 'outer' },
      { host: '*.eu.example.com', credential: 'inner' },
    ]);
    const inner = w.match(target('x.eu.example.com'));
    const outer = w.match(target('x.us.example.com'));
    assert.ok(inner.allow && outer.allow);
    assert.equal(inner.route.credential, 'inner');
    assert.equal(outer.route.credential, 'outer');
  });

  it('normalises route hosts the way it normalises targets (case, dot, IDNA)', () => {
    assert.equal(rule(m.match(target('BÜCHER.example.'))), 'allow:bücher.example');
    assert.equal(rule(m.match(target('xn--bcher-kva.example'))), 'allow:bücher.example');
    // A target given raw (not through normalizeHost) is normalised too.
    assert.equal(
      rule(m.match({ host: 'Api.Example.Com.', ip: null, port: 443, tls: true })),
      'allow:API.Example.COM.',
    );
  });

  it('matches an address only to a route naming the same canonical address', () => {
    assert.equal(rule(m.match(target('10.0.0.5'))), 'allow:10.0.0.5');
    assert.equal(rule(m.match(target('0x0a000005'))), 'allow:10.0.0.5');
    assert.equal(rule(m.match(target('10.5'))), 'allow:10.0.0.5');
    assert.equal(rule(m.match(target('[2001:db8:0::1]'))), 'allow:2001:DB8::0:1');
    assert.equal(rule(m.match(target('10.0.0.6'))), 'ip-literal');
    assert.equal(rule(m.match(target('[::ffff:10.0.0.5]'))), 'ip-literal');
    assert.equal(rule(m.match(target('127.0.0.1'))), 'ip-literal');
  });

  it('never lets an address through a name route, even with the name in host', () => {
    const d = m.match({ host: 'api.example.com', ip: '93.184.216.34', port: 443, tls: true });
    assert.equal(rule(d), 'ip-literal');
  });

  it('refuses an ip field that is not canonical rather than guess', () => {
    for (const ip of ['10.5', '010.0.0.5', '::ffff:a00:5', 'fe80::1%eth0', 'nonsense']) {
      assert.equal(rule(m.match({ host: ip, ip, port: 443, tls: true })), 'bad-host', ip);
    }
    assert.equal(
      rule(m.match({ host: 'x', ip: '2001:DB8::1', port: 443, tls: true })),
      'allow:2001:DB8::0:1',
    );
  });

  it('refuses hosts that do not normalise', () => {
    for (const h of ['foo.123', 'fe80::1%eth0', 'a..example.com', '-x.example.com', 'x_y.example.com']) {
      assert.equal(rule(m.match({ host: h, ip: null, port: 443, tls: true })), 'bad-host', h);
    }
  });

  it('says what was refused and how to ask, without echoing control characters', () => {
    const d = m.match(target('evil.example'));
    assert.deepEqual(d, {
      allow: false,
      rule: 'no-route',
      reason:
        "evil.example is not on this session's allowlist; ask an admin to add a route for it to the profile",
    });
    const bad = m.match({ host: 'evil\r\n.example', ip: null, port: 443, tls: true });
    assert.equal(rule(bad), 'bad-host');
    assert.ok(!bad.allow && !/[\r\n]/.test(bad.reason), bad.allow ? '' : bad.reason);
    const path = new PolicyMatcher([{ host: 'a.example', paths: ['/v1/'] }]).match(
      target('a.example', { method: 'GET', path: '/x\u0000\u001b[31m' }),
    );
    // eslint-disable-next-line no-control-regex -- asserting none leak
    assert.ok(!path.allow && !/[\x00-\x1f]/.test(path.reason));
  });

  it('refuses wildcards and path prefixes that could never match, at construction', () => {
    assert.throws(() => new PolicyMatcher([{ host: '*.10.0.0.1' }]), /wildcard/);
    assert.throws(() => new PolicyMatcher([{ host: 'foo.123' }]), /route 1/);
    assert.throws(() => new PolicyMatcher([{ host: 'a.example', paths: ['/v1/../x'] }]), /path prefix/);
  });
});

describe('PolicyMatcher: ports', () => {
  const m = new PolicyMatcher([{ host: 'plain.example' }, { host: 'custom.example', ports: [8443, 8080] }]);

  it('defaults to 443 for TLS and 80 for plain HTTP', () => {
    assert.equal(rule(m.match(target('plain.example', { port: 443, tls: true }))), 'allow:plain.example');
    assert.equal(rule(m.match(target('plain.example', { port: 80, tls: false }))), 'allow:plain.example');
    assert.equal(rule(m.match(target('plain.example', { port: 80, tls: true }))), 'port');
    assert.equal(rule(m.match(target('plain.example', { port: 443, tls: false }))), 'port');
    assert.equal(rule(m.match(target('plain.example', { port: 8443, tls: true }))), 'port');
  });

  it('uses only the listed ports when a route has them', () => {
    assert.equal(rule(m.match(target('custom.example', { port: 8443 }))), 'allow:custom.example');
    assert.equal(rule(m.match(target('custom.example', { port: 8080, tls: false }))), 'allow:custom.example');
    assert.equal(rule(m.match(target('custom.example', { port: 443 }))), 'port');
    const d = m.match(target('custom.example', { port: 22 }));
    assert.ok(!d.allow && d.reason.includes('port 22') && d.reason.includes('8443, 8080'), JSON.stringify(d));
  });

  it('hostAllowed checks host and port only', () => {
    const r = new PolicyMatcher([{ host: 'a.example', methods: ['GET'], paths: ['/v1/'] }]);
    assert.equal(r.hostAllowed('A.EXAMPLE.', 443, true)?.host, 'a.example');
    assert.equal(r.hostAllowed('a.example', 8443, true), null);
    assert.equal(r.hostAllowed('b.example', 443, true), null);
    assert.equal(r.hostAllowed('foo.123', 443, true), null);
    assert.equal(m.hostAllowed('custom.example', 8080, false)?.host, 'custom.example');
  });
});

describe('PolicyMatcher: methods and paths', () => {
  const routes: Route[] = [
    { host: 'api.example', methods: ['GET', 'HEAD'], paths: ['/v1/', '/health'] },
    { host: 'api.example', methods: ['POST'], paths: ['/v1/chat/'], credential: 'post' },
    { host: 'open.example' },
    { host: 'tilde.example', paths: ['/%7Euser/'] },
  ];
  const m = new PolicyMatcher(routes);
  const req = (method: string, path: string, host = 'api.example'): string =>
    rule(m.match(target(host, { method, path })));

  it('allows a listed method on a listed prefix, the first matching route winning', () => {
    assert.equal(req('GET', '/v1/models'), 'allow:api.example');
    assert.equal(req('HEAD', '/health'), 'allow:api.example');
    assert.equal(req('GET', '/v1/models?x=/../admin'), 'allow:api.example');
    const post = m.match(target('api.example', { method: 'POST', path: '/v1/chat/completions' }));
    assert.ok(post.allow);
    assert.equal(post.route.credential, 'post');
  });

  it('refuses other methods as "method" and other paths as "path"', () => {
    assert.equal(req('DELETE', '/v1/models'), 'method');
    assert.equal(req('get', '/v1/models'), 'method');
    assert.equal(req('POST', '/v1/models'), 'path');
    assert.equal(req('GET', '/admin'), 'path');
    assert.equal(req('GET', '/v2/models'), 'path');
    assert.equal(rule(m.match(target('api.example'))), 'method', 'an unknown method fails a method list');
  });

  for (const p of [
    '/v1/../admin',
    '/v1/%2e%2e/admin',
    '/v1/%2E%2E/admin',
    '/v1/.%2e/admin',
    '/v1/%2e./admin',
    '/v1/..%2fadmin',
    '/v1/..%2Fadmin',
    '/v1/%2fadmin',
    '/v1//../x',
    '/v1/./../admin',
    '/v1/..',
    '/v1/..;/admin',
    '/v1/..\\admin',
    '/v1/..%5cadmin',
    '/v1/%zz',
    '/v1/%2',
    'v1/models',
    '*',
    'http://api.example/v1/',
    '/v1/a b',
    '/v1/\u00e9',
  ]) {
    it(`refuses ${JSON.stringify(p)} on a prefixed route`, () => assert.equal(req('GET', p), 'path'));
  }

  it('decodes unreserved escapes before comparing, on both sides', () => {
    assert.equal(req('GET', '/%76%31/models'), 'allow:api.example');
    assert.equal(req('GET', '/v1/%6dodels'), 'allow:api.example');
    assert.equal(req('GET', '/~user/x', 'tilde.example'), 'allow:tilde.example');
    assert.equal(req('GET', '/%7euser/x', 'tilde.example'), 'allow:tilde.example');
    assert.equal(req('GET', '/%7Fuser/x', 'tilde.example'), 'path');
  });

  it('lets anything through a route without paths', () => {
    assert.equal(req('PATCH', '/anything/../at/all', 'open.example'), 'allow:open.example');
    assert.equal(rule(m.match(target('open.example'))), 'allow:open.example');
  });

  it('normalizePath keeps reserved escapes escaped, in upper case', () => {
    assert.deepEqual(normalizePath('/a%3fb%41%7e?q#f'), { ok: true, path: '/a%3Fb' + 'A~' });
    assert.deepEqual(normalizePath('/a//b/'), { ok: true, path: '/a//b/' });
    assert.equal(normalizePath('/a/.../b').ok, true, 'three dots are a name');
    assert.equal(normalizePath('/a/./b').ok, false);
  });
});
