// SystemC 2.3 model of the DTLS offload accelerator's blocks (network port, record DMA, connection-context cache,
// host CPU, AEAD engine, HKDF/SHA unit, public-key engine), replaying an operation trace. An independent C++
// re-implementation of the timing formulas of src/hw and of the job disciplines of src/workload/replay.ts, used by
// `npm run validate -- systemc` to cross-check the project's replay operation by operation.
//
//   model MODEL.txt TRACE.txt > TIMES.txt        (formats: validation/systemc/README.md)
//
// Time: sc_set_time_resolution(1, SC_PS); every time is an integer number of picoseconds.
// Simultaneous events: IEEE 1666 leaves the order of processes made runnable in the same evaluation phase
// unspecified, while the model's results depend on it (which of two requests arriving at the same picosecond is
// served first). The project's kernel runs simultaneous events in the order they were scheduled (FIFO). This model
// therefore keeps its timed notifications in one ordered queue (time, then scheduling order) drained by a single
// SC_THREAD that advances SystemC time with wait(); every block is an sc_module whose servers are driven from it.
#include <systemc>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <iostream>
#include <list>
#include <map>
#include <queue>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

using namespace sc_core;
typedef uint64_t ps_t;
typedef std::function<void(ps_t wait, ps_t start)> Done;

static void die(const std::string& m) {
  std::cerr << "systemc model: " << m << "\n";
  std::exit(2);
}

// ---------------------------------------------------------------------------------------------------------------
// Ordered timed notifications (time, scheduling order), drained by one SC_THREAD.
struct Scheduler : sc_module {
  struct Ev {
    ps_t t;
    uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Ev& a, const Ev& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
  };
  std::priority_queue<Ev, std::vector<Ev>, Later> q;
  uint64_t seq = 0;
  uint64_t executed = 0;
  SC_HAS_PROCESS(Scheduler);
  explicit Scheduler(sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  ps_t now() const { return sc_time_stamp().value(); }
  void at(ps_t t, std::function<void()> fn) { q.push(Ev{t, seq++, std::move(fn)}); }
  void after(ps_t dt, std::function<void()> fn) { at(now() + dt, std::move(fn)); }
  void run() {
    while (!q.empty()) {
      Ev e = q.top();
      q.pop();
      ps_t n = now();
      if (e.t > n) wait(sc_time(static_cast<double>(e.t - n), SC_PS));
      if (sc_time_stamp().value() != e.t) die("time resolution lost");
      executed++;
      e.fn();
    }
  }
};
static Scheduler* S = nullptr;

// ---------------------------------------------------------------------------------------------------------------
// N identical servers, FIFO or priority (lower first, FIFO among equals), optional bounded queue with tail drop.
// A server freed at the end of a service starts the next waiting request before the finished one's continuation.
struct Server {
  std::string name;
  int cap;
  bool priority;
  size_t qlimit;
  int busy = 0;
  uint64_t seq = 0;
  struct Entry {
    bool acq;
    ps_t service;
    ps_t arrival;
    double prio;
    uint64_t seq;
    Done done;
    std::function<void(ps_t)> grant;
  };
  struct After {
    bool operator()(const Entry& a, const Entry& b) const { return a.prio != b.prio ? a.prio > b.prio : a.seq > b.seq; }
  };
  std::priority_queue<Entry, std::vector<Entry>, After> pq;
  std::deque<Entry> fq;
  Server(std::string n, int c, bool prio, size_t ql = SIZE_MAX) : name(std::move(n)), cap(c), priority(prio), qlimit(ql) {}
  size_t qlen() const { return priority ? pq.size() : fq.size(); }

  bool use(ps_t service, Done done, double prio = 0) {
    ps_t now = S->now();
    if (busy < cap) {
      startUse(service, std::move(done), now, now);
      return true;
    }
    return enqueue(Entry{false, service, now, prio, 0, std::move(done), nullptr});
  }
  bool acquire(std::function<void(ps_t)> grant) {
    ps_t now = S->now();
    if (busy < cap) {
      busy++;
      grant(0);
      return true;
    }
    return enqueue(Entry{true, 0, now, 0, 0, nullptr, std::move(grant)});
  }
  void release() {
    busy--;
    if (qlen() > 0) startNext();
  }

 private:
  bool enqueue(Entry e) {
    if (qlen() >= qlimit) return false;
    e.seq = seq++;
    if (priority) pq.push(std::move(e));
    else fq.push_back(std::move(e));
    return true;
  }
  void startUse(ps_t service, Done done, ps_t arrival, ps_t now) {
    busy++;
    S->after(service, [this, done = std::move(done), arrival, now]() {
      busy--;
      if (qlen() > 0) startNext();
      if (done) done(now - arrival, now);
    });
  }
  void startNext() {
    Entry e;
    if (priority) {
      e = pq.top();
      pq.pop();
    } else {
      e = std::move(fq.front());
      fq.pop_front();
    }
    ps_t now = S->now();
    if (!e.acq) startUse(e.service, std::move(e.done), e.arrival, now);
    else {
      busy++;
      e.grant(now - e.arrival);
    }
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Parameters (model file: "key value" lines).
struct Params {
  std::map<std::string, double> v;
  double operator()(const std::string& k) const {
    auto it = v.find(k);
    if (it == v.end()) die("model file lacks " + k);
    return it->second;
  }
  bool has(const std::string& k) const { return v.count(k) > 0; }
};

static ps_t cyclesToPs(uint64_t n, uint64_t hz) {
  unsigned __int128 x = (unsigned __int128)n * 1000000000000ULL;
  return (ps_t)((x + hz - 1) / hz);
}
static ps_t nsToPs(double ns) { return (ps_t)std::floor(ns * 1000 + 0.5); }
static ps_t usToPs(double us) { return (ps_t)std::floor(us * 1e6 + 0.5); }
static uint64_t hzOfMhz(double mhz) { return std::max<uint64_t>(1, (uint64_t)std::floor(mhz * 1e6 + 0.5)); }
static std::string upper(std::string s) {
  for (auto& c : s) c = (char)std::toupper((unsigned char)c);
  return s;
}
static std::string lower(std::string s) {
  for (auto& c : s) c = (char)std::tolower((unsigned char)c);
  return s;
}
static bool has(const std::string& s, const char* x) { return s.find(x) != std::string::npos; }

struct CryptoOp {
  std::string op, alg;
  long bytes, out, blocks, aad, keyBits;  // blocks/aad/keyBits: -1 = absent (keyBits: RSA modulus length)
};

static bool hashFamily(const std::string& op) { return op == "hash" || op == "hmac" || op == "hkdf-extract" || op == "hkdf-expand"; }

// FIPS 180-4 padding estimate of compression calls (used when the trace gives none)
static long estimateHashBlocks(const CryptoOp& o) {
  if (o.blocks >= 0) return o.blocks;
  bool s384 = has(o.alg, "384");
  long B = s384 ? 128 : 64, P = s384 ? 17 : 9, OUT = s384 ? 48 : 32;
  auto one = [&](long len) { return (len + P + B - 1) / B; };
  auto hmac = [&](long len) { return one(B + len) + one(B + OUT); };
  if (o.op == "hash") return one(o.bytes);
  if (o.op == "hmac" || o.op == "hkdf-extract") return hmac(o.bytes);
  if (o.op == "hkdf-expand") {
    long n = (o.out + OUT - 1) / OUT, t = 0;
    for (long i = 1; i <= n; i++) t += hmac((i > 1 ? OUT : 0) + o.bytes + 1);
    return t;
  }
  return 0;
}

static std::string aeadClass(const std::string& alg) {
  std::string a = upper(alg);
  if (has(a, "CHACHA")) return "chacha20_poly1305";
  if (has(a, "CCM")) return "aes_128_ccm";
  if (has(a, "256")) return "aes_256_gcm";
  return "aes_128_gcm";
}

static std::string pkeClass(const CryptoOp& o) {
  if (o.keyBits >= 0 && (o.op == "sign" || o.op == "verify")) {
    // RSA: the smallest modelled modulus that holds it; larger ones are not modelled
    long size = o.keyBits <= 2048 ? 2048 : o.keyBits <= 3072 ? 3072 : o.keyBits <= 4096 ? 4096 : 0;
    return size ? "rsa" + std::to_string(size) + "_" + o.op : "";
  }
  std::string a = lower(o.alg);
  bool x = has(a, "25519") && !has(a, "ed25519"), ed = has(a, "ed25519");
  bool p256 = has(a, "256") && (has(a, "p-256") || has(a, "p256") || has(a, "secp256r1") || has(a, "prime256"));
  if (o.op == "kx-keygen") return x ? "x25519_keygen" : p256 ? "p256_keygen" : "";
  if (o.op == "kx-derive") return x ? "x25519_derive" : p256 ? "p256_derive" : "";
  if (o.op == "sign") return ed ? "ed25519_sign" : (p256 || has(a, "ecdsa")) ? "ecdsa_p256_sign" : "";
  if (o.op == "verify") return ed ? "ed25519_verify" : (p256 || has(a, "ecdsa")) ? "ecdsa_p256_verify" : "";
  return "";
}

static long aeadPayload(const CryptoOp& o) { return o.op == "aead-seal" ? o.bytes : std::max(0L, o.bytes - 16); }

// ---------------------------------------------------------------------------------------------------------------
// Blocks.
struct Port : sc_module {
  double rate;
  long mtu;
  int ipv;
  ps_t prop;
  Server rx, tx;
  Port(sc_module_name n, const Params& p)
      : sc_module(n), rate(p("port.line_rate_gbps")), mtu((long)p("port.mtu")), ipv((int)p("port.ip_version")),
        prop(nsToPs(p("port.propagation_ns"))), rx("port_rx", 1, false, (size_t)p("port.rx_queue_packets")),
        tx("port_tx", 1, false, (size_t)p("port.tx_queue_packets")) {}
  static long frameWire(long l3) { return std::max(64L, 14 + l3 + 4) + 20; }
  long wire(long payload) const {
    long ip = ipv == 6 ? 40 : 20, l4 = payload + 8;
    if (ip + l4 <= mtu) return frameWire(ip + l4);
    long fh = ip + (ipv == 6 ? 8 : 0);
    long f = (mtu - fh) / 8 * 8;
    long n = (l4 + f - 1) / f;
    long last = l4 - (n - 1) * f;
    return (n - 1) * frameWire(fh + f) + frameWire(fh + last);
  }
  ps_t ser(long payload) const { return (ps_t)std::ceil((double)(wire(payload) * 8 * 1000) / rate); }
  bool receive(long bytes, Done d) { return rx.use(ser(bytes), std::move(d)); }
  bool transmit(long bytes, Done d) {
    if (prop == 0) return tx.use(ser(bytes), std::move(d));
    ps_t pr = prop;
    return tx.use(ser(bytes), [pr, d = std::move(d)](ps_t w, ps_t s) { S->after(pr, [d, w, s]() { d(w, s); }); });
  }
};

struct Dma : sc_module {
  double bw;
  ps_t lat;
  Server slots, to, from;
  Dma(sc_module_name n, const Params& p)
      : sc_module(n), bw(p("dma.bandwidth_gbps")), lat(nsToPs(p("dma.descriptor_latency_ns"))),
        slots("dma_slots", (int)p("dma.max_outstanding"), false), to("dma_to_engine", 1, false), from("dma_from_engine", 1, false) {}
  ps_t link(long bytes) const { return (ps_t)std::ceil((double)(bytes * 8 * 1000) / bw); }
  void transfer(long bytes, bool toEngine, Done d) {
    Server* l = toEngine ? &to : &from;
    slots.acquire([this, l, bytes, d](ps_t w0) {
      l->use(link(bytes), [this, w0, d](ps_t w1, ps_t s) {
        S->after(lat, [this, w0, w1, s, d]() {
          slots.release();
          if (d) d(w0 + w1, s);
        });
      });
    });
  }
};

struct ContextCache : sc_module {
  size_t capacity;
  long ctxBytes;
  ps_t hit;
  Server ports;
  Dma* dma;
  std::list<long> lru;  // front = least recently used
  std::unordered_map<long, std::list<long>::iterator> where;
  ContextCache(sc_module_name n, const Params& p, Dma* d)
      : sc_module(n), capacity((size_t)p("cache.capacity_connections")), ctxBytes((long)p("cache.context_bytes")),
        hit(nsToPs(p("cache.hit_ns"))), ports("ctx_cache", (int)p("cache.ports"), false), dma(d) {}
  // -1 hit, else evicted id or -2
  long touch(long id) {
    auto it = where.find(id);
    if (it != where.end()) {
      lru.erase(it->second);
      lru.push_back(id);
      where[id] = std::prev(lru.end());
      return -1;
    }
    if (capacity == 0) return -2;
    long ev = -2;
    if (lru.size() >= capacity) {
      ev = lru.front();
      lru.pop_front();
      where.erase(ev);
    }
    lru.push_back(id);
    where[id] = std::prev(lru.end());
    return ev;
  }
  void remove(long conn) {
    auto it = where.find(conn);
    if (it == where.end()) return;
    lru.erase(it->second);
    where.erase(it);
  }
  // A context's fetch in flight: a hit on it whose lookup ends before the fetch waits for the fetch.
  struct Fill {
    bool arrived = false;
    std::vector<std::function<void()>> waiters;
  };
  std::unordered_map<long, std::shared_ptr<Fill>> filling;
  void access(long conn, Done d) {
    long r = touch(conn);
    if (r == -1) {
      auto it = filling.find(conn);
      if (it == filling.end()) {
        ports.use(hit, std::move(d));
        return;
      }
      std::shared_ptr<Fill> f = it->second;
      ports.use(hit, [this, f, d](ps_t w, ps_t s) {
        if (f->arrived) {
          d(w, s);
          return;
        }
        ps_t lookupEnd = S->now();
        f->waiters.push_back([this, d, w, lookupEnd]() { d(w + (S->now() - lookupEnd), lookupEnd - hit); });
      });
      return;
    }
    if (r >= 0) dma->transfer(ctxBytes, false, nullptr);
    auto f = std::make_shared<Fill>();
    filling[conn] = f;
    ports.use(hit, [this, d, f, conn](ps_t w, ps_t) {
      dma->transfer(ctxBytes, true, [this, w, d, f, conn](ps_t w2, ps_t s2) {
        f->arrived = true;
        auto it = filling.find(conn);
        if (it != filling.end() && it->second == f) filling.erase(it);
        d(w + w2, s2);  // the access that missed first, then the hits that waited for its context
        for (auto& fn : f->waiters) fn();
        f->waiters.clear();
      });
    });
  }
};

struct Cpu : sc_module {
  const Params& p;
  uint64_t hz;
  ps_t msg, rec, inv;
  double defaultAad;
  Server cores;
  Cpu(sc_module_name n, const Params& pp, double aad)
      : sc_module(n), p(pp), hz(std::max<uint64_t>(1, (uint64_t)std::floor(pp("cpu.clock_ghz") * 1e9 + 0.5))),
        msg(cyclesToPs((uint64_t)std::ceil(pp("cpu.cycles_per_handshake_message")), hz)),
        rec(cyclesToPs((uint64_t)std::ceil(pp("cpu.cycles_per_record")), hz)),
        inv(cyclesToPs((uint64_t)std::ceil(pp("cpu.invocation_cycles")), hz)), defaultAad(aad),
        cores("cpu", (int)pp("cpu.cores"), true) {}
  long softwareCycles(const CryptoOp& o) const {
    if (o.op == "aead-seal" || o.op == "aead-open")
      return (long)std::ceil(p("cpu.sw.aead_setup_cycles") + (double)(aeadPayload(o) + (o.aad >= 0 ? o.aad : defaultAad)) * p("cpu.sw.aead_cpb." + aeadClass(o.alg)));
    if (o.op == "sn-mask") return (long)std::ceil(p("cpu.sw.sn_mask_cycles"));
    if (hashFamily(o.op))
      return (long)std::ceil(p("cpu.sw.hash_op_cycles") + (double)estimateHashBlocks(o) * p(std::string("cpu.sw.cpc.") + (has(o.alg, "384") ? "sha384" : "sha256")));
    std::string w = pkeClass(o);
    if (w.empty()) die("cpu: unsupported asymmetric operation " + o.op + " " + o.alg);
    return (long)std::ceil(p("cpu.sw.pke." + w));
  }
};

struct Aead : sc_module {
  const Params& p;
  uint64_t hz;
  ps_t drain;
  Server engines;
  Aead(sc_module_name n, const Params& pp)
      : sc_module(n), p(pp), hz(hzOfMhz(pp("aead.clock_mhz"))),
        drain(cyclesToPs((uint64_t)pp("aead.pipeline_depth") - 1, hz)), engines("aead", (int)pp("aead.instances"), true) {}
  long cycles(const CryptoOp& o) const {
    auto c = [&](const char* k) { return p(std::string("aead.cpb.") + k); };
    if (o.op == "sn-mask") {
      std::string a = upper(o.alg);
      double b = has(a, "CHACHA") ? c("chacha20") : has(a, "256") ? c("aes_256_gcm") : c("aes_128_gcm");
      return (long)std::ceil(p("aead.mask_setup_cycles") + b);
    }
    double A = o.aad >= 0 ? o.aad : p("aead.aad_bytes");
    double P = (double)aeadPayload(o);
    double ab = std::ceil(A / 16), pb = std::ceil(P / 16), S0 = p("aead.setup_cycles");
    std::string k = aeadClass(o.alg);
    double r;
    if (k == "aes_128_gcm") r = S0 + (ab + pb + 1) * c("aes_128_gcm");
    else if (k == "aes_256_gcm") r = S0 + (ab + pb + 1) * c("aes_256_gcm");
    else if (k == "aes_128_ccm") r = S0 + pb * c("aes_128_ccm") + std::ceil((1 + std::ceil((A + 2) / 16)) * c("aes_128_ccm") / 2);
    else {
      double chacha = std::ceil(P / 64) * c("chacha20"), poly = (ab + pb + 1) * c("poly1305");
      r = S0 + c("chacha20") + (p("aead.chacha_poly_parallel") != 0 ? std::max(chacha, poly) : chacha + poly);
    }
    return (long)std::ceil(r);
  }
  void serve(const CryptoOp& o, Done d, double prio) {
    ps_t occ = cyclesToPs((uint64_t)cycles(o), hz);
    if (drain == 0) {
      engines.use(occ, std::move(d), prio);
      return;
    }
    ps_t dr = drain;
    engines.use(occ, [dr, d = std::move(d)](ps_t w, ps_t s) { S->after(dr, [d, w, s]() { d(w, s); }); }, prio);
  }
};

struct Hash : sc_module {
  const Params& p;
  uint64_t hz;
  Server units;
  Hash(sc_module_name n, const Params& pp) : sc_module(n), p(pp), hz(hzOfMhz(pp("hash.clock_mhz"))), units("hash", (int)pp("hash.instances"), true) {}
  long cycles(const CryptoOp& o) const {
    long b = estimateHashBlocks(o);
    if (b == 0) return 0;
    return (long)std::ceil(p("hash.op_overhead_cycles") + (double)b * p(std::string("hash.cpc.") + (has(o.alg, "384") ? "sha384" : "sha256")));
  }
  void serve(const CryptoOp& o, Done d, double prio) { units.use(cyclesToPs((uint64_t)cycles(o), hz), std::move(d), prio); }
};

struct Pke : sc_module {
  const Params& p;
  Server engines;
  Pke(sc_module_name n, const Params& pp) : sc_module(n), p(pp), engines("pke", (int)pp("pke.instances"), true) {}
  void serve(const CryptoOp& o, Done d, double prio) {
    std::string w = pkeClass(o);
    if (w.empty()) die("pke: unsupported operation " + o.op + " " + o.alg);
    engines.use(usToPs(p("pke.us." + w)), std::move(d), prio);
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Trace and replay.
struct Op {
  std::string code;  // PRX PTX DTE DFE CC CR PM PHR PR C
  long a = 0;        // bytes or conn
  CryptoOp c;
};
struct OutOp {
  std::string block, op;
  ps_t submit = 0, start = 0, end = 0;
  bool dropped = false;
};
struct Job {
  long id, parent;
  ps_t arrival;
  std::vector<Op> ops;
  size_t i = 0;
  long depth = 0;
  bool invoked = false, started = false;
  ps_t outArrival = 0;
  std::vector<OutOp> out;
  std::vector<Job*> children;
};

struct Accelerator : sc_module {
  const Params& p;
  Port port;
  Dma dma;
  Cpu cpu;
  Aead* aead = nullptr;
  Hash* hash = nullptr;
  Pke* pke = nullptr;
  ContextCache* cache = nullptr;
  bool invokeOn;
  uint64_t opsServed = 0;
  long dropped = 0, orphaned = 0;
  Accelerator(sc_module_name n, const Params& pp)
      : sc_module(n), p(pp), port("port", pp), dma("dma", pp),
        cpu("cpu", pp, pp("aead.present") != 0 ? pp("aead.aad_bytes") : 5.0), invokeOn(pp("cpu.invocation_cycles") > 0) {
    if (pp("aead.present") != 0 && pp("aead.instances") > 0) aead = new Aead("aead", pp);
    if (pp("hash.present") != 0 && pp("hash.instances") > 0) hash = new Hash("hash", pp);
    if (pp("pke.present") != 0 && pp("pke.instances") > 0) pke = new Pke("pke", pp);
    if (pp("cache.present") != 0 && aead) cache = new ContextCache("ctx_cache", pp, &dma);
  }
  std::string route(const CryptoOp& o) const {
    if (o.op == "aead-seal" || o.op == "aead-open" || o.op == "sn-mask") return aead ? "aead" : "cpu";
    if (hashFamily(o.op)) return hash ? "hash" : "cpu";
    return pke ? "pke" : "cpu";
  }
  bool needsInvocation(const CryptoOp& o) const {
    std::string r = route(o);
    return invokeOn && r != "cpu" && !(r == "hash" && estimateHashBlocks(o) == 0);
  }
  void serve(const CryptoOp& o, Done d, double prio) {
    std::string r = route(o);
    if (r == "cpu") cpu.cores.use(cyclesToPs((uint64_t)cpu.softwareCycles(o), cpu.hz), std::move(d), prio);
    else if (r == "aead") aead->serve(o, std::move(d), prio);
    else if (r == "hash") hash->serve(o, std::move(d), prio);
    else pke->serve(o, std::move(d), prio);
  }

  OutOp& rec(Job* j, const std::string& block, const std::string& op) {
    j->out.push_back(OutOp{block, op, S->now(), 0, 0, false});
    return j->out.back();
  }
  Done next(Job* j) {
    size_t k = j->out.size() - 1;
    return [this, j, k](ps_t, ps_t s) {
      j->out[k].start = s;
      j->out[k].end = S->now();
      opsServed++;
      j->depth++;
      step(j);
    };
  }
  void drop(Job* j) {
    j->out.back().dropped = true;
    dropped++;
    for (Job* c : j->children) orphan(c);
  }
  void orphan(Job* j) {
    orphaned++;
    for (Job* c : j->children) orphan(c);
  }
  void begin(Job* j) {
    j->started = true;
    j->outArrival = S->now();
    step(j);
  }
  void step(Job* j) {
    while (j->i < j->ops.size()) {
      Op& op = j->ops[j->i++];
      double prio = 0.0 - (double)j->depth;
      if (op.code == "PRX") {
        rec(j, "port_rx", "datagram");
        if (!port.receive(op.a, next(j))) drop(j);
        return;
      }
      if (op.code == "PTX") {
        rec(j, "port_tx", "datagram");
        if (!port.transmit(op.a, next(j))) drop(j);
        return;
      }
      if (op.code == "DTE" || op.code == "DFE") {
        bool to = op.code == "DTE";
        rec(j, to ? "dma_to_engine" : "dma_from_engine", "transfer");
        dma.transfer(op.a, to, next(j));
        return;
      }
      if (op.code == "CC") {
        if (!cache) continue;
        rec(j, "ctx_cache", "access");
        cache->access(op.a, next(j));
        return;
      }
      if (op.code == "CR") {
        if (cache) cache->remove(op.a);
        continue;
      }
      if (op.code == "PM" || op.code == "PHR" || op.code == "PR") {
        rec(j, "cpu", op.code == "PM" ? "handshake-message" : op.code == "PHR" ? "handshake-record" : "record");
        cpu.cores.use(op.code == "PM" ? cpu.msg : cpu.rec, next(j), prio);
        return;
      }
      if (op.code != "C") die("unknown op code " + op.code);
      const CryptoOp& c = op.c;
      if (hashFamily(c.op) && c.blocks == 0) continue;
      std::string r = route(c);
      if (!j->invoked && needsInvocation(c)) {
        j->invoked = true;
        size_t ki = j->out.size();
        rec(j, "cpu", "invoke");
        rec(j, r, c.op);
        const CryptoOp* cp = &c;
        cpu.cores.use(cpu.inv, [this, j, ki, cp, prio](ps_t, ps_t s) {
          j->out[ki].start = s;
          j->out[ki].end = S->now();
          opsServed++;
          j->out[ki + 1].submit = S->now();
          serve(*cp, next(j), prio);
        }, prio);
        return;
      }
      rec(j, r, c.op);
      serve(c, next(j), prio);
      return;
    }
    for (Job* c : j->children) begin(c);
  }
};

static void readModel(const char* path, Params& p) {
  std::ifstream f(path);
  if (!f) die(std::string("cannot read ") + path);
  std::string k;
  double v;
  while (f >> k >> v) p.v[k] = v;
}

static void readTrace(const char* path, std::vector<Job*>& jobs) {
  std::ifstream f(path);
  if (!f) die(std::string("cannot read ") + path);
  std::string line;
  std::unordered_map<long, Job*> byId;
  Job* cur = nullptr;
  long lineNo = 0;
  while (std::getline(f, line)) {
    lineNo++;
    if (line.empty()) continue;
    std::istringstream s(line);
    std::string code;
    s >> code;
    if (code == "J") {
      long id, parent;
      unsigned long long arr;
      size_t n;
      if (!(s >> id >> parent >> arr >> n)) die("bad job line " + std::to_string(lineNo));
      cur = new Job{id, parent, (ps_t)arr, {}};
      cur->ops.reserve(n);
      auto it = parent >= 0 ? byId.find(parent) : byId.end();
      if (it != byId.end()) it->second->children.push_back(cur);
      else cur->parent = -1;
      byId[id] = cur;
      jobs.push_back(cur);
      continue;
    }
    if (!cur) die("op before the first job line");
    Op op;
    op.code = code;
    if (code == "C") {
      if (!(s >> op.c.op >> op.c.alg >> op.c.bytes >> op.c.out >> op.c.blocks >> op.c.aad >> op.c.keyBits)) die("bad crypto line " + std::to_string(lineNo));
    } else if (code == "PRX" || code == "PTX" || code == "DTE" || code == "DFE" || code == "CC" || code == "CR") {
      if (!(s >> op.a)) die("bad line " + std::to_string(lineNo));
    }
    cur->ops.push_back(op);
  }
}

int sc_main(int argc, char* argv[]) {
  if (argc < 3) die("usage: model MODEL.txt TRACE.txt");
  sc_set_time_resolution(1, SC_PS);
  Params p;
  readModel(argv[1], p);
  std::vector<Job*> jobs;
  readTrace(argv[2], jobs);
  Scheduler sched("scheduler");
  S = &sched;
  Accelerator acc("accelerator", p);
  std::vector<Job*> roots;
  for (Job* j : jobs)
    if (j->parent < 0) roots.push_back(j);
  std::stable_sort(roots.begin(), roots.end(), [](Job* a, Job* b) { return a->arrival < b->arrival; });
  for (Job* j : roots) sched.at(j->arrival, [&acc, j]() { acc.begin(j); });
  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  sc_start();
  double cpu = (double)(std::clock() - c0) / CLOCKS_PER_SEC;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string buf;
  buf.reserve(1 << 20);
  for (Job* j : jobs) {
    if (!j->started) continue;
    buf += "J " + std::to_string(j->id) + " " + std::to_string(j->outArrival) + " " + std::to_string(j->out.size()) + "\n";
    for (auto& o : j->out) {
      if (o.dropped) buf += "X " + o.block + " " + o.op + "\n";
      else buf += "O " + o.block + " " + o.op + " " + std::to_string(o.submit) + " " + std::to_string(o.start) + " " + std::to_string(o.end) + "\n";
    }
    if (buf.size() > (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), stdout);
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), stdout);
  std::fprintf(stderr, "wall_s %.6f cpu_s %.6f events %llu ops %llu dropped %ld orphaned %ld end_ps %llu\n", wall, cpu, (unsigned long long)sched.executed,
               (unsigned long long)acc.opsServed, acc.dropped, acc.orphaned, (unsigned long long)sc_time_stamp().value());
  return 0;
}
