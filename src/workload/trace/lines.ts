// The plain line formats of the SystemC cross-check (validation/systemc/README.md): the model as "key value" lines,
// the operation trace as "J"/op lines, and the SystemC model's output read back as an OpTrace with times. Pure.
import type { HwModel } from '../../hw/index.ts';
import { isCryptoOp, isProtocolOp, type OpTrace, type TraceBlock, type TraceJob, type TraceOp, type TraceOpKind } from './format.ts';

/** Every parameter the SystemC model reads, one "key value" line each (absent blocks: present 0). */
export function modelLines(m: HwModel): string {
  const out: string[] = [];
  const put = (k: string, v: number | boolean) => out.push(`${k} ${typeof v === 'boolean' ? (v ? 1 : 0) : String(v)}`);
  put('port.line_rate_gbps', m.port.line_rate_gbps);
  put('port.mtu', m.port.mtu);
  put('port.ip_version', m.port.ip_version);
  put('port.rx_queue_packets', m.port.rx_queue_packets);
  put('port.tx_queue_packets', m.port.tx_queue_packets);
  put('port.propagation_ns', m.port.propagation_ns);
  put('dma.bandwidth_gbps', m.dma.bandwidth_gbps);
  put('dma.descriptor_latency_ns', m.dma.descriptor_latency_ns);
  put('dma.max_outstanding', m.dma.max_outstanding);
  put('aead.present', m.aead !== undefined);
  if (m.aead) {
    const a = m.aead;
    put('aead.instances', a.instances);
    put('aead.clock_mhz', a.clock_mhz);
    for (const [k, v] of Object.entries(a.cycles_per_block)) put(`aead.cpb.${k}`, v);
    put('aead.chacha_poly_parallel', a.chacha_poly_parallel);
    put('aead.setup_cycles', a.setup_cycles);
    put('aead.mask_setup_cycles', a.mask_setup_cycles);
    put('aead.pipeline_depth', a.pipeline_depth);
    put('aead.aad_bytes', a.aad_bytes);
  }
  put('hash.present', m.hash !== undefined);
  if (m.hash) {
    put('hash.instances', m.hash.instances);
    put('hash.clock_mhz', m.hash.clock_mhz);
    put('hash.cpc.sha256', m.hash.cycles_per_compression.sha256);
    put('hash.cpc.sha384', m.hash.cycles_per_compression.sha384);
    put('hash.op_overhead_cycles', m.hash.op_overhead_cycles);
  }
  put('pke.present', m.pke !== undefined);
  if (m.pke) {
    put('pke.instances', m.pke.instances);
    for (const [k, v] of Object.entries(m.pke.latency_us)) put(`pke.us.${k}`, v);
  }
  const c = m.cpu;
  put('cpu.cores', c.cores);
  put('cpu.clock_ghz', c.clock_ghz);
  put('cpu.cycles_per_handshake_message', c.cycles_per_handshake_message);
  put('cpu.cycles_per_record', c.cycles_per_record);
  put('cpu.invocation_cycles', c.invocation_cycles);
  for (const [k, v] of Object.entries(c.software.aead_cycles_per_byte)) put(`cpu.sw.aead_cpb.${k}`, v);
  put('cpu.sw.aead_setup_cycles', c.software.aead_setup_cycles);
  put('cpu.sw.sn_mask_cycles', c.software.sn_mask_cycles);
  put('cpu.sw.cpc.sha256', c.software.cycles_per_compression.sha256);
  put('cpu.sw.cpc.sha384', c.software.cycles_per_compression.sha384);
  put('cpu.sw.hash_op_cycles', c.software.hash_op_cycles);
  for (const [k, v] of Object.entries(c.software.pke_cycles)) put(`cpu.sw.pke.${k}`, v);
  put('cache.present', m.context_cache !== undefined);
  if (m.context_cache) {
    const cc = m.context_cache;
    put('cache.capacity_connections', cc.capacity_connections);
    put('cache.context_bytes', cc.context_bytes);
    put('cache.hit_ns', cc.hit_ns);
    put('cache.ports', cc.ports);
  }
  return out.join('\n') + '\n';
}

const CODE: Partial<Record<TraceBlock, string>> = { port_rx: 'PRX', port_tx: 'PTX', dma_to_engine: 'DTE', dma_from_engine: 'DFE', ctx_cache: 'CC' };
const PROTO: Record<string, string> = { 'handshake-message': 'PM', 'handshake-record': 'PHR', record: 'PR' };

function opLine(o: TraceOp): string | undefined {
  if (o.block === 'ctx_cache' && o.op === 'remove') return `CR ${o.conn}`;
  const c = CODE[o.block];
  if (c !== undefined) return `${c} ${o.block === 'ctx_cache' ? o.conn : o.bytes}`;
  if (isProtocolOp(o)) return PROTO[o.op];
  if (isCryptoOp(o)) {
    if (/\s/.test(o.alg)) throw new RangeError(`algorithm name with white space: ${JSON.stringify(o.alg)}`);
    return `C ${o.op} ${o.alg} ${o.bytes ?? 0} ${o.out ?? 0} ${o.blocks ?? -1} ${o.aad ?? -1} ${o.key_bits ?? -1}`;
  }
  return undefined; // 'invoke' records (recomputed) and ops the replay ignores
}

/** The trace as "J id parent arrival nops" lines in id order, each followed by its op lines (parent -1: a root job,
 *  or a parent outside the trace). */
export function traceLines(t: OpTrace): string {
  const ids = new Set<number>();
  const out: string[] = [];
  // id (creation) order: parents before children, siblings and simultaneous roots in creation order
  const jobs = [...t.jobs].sort((a, b) => a.id - b.id);
  for (const j of jobs) {
    const ops = j.ops.map(opLine).filter((l): l is string => l !== undefined);
    const parent = j.parent !== undefined && ids.has(j.parent) ? j.parent : -1;
    out.push(`J ${j.id} ${parent} ${j.arrival} ${ops.length}`, ...ops);
    ids.add(j.id);
  }
  return out.join('\n') + '\n';
}

/** Reads the SystemC model's output ("J id arrival n", then "O block op submit start end" or "X block op"). */
export function parseTimesLines(text: string): TraceJob[] {
  const jobs: TraceJob[] = [];
  let cur: TraceJob | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    if (f[0] === 'J') {
      cur = { id: Number(f[1]), kind: 'send', arrival: Number(f[2]), ops: [] };
      jobs.push(cur);
    } else if (cur && (f[0] === 'O' || f[0] === 'X')) {
      const o: TraceOp = { block: f[1] as TraceBlock, op: f[2] as TraceOpKind };
      if (f[0] === 'O') {
        o.submit = Number(f[3]);
        o.start = Number(f[4]);
        o.end = Number(f[5]);
      } else o.dropped = true;
      cur.ops.push(o);
    } else throw new RangeError(`SystemC output: unexpected line ${JSON.stringify(line)}`);
  }
  return jobs;
}
