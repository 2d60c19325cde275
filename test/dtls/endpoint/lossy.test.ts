// Reliability over a bad link (seeded): 20 % loss; reordering + duplication; both with the cookie exchange.
// 100 handshakes out of 100 must complete; retransmissions are counted and reported.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pair, credential, providers, verifier, type LinkOptions } from './harness.ts';

function batch(name: string, link: Omit<LinkOptions, 'seed'>, n = 100) {
  let ok = 0;
  let settled = 0;
  let retrans = 0;
  let timeouts = 0;
  let acks = 0;
  let maxMs = 0;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const { c, s } = providers('node', `${name}${i}`);
    const p = new Pair(
      { crypto: c, verifier: verifier(c), serverName: 'localhost', groups: i % 2 ? ['secp256r1'] : ['x25519'], mtu: 600 },
      { crypto: s, credential: credential(i % 3 ? 'ecdsa' : 'ed25519'), cookie: { enabled: i % 4 !== 0 }, mtu: 600 },
      { ...link, seed: 1000 + i },
    );
    const done = p.connect(600_000);
    if (done) {
      ok++;
      // the client's final flight must end up acknowledged: no timer left on either side
      p.settle(300_000);
      if (p.client.nextTimeout() === undefined && p.serverConn!.nextTimeout() === undefined && p.client.isConnected) settled++;
    }
    const sc = p.serverConn;
    retrans += p.client.stats.retransmissions + (sc ? sc.stats.retransmissions : 0);
    timeouts += p.client.stats.timeouts + (sc ? sc.stats.timeouts : 0);
    acks += p.client.stats.acksSent + (sc ? sc.stats.acksSent : 0);
    times.push(p.now);
    maxMs = Math.max(maxMs, p.now);
  }
  console.log(`  ${name}: ${ok}/${n} handshakes (${settled} with the final flight acknowledged), retransmitted records ${retrans}, timer expiries ${timeouts}, ACKs sent ${acks}`);
  return { ok, retrans, timeouts, settled };
}

test('20 % random loss: 100/100 handshakes complete, retransmissions > 0', () => {
  const r = batch('loss20', { loss: 0.2, delayMs: 20 });
  assert.is(r.ok, 100);
  assert.is(r.settled, 100);
  assert.ok(r.retrans > 0);
});

test('reordering + duplication: 100/100 handshakes complete', () => {
  const r = batch('reorder', { reorder: 0.3, jitterMs: 40, duplicate: 0.2, delayMs: 10 });
  assert.is(r.ok, 100);
  assert.is(r.settled, 100);
});

test('loss + reordering + duplication together: 100/100', () => {
  const r = batch('mixed', { loss: 0.15, reorder: 0.3, jitterMs: 40, duplicate: 0.1, delayMs: 15 });
  assert.is(r.ok, 100);
  assert.is(r.settled, 100);
  assert.ok(r.retrans > 0);
});

test.run();
