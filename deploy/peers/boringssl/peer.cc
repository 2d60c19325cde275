// bssl-dtls-peer: a small DTLS 1.3 client / server over UDP on BoringSSL's DTLS_method(), the project's own interop
// peer (BoringSSL ships no DTLS command-line tool). Built by .ci/boringssl.sh; see docs/interop.md "BoringSSL".
//
//   bssl-dtls-peer --server --port N --cert CHAIN.pem --key KEY.pem [options]
//   bssl-dtls-peer --client --port N [--host 127.0.0.1] [--ca CA.pem --server-name NAME] [options]
// options:
//   --groups LIST      SSL_CTX_set1_groups_list, e.g. X25519MLKEM768:X25519:P-256 (default: BoringSSL's defaults)
//   --cipher aes|chacha  TLS 1.3 suites cannot be listed in BoringSSL; "chacha" declares no AES hardware (ChaCha20
//                      first in a ClientHello, preferred by a server), "aes" prefers AES-GCM
//                      (ssl_compliance_policy_cnsa_202407: AES-256-GCM over AES-128-GCM over ChaCha20)
//   --keyupdate        client: KeyUpdate(update_requested) before the message; server: before the echo
//   --message TEXT     client: send TEXT and wait for the echo (default "hello boringssl")
//   --mtu N            SSL_set_mtu
//   --keylog FILE      append NSS key-log lines
//   --count N          server: connections to serve one after the other (default 1)
//   --timeout-ms N     give up after N ms per connection (default 8000)
//   --cookie on|off    accepted for symmetry with our demo server; BoringSSL's DTLS 1.3 server has no cookie
//                      HelloRetryRequest, so "on" is refused with exit 2
// stdout lines: "listening port=N", "connected version=.. cipher=.. group=.. hrr=yes|no", "received: TEXT",
// "reply: TEXT", "keyupdate sent", "closed"; errors on stderr, exit 1 (2 = usage).
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <string>

namespace {

struct Options {
  bool server = false, client = false, keyupdate = false;
  std::string host = "127.0.0.1", cert, key, ca, server_name, groups, cipher, keylog, cookie = "off";
  std::string message = "hello boringssl";
  int port = 0, mtu = 0, count = 1, timeout_ms = 8000;
};

FILE *g_keylog = nullptr;

void keylog_cb(const SSL *, const char *line) {
  if (g_keylog) {
    fprintf(g_keylog, "%s\n", line);
    fflush(g_keylog);
  }
}

long now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void fail(const char *what) {
  fprintf(stderr, "error: %s\n", what);
  ERR_print_errors_fp(stderr);
}

// Waits for the socket to become readable, handling DTLS retransmission timers. Returns false at the deadline.
bool wait_readable(SSL *ssl, int fd, long deadline) {
  for (;;) {
    long left = deadline - now_ms();
    if (left <= 0) return false;
    struct timeval tv;
    long wait = left;
    bool timer = DTLSv1_get_timeout(ssl, &tv) == 1;
    if (timer) {
      long t = tv.tv_sec * 1000L + (tv.tv_usec + 999) / 1000;
      if (t < wait) wait = t;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, (int)wait);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
    if (n == 0 && timer) DTLSv1_handle_timeout(ssl);
  }
}

// Runs `op` (handshake, read or write) until it completes. Returns its result (> 0, 0 = clean close) or -1.
template <typename F>
int drive(SSL *ssl, int fd, long deadline, const char *what, F op) {
  for (;;) {
    int r = op();
    if (r > 0) return r;
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    if (e == SSL_ERROR_WANT_READ) {
      if (!wait_readable(ssl, fd, deadline)) {
        fprintf(stderr, "error: timeout in %s\n", what);
        return -1;
      }
      continue;
    }
    if (e == SSL_ERROR_WANT_WRITE) continue;
    fprintf(stderr, "error: %s failed (SSL_get_error %d, errno %d %s)\n", what, e, errno, strerror(errno));
    ERR_print_errors_fp(stderr);
    return -1;
  }
}

void print_connected(SSL *ssl) {
  const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
  const char *g = SSL_get_group_name(SSL_get_group_id(ssl));
  printf("connected version=%s cipher=%s group=%s hrr=%s\n", SSL_get_version(ssl),
         c ? SSL_CIPHER_standard_name(c) : "?", g ? g : "?", SSL_used_hello_retry_request(ssl) ? "yes" : "no");
  fflush(stdout);
}

bssl::UniquePtr<SSL_CTX> make_ctx(const Options &o) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(DTLS_method()));
  if (!ctx || !SSL_CTX_set_min_proto_version(ctx.get(), DTLS1_3_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx.get(), DTLS1_3_VERSION)) {
    fail("SSL_CTX_new / DTLS 1.3");
    return nullptr;
  }
  if (!o.groups.empty() && !SSL_CTX_set1_groups_list(ctx.get(), o.groups.c_str())) {
    fail("--groups");
    return nullptr;
  }
  if (o.cipher == "chacha") {
    bssl::SSL_CTX_set_aes_hw_override_for_testing(ctx.get(), 0);
  } else if (o.cipher == "aes") {
    bssl::SSL_CTX_set_aes_hw_override_for_testing(ctx.get(), 1);
    if (!SSL_CTX_set_compliance_policy(ctx.get(), ssl_compliance_policy_cnsa_202407)) {
      fail("--cipher aes");
      return nullptr;
    }
  }
  if (!o.cert.empty() && (!SSL_CTX_use_certificate_chain_file(ctx.get(), o.cert.c_str()) ||
                          !SSL_CTX_use_PrivateKey_file(ctx.get(), o.key.c_str(), SSL_FILETYPE_PEM))) {
    fail("--cert / --key");
    return nullptr;
  }
  if (!o.ca.empty()) {
    if (!SSL_CTX_load_verify_locations(ctx.get(), o.ca.c_str(), nullptr)) {
      fail("--ca");
      return nullptr;
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  if (g_keylog) SSL_CTX_set_keylog_callback(ctx.get(), keylog_cb);
  return ctx;
}

int udp_socket() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

bssl::UniquePtr<SSL> make_ssl(SSL_CTX *ctx, const Options &o, int fd) {
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx));
  if (!ssl) return nullptr;
  BIO *bio = BIO_new_socket(fd, BIO_NOCLOSE);  // connected UDP socket: one datagram per read/write
  SSL_set_bio(ssl.get(), bio, bio);
  if (o.mtu > 0) SSL_set_mtu(ssl.get(), (unsigned)o.mtu);
  return ssl;
}

// Sends a KeyUpdate(update_requested); SSL_write with no data flushes it.
bool key_update(SSL *ssl, int fd, long deadline) {
  if (!SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED)) {
    fail("SSL_key_update");
    return false;
  }
  if (drive(ssl, fd, deadline, "KeyUpdate write", [&] { int r = SSL_write(ssl, "", 0); return r == 0 ? 1 : r; }) < 0) {
    return false;
  }
  printf("keyupdate sent\n");
  fflush(stdout);
  return true;
}

int run_client(const Options &o, SSL_CTX *ctx) {
  int fd = udp_socket();
  struct sockaddr_in sa = {};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)o.port);
  if (fd < 0 || inet_pton(AF_INET, o.host.c_str(), &sa.sin_addr) != 1 || connect(fd, (sockaddr *)&sa, sizeof(sa)) != 0) {
    fprintf(stderr, "error: cannot reach %s:%d: %s\n", o.host.c_str(), o.port, strerror(errno));
    return 1;
  }
  bssl::UniquePtr<SSL> ssl = make_ssl(ctx, o, fd);
  if (!ssl) return 1;
  SSL_set_connect_state(ssl.get());
  if (!o.server_name.empty() &&
      (!SSL_set_tlsext_host_name(ssl.get(), o.server_name.c_str()) || !SSL_set1_host(ssl.get(), o.server_name.c_str()))) {
    fail("--server-name");
    return 1;
  }
  long deadline = now_ms() + o.timeout_ms;
  if (drive(ssl.get(), fd, deadline, "handshake", [&] { return SSL_do_handshake(ssl.get()); }) <= 0) return 1;
  print_connected(ssl.get());
  if (o.keyupdate && !key_update(ssl.get(), fd, deadline)) return 1;
  if (drive(ssl.get(), fd, deadline, "write", [&] { return SSL_write(ssl.get(), o.message.data(), (int)o.message.size()); }) <= 0) {
    return 1;
  }
  char buf[16384];
  int n = drive(ssl.get(), fd, deadline, "read", [&] { return SSL_read(ssl.get(), buf, sizeof(buf)); });
  if (n <= 0) {
    fprintf(stderr, "error: no reply\n");
    return 1;
  }
  printf("reply: %.*s\n", n, buf);
  SSL_shutdown(ssl.get());
  printf("closed\n");
  fflush(stdout);
  close(fd);
  return 0;
}

// Serves one connection: peeks the first datagram, connects the socket to its sender, echoes every message until
// close_notify or an idle second after the first echo (the peer may still need our ACKs / retransmissions).
int serve_one(const Options &o, SSL_CTX *ctx, int fd) {
  long deadline = now_ms() + 3600 * 1000L;
  char probe[1];
  struct sockaddr_in from = {};
  socklen_t flen = sizeof(from);
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) return 1;
    if (recvfrom(fd, probe, sizeof(probe), MSG_PEEK, (sockaddr *)&from, &flen) >= 0) break;
  }
  if (connect(fd, (sockaddr *)&from, flen) != 0) {
    fprintf(stderr, "error: connect to client: %s\n", strerror(errno));
    return 1;
  }
  bssl::UniquePtr<SSL> ssl = make_ssl(ctx, o, fd);
  if (!ssl) return 1;
  SSL_set_accept_state(ssl.get());
  deadline = now_ms() + o.timeout_ms;
  if (drive(ssl.get(), fd, deadline, "handshake", [&] { return SSL_do_handshake(ssl.get()); }) <= 0) return 1;
  print_connected(ssl.get());
  char buf[16384];
  bool echoed = false;
  for (;;) {
    long until = echoed ? now_ms() + 1000 : deadline;
    int n = drive(ssl.get(), fd, until, "read", [&] { return SSL_read(ssl.get(), buf, sizeof(buf)); });
    if (n == 0) break;  // close_notify
    if (n < 0) {
      if (echoed) break;  // idle after the echo: done
      return 1;
    }
    printf("received: %.*s\n", n, buf);
    fflush(stdout);
    if (o.keyupdate && !echoed && !key_update(ssl.get(), fd, deadline)) return 1;
    if (drive(ssl.get(), fd, deadline, "write", [&] { return SSL_write(ssl.get(), buf, n); }) <= 0) return 1;
    echoed = true;
  }
  SSL_shutdown(ssl.get());
  printf("closed\n");
  fflush(stdout);
  return 0;
}

int run_server(const Options &o, SSL_CTX *ctx) {
  for (int i = 0; i < o.count; i++) {
    int fd = udp_socket();
    struct sockaddr_in sa = {};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o.port);
    if (fd < 0 || inet_pton(AF_INET, o.host.c_str(), &sa.sin_addr) != 1 || bind(fd, (sockaddr *)&sa, sizeof(sa)) != 0) {
      fprintf(stderr, "error: cannot bind %s:%d: %s\n", o.host.c_str(), o.port, strerror(errno));
      return 1;
    }
    if (i == 0) {
      socklen_t len = sizeof(sa);
      getsockname(fd, (sockaddr *)&sa, &len);
      printf("listening port=%d\n", ntohs(sa.sin_port));
      fflush(stdout);
    }
    int r = serve_one(o, ctx, fd);
    close(fd);
    if (r != 0) return r;
  }
  return 0;
}

int usage(const char *msg) {
  fprintf(stderr, "usage error: %s (see the comment at the top of deploy/peers/boringssl/peer.cc)\n", msg);
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto val = [&](std::string &dst) {
      if (i + 1 >= argc) return false;
      dst = argv[++i];
      return true;
    };
    auto num = [&](int &dst) {
      std::string s;
      if (!val(s)) return false;
      char *end = nullptr;
      long v = strtol(s.c_str(), &end, 10);
      if (*end != 0 || v < 0 || v > 1000000000L) return false;
      dst = (int)v;
      return true;
    };
    bool ok = true;
    if (a == "--server") o.server = true;
    else if (a == "--client") o.client = true;
    else if (a == "--keyupdate") o.keyupdate = true;
    else if (a == "--host") ok = val(o.host);
    else if (a == "--port") ok = num(o.port);
    else if (a == "--cert") ok = val(o.cert);
    else if (a == "--key") ok = val(o.key);
    else if (a == "--ca") ok = val(o.ca);
    else if (a == "--server-name") ok = val(o.server_name);
    else if (a == "--groups") ok = val(o.groups);
    else if (a == "--cipher") ok = val(o.cipher) && (o.cipher == "aes" || o.cipher == "chacha");
    else if (a == "--message") ok = val(o.message);
    else if (a == "--mtu") ok = num(o.mtu);
    else if (a == "--keylog") ok = val(o.keylog);
    else if (a == "--count") ok = num(o.count);
    else if (a == "--timeout-ms") ok = num(o.timeout_ms);
    else if (a == "--cookie") ok = val(o.cookie) && (o.cookie == "on" || o.cookie == "off");
    else return usage(("unknown option " + a).c_str());
    if (!ok) return usage(("bad value for " + a).c_str());
  }
  if (o.server == o.client) return usage("exactly one of --server / --client");
  if (o.server && (o.cert.empty() || o.key.empty())) return usage("--server needs --cert and --key");
  if (o.server && o.cookie == "on") return usage("--cookie on: BoringSSL's DTLS 1.3 server sends no cookie HelloRetryRequest");
  if (o.client && o.port == 0) return usage("--client needs --port");
  if (!o.keylog.empty() && !(g_keylog = fopen(o.keylog.c_str(), "a"))) return usage("cannot open --keylog file");
  bssl::UniquePtr<SSL_CTX> ctx = make_ctx(o);
  if (!ctx) return 1;
  int r = o.server ? run_server(o, ctx.get()) : run_client(o, ctx.get());
  if (g_keylog) fclose(g_keylog);
  return r;
}
