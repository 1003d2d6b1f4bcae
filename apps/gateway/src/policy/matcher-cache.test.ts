import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionPolicy } from '@airlock/contract/gateway';
import { CompiledPolicy } from '../policy-state';
import { sharedMatcher } from './matcher-cache';

const policy = (credential: string, sensitive = 'ssh-password-0123456789'): SessionPolicy => ({
  routes: [{ host: 'api.test', credential: 'key' }, { host: 'other.test' }],
  credentials: [{ name: 'key', value: credential, inject: { type: 'bearer' }, hosts: ['api.test'] }],
  sensitive: [{ name: 'ssh:web-1:password', value: sensitive }],
});

void describe('shared secret matchers', () => {
  void it('sessions with the same secrets share one compiled matcher for each use', () => {
    const a = new CompiledPolicy(policy('sk-live-0123456789abcdef'));
    const b = new CompiledPolicy(policy('sk-live-0123456789abcdef'));
    assert.equal(a.exfilMatcher('other.test'), b.exfilMatcher('other.test'));
    assert.equal(a.secretsMatcher(), b.secretsMatcher());
    const route = a.source.routes[0]!;
    assert.equal(a.echoMatcher(route), b.echoMatcher(route));
  });

  void it('a different secret, or the same value under another name, gets its own matcher', () => {
    const a = new CompiledPolicy(policy('sk-live-0123456789abcdef'));
    const c = new CompiledPolicy(policy('sk-live-fedcba9876543210'));
    const d = new CompiledPolicy(policy('sk-live-0123456789abcdef', 'another-password-987654'));
    assert.notEqual(a.exfilMatcher('other.test'), c.exfilMatcher('other.test'));
    assert.notEqual(a.exfilMatcher('other.test'), d.exfilMatcher('other.test'));
    // Names are part of the key: a block must name the secret this session knows it by.
    assert.notEqual(
      sharedMatcher([{ name: 'x', value: 'same-value-123456' }]),
      sharedMatcher([{ name: 'y', value: 'same-value-123456' }]),
    );
    // Length-prefixed, so two sets cannot collide by concatenation.
    assert.notEqual(
      sharedMatcher([{ name: 'ab', value: 'c-value-00000000' }]),
      sharedMatcher([{ name: 'a', value: 'bc-value-00000000' }]),
    );
  });

  void it('a shared matcher still finds what it must, under the right name', () => {
    const a = new CompiledPolicy(policy('sk-live-0123456789abcdef'));
    const hit = a.exfilMatcher('other.test').find(Buffer.from('x=c2stbGl2ZS0wMTIzNDU2Nzg5YWJjZGVm'));
    assert.equal(hit?.name, 'key');
    // Toward its own host only the sensitive secret is forbidden.
    assert.equal(a.exfilMatcher('api.test').find(Buffer.from('sk-live-0123456789abcdef')), null);
    assert.equal(
      a.exfilMatcher('api.test').find(Buffer.from('ssh-password-0123456789'))?.name,
      'ssh:web-1:password',
    );
  });
});
