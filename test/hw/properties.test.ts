// Property tests (fast-check, fixed seeds): framing arithmetic, LRU against a reference model, conservation of
// work on a loaded platform.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Kernel } from '../../src/sim/index.ts';
import { wireBytes, frameCount, maxUdpPayload, LruSet, Platform, aeadOpCycles, type HwCryptoOp } from '../../src/hw/index.ts';
import { loadModel } from './helpers.ts';

const RUN = { seed: 20261122, numRuns: 300 };

test('framing: overhead per frame is fixed, wire bytes grow with payload', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 65000 }), fc.constantFrom(4 as const, 6 as const), fc.integer({ min: 200, max: 9000 }), (n, v, mtu) => {
      const p = { ip_version: v, mtu };
      const frames = frameCount(p, n);
      const w = wireBytes(p, n);
      const ip = v === 4 ? 20 : 40;
      const perFrame = 20 + 14 + 4 + ip + (frames > 1 && v === 6 ? 8 : 0);
      // without minimum-frame padding, wire = payload + UDP 8 + frames x per-frame overhead
      assert.ok(w >= n + 8 + frames * perFrame);
      assert.ok(w <= n + 8 + frames * perFrame + 64);
      assert.ok(wireBytes(p, n + 1) >= w);
      assert.is(frames === 1, n <= maxUdpPayload(p));
    }),
    RUN,
  );
});

test('LRU set behaves like a reference list model', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 6 }), fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 200 }), (cap, seq) => {
      const l = new LruSet(cap);
      const ref: number[] = [];
      for (const id of seq) {
        const i = ref.indexOf(id);
        let expected: number;
        if (i >= 0) {
          ref.splice(i, 1);
          ref.push(id);
          expected = -1;
        } else if (cap === 0) {
          expected = -2;
        } else {
          expected = ref.length >= cap ? ref.shift()! : -2;
          ref.push(id);
        }
        assert.is(l.touch(id), expected);
      }
      assert.equal(l.keys(), ref);
    }),
    RUN,
  );
});

test('LRU set with deletes and ids past its initial arrays (grown on demand) behaves like the reference list model', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 40 }),
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 500 })), { maxLength: 400 }),
      (cap, seq) => {
        const l = new LruSet(cap);
        const ref: number[] = [];
        for (const [del, id] of seq) {
          const i = ref.indexOf(id);
          if (del) {
            assert.is(l.delete(id), i >= 0);
            if (i >= 0) ref.splice(i, 1);
            continue;
          }
          let expected: number;
          if (i >= 0) {
            ref.splice(i, 1);
            ref.push(id);
            expected = -1;
          } else if (cap === 0) {
            expected = -2;
          } else {
            expected = ref.length >= cap ? ref.shift()! : -2;
            ref.push(id);
          }
          assert.is(l.touch(id), expected);
          assert.is(l.size, ref.length);
        }
        assert.equal(l.keys(), ref);
        for (const id of [0, 7, 499, 5000]) assert.is(l.has(id), ref.includes(id));
      },
    ),
    RUN,
  );
});

test('loaded platform: every op completes once, AEAD busy time = sum of occupancies, deterministic', () => {
  const model = loadModel('baseline', ['cpu.invocation_cycles=500']);
  const opArb = fc.record({
    kind: fc.constantFrom('seal', 'open', 'mask', 'hkdf', 'kx'),
    size: fc.integer({ min: 1, max: 16384 }),
    alg: fc.constantFrom('AES-128-GCM', 'AES-256-GCM', 'CHACHA20-POLY1305', 'AES-128-CCM'),
    at: fc.integer({ min: 0, max: 50_000_000 }),
  });
  const toOp = (o: { kind: string; size: number; alg: string }): HwCryptoOp =>
    o.kind === 'seal'
      ? { op: 'aead-seal', alg: o.alg, inputBytes: o.size, outputBytes: o.size + 16, aadBytes: 5 }
      : o.kind === 'open'
        ? { op: 'aead-open', alg: o.alg, inputBytes: o.size + 16, outputBytes: o.size, aadBytes: 5 }
        : o.kind === 'mask'
          ? { op: 'sn-mask', alg: 'AES-128-ECB', inputBytes: 16, outputBytes: 16, blocks: 1 }
          : o.kind === 'hkdf'
            ? { op: 'hkdf-expand', alg: 'HKDF-SHA-256', inputBytes: 20, outputBytes: 32 }
            : { op: 'kx-derive', alg: 'X25519', inputBytes: 32, outputBytes: 32 };
  const simulate = (ops: { kind: string; size: number; alg: string; at: number }[]) => {
    const k = new Kernel();
    const hw = new Platform(k, model);
    const finished: number[] = [];
    ops.forEach((o, i) => k.at(o.at, () => hw.serve(toOp(o), () => finished.push(i * 1e9 + k.now))));
    k.run();
    return { hw, finished, end: k.now };
  };
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
      const { hw, finished, end } = simulate(ops);
      assert.is(finished.length, ops.length);
      const aeadOps = ops.map(toOp).filter((o) => o.op.startsWith('aead') || o.op === 'sn-mask');
      const busyPs = aeadOps.reduce((a, o) => a + hw.aead!.occupancyPs(o), 0);
      const s = hw.aead!.stats(end);
      assert.is(s.served, aeadOps.length);
      assert.ok(Math.abs(s.busy_s - busyPs / 1e12) <= 1e-15 + 1e-9 * s.busy_s, `${s.busy_s} vs ${busyPs / 1e12}`);
      assert.equal(simulate(ops).finished, finished);
      // cycles never decrease with payload
      for (const o of aeadOps) {
        if (o.op === 'sn-mask') continue;
        assert.ok(aeadOpCycles(model.aead!, { ...o, inputBytes: o.inputBytes + 1 }) >= aeadOpCycles(model.aead!, o));
      }
    }),
    { seed: RUN.seed, numRuns: 60 },
  );
});

test.run();
