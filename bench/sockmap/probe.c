// Experiments on the kernel-side relay (relay.c) over loopback: each prints what the kernel did, so the facts in
// README.md can be checked again on another kernel. Usage: probe EXPERIMENT [ARG]; run.sh runs them all.
//
// Each experiment builds a client A connected to the proxy's socket a, and the proxy's socket b connected to a
// server B, as the proxy's data plane would; a and b go into the relay.
#define _GNU_SOURCE
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((noreturn)) static void fail(const char *what, int error) {
    fprintf(stderr, "%s: %s\n", what, strerror(error));
    exit(1);
}

// A loopback TCP connection: *near is the connecting end, *far the accepted one.
static void connection(int *near, int *far) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof(address);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, length) < 0 || listen(listener, 1) < 0 ||
        getsockname(listener, (struct sockaddr *)&address, &length) < 0)
        fail("listener", errno);
    *near = socket(AF_INET, SOCK_STREAM, 0);
    if (*near < 0 || connect(*near, (struct sockaddr *)&address, length) < 0) fail("connect", errno);
    *far = accept(listener, NULL, NULL);
    if (*far < 0) fail("accept", errno);
    close(listener);
}

// poll() revents within `ms`, 0 on timeout.
static int events(int fd, int ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
    return poll(&p, 1, ms) > 0 ? p.revents : 0;
}

// What a non-blocking read returns, as text: "n bytes 'text'", "EOF" or the error.
static const char *try_read(int fd, int wait_ms) {
    static char text[128];
    char data[64];
    events(fd, wait_ms);
    ssize_t n = recv(fd, data, sizeof(data), MSG_DONTWAIT);
    if (n > 0) snprintf(text, sizeof(text), "%zd bytes '%.*s'", n, (int)n, data);
    else if (n == 0) snprintf(text, sizeof(text), "EOF");
    else snprintf(text, sizeof(text), "nothing (%s)", strerror(errno));
    return text;
}

static relay_maps open_relay(void) {
    relay_maps maps;
    static char log[4096];
    int status = relay_open(&maps, 1024, log, sizeof(log));
    if (status != 0) {
        fprintf(stderr, "verifier log: %s\n", log);
        fail("relay_open", -status);
    }
    return maps;
}

struct session {
    int A, a, b, B;
    relay_pair pair;
};

static struct session session_in(const relay_maps *maps) {
    struct session s;
    connection(&s.A, &s.a);
    connection(&s.b, &s.B);
    int status = relay_add_pair(maps, s.a, s.b, &s.pair);
    if (status != 0) fail("relay_add_pair", -status);
    return s;
}

// Which steps of relay_open the caller's capabilities allow.
static void capabilities(void) {
    int hash = relay_create_map(0, 16), sockhash = relay_create_map(1, 16);
    printf("HASH create: %s\n", hash < 0 ? strerror(-hash) : "ok");
    printf("SOCKHASH create: %s\n", sockhash < 0 ? strerror(-sockhash) : "ok");
    relay_maps maps;
    int status = relay_open(&maps, 16, NULL, 0);
    printf("maps + program load + attach: %s\n", status < 0 ? strerror(-status) : "ok");
}

// Map updates after the process gave up every capability and became `uid`.
static void after_drop(const char *uid) {
    relay_maps maps = open_relay();
    if (setgid(65534) != 0 || setuid((uid_t)atoi(uid)) != 0) fail("setuid", errno);
    struct session s;
    connection(&s.A, &s.a);
    connection(&s.b, &s.B);
    int status = relay_add_pair(&maps, s.a, s.b, &s.pair);
    printf("as uid %d with no capabilities: add pair %s\n", (int)getuid(), status ? strerror(-status) : "ok");
    write(s.A, "query", 5);
    printf("B receives: %s\n", try_read(s.B, 500));
}

// Bytes that reach a socket before it enters the relay, and bytes written through a socket in the relay.
static void insertion(void) {
    relay_maps maps = open_relay();
    struct session s;
    connection(&s.A, &s.a);
    connection(&s.b, &s.B);
    write(s.A, "early", 5);
    events(s.a, 100);
    relay_add_pair(&maps, s.a, s.b, &s.pair);
    printf("5 bytes queued on a before insertion: after 500 ms B has %s\n", try_read(s.B, 500));
    printf("  a polls %#x, a reads %s\n", events(s.a, 0), try_read(s.a, 0));
    printf("  after that read attempt, B: %s\n", try_read(s.B, 500));
    write(s.A, "later", 5);
    printf("  after more bytes from A, B: %s\n", try_read(s.B, 500));
    relay_tcp_progress progress;
    relay_tcp_progress_of(s.a, &progress);
    printf("  a: TCP received %llu, SIOCINQ %u\n", (unsigned long long)progress.bytes_received, progress.unread);
    relay_remove_pair(&maps, &s.pair);
    write(s.A, "after", 5);
    printf("  removed, more bytes from A: a reads %s\n", try_read(s.a, 500));

    // The quiet point: the client waits for the server's answer and the server for the startup packet.
    struct session q;
    connection(&q.A, &q.a);
    connection(&q.b, &q.B);
    write(q.A, "startup", 7);
    char first[16];
    ssize_t n = read(q.a, first, sizeof(first));
    relay_add_pair(&maps, q.a, q.b, &q.pair);
    printf("first packet read, pair added, packet written through b: %zd\n", write(q.b, first, (size_t)n));
    printf("  B: %s\n", try_read(q.B, 500));
    write(q.B, "auth", 4);
    printf("  B answers, A: %s\n", try_read(q.A, 500));
}

// A pair taken out of the relay: with traffic while it was in, and without.
static void removal(void) {
    relay_maps maps = open_relay();
    struct session s = session_in(&maps);
    write(s.A, "one", 3);
    printf("in relay, B: %s\n", try_read(s.B, 500));
    relay_remove_pair(&maps, &s.pair);
    write(s.A, "two", 3);
    printf("removed after traffic: a polls %#x, a reads %s\n", events(s.a, 300), try_read(s.a, 0));
    relay_tcp_progress progress;
    relay_tcp_progress_of(s.a, &progress);
    printf("  a: TCP received %llu, SIOCINQ %u\n", (unsigned long long)progress.bytes_received, progress.unread);

    struct session quiet = session_in(&maps);
    relay_remove_pair(&maps, &quiet.pair);
    write(quiet.A, "three", 5);
    printf("removed without traffic: a reads %s\n", try_read(quiet.a, 300));
}

// EOF from either side while in the relay.
static void half_close(void) {
    relay_maps maps = open_relay();
    struct session s = session_in(&maps);
    shutdown(s.A, SHUT_WR);
    printf("A shuts down writing: a polls %#x (POLLRDHUP %#x), a reads %s; B polls %#x\n", events(s.a, 300),
           POLLRDHUP, try_read(s.a, 0), events(s.B, 300));
    shutdown(s.b, SHUT_WR);
    printf("proxy shuts b down: B reads %s\n", try_read(s.B, 300));
    write(s.B, "rows", 4);
    printf("B still sends, A: %s\n", try_read(s.A, 500));
    printf("a polls %#x with nothing to read (EPOLLIN stays set on a socket the relay has used)\n", events(s.a, 0));
}

static long mem_available_kb(void) {
    FILE *file = fopen("/proc/meminfo", "r");
    char line[256];
    long value = -1;
    while (file != NULL && fgets(line, sizeof(line), file) != NULL)
        if (sscanf(line, "MemAvailable: %ld", &value) == 1) break;
    if (file != NULL) fclose(file);
    return value;
}

// A server B that does not read while the client A writes `megabytes` (the slow reader of a large COPY, turned
// around): how much does A get to write, and where does it wait?
static void back_pressure(const char *megabytes, int through_relay) {
    long limit = atol(megabytes) << 20, written = 0;
    relay_maps maps;
    struct session s;
    if (through_relay) {
        maps = open_relay();
        s = session_in(&maps);
    } else {
        connection(&s.A, &s.a);
        connection(&s.b, &s.B);
    }
    long before = mem_available_kb();
    static char block[65536];
    memset(block, 'x', sizeof(block));
    fcntl(s.A, F_SETFL, O_NONBLOCK);
    for (int idle = 0; written < limit && idle < 200;) {
        ssize_t n = write(s.A, block, sizeof(block));
        if (n > 0) {
            written += n;
            idle = 0;
        } else {
            idle++;
            usleep(5000);
        }
    }
    usleep(300000);
    relay_tcp_progress b, B;
    relay_tcp_progress_of(s.b, &b);
    relay_tcp_progress_of(s.B, &B);
    printf("%s: A wrote %ld MB of %ld before 1 s without progress; MemAvailable fell %ld MB; b unsent/unacked "
           "%u KB, B unread %u KB\n",
           through_relay ? "relay" : "no relay (a never read)", written >> 20, limit >> 20,
           (before - mem_available_kb()) >> 10, b.unsent_or_unacked >> 10, B.unread >> 10);
    fflush(stdout);
    system("grep '^TCP:' /proc/net/sockstat");
}

// Can the program see how far its peer's sending has got (to hold bytes back when the peer falls behind)?
static void peer_helpers(void) {
    int sockets = relay_create_map(1, 16);
    if (sockets < 0) fail("SOCKHASH", -sockets);
    static char log[65536];
    struct { const char *name; int32_t id; } helpers[] = {
        {"bpf_tcp_sock", BPF_FUNC_tcp_sock},
        {"bpf_skc_to_tcp_sock", BPF_FUNC_skc_to_tcp_sock},
    };
    for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
        int fd = relay_load_peer_probe(sockets, helpers[i].id, log, sizeof(log));
        const char *reason = strstr(log, "cannot use helper") ? "not allowed for this program type/privilege" : "";
        printf("%s on the peer: %s %s\n", helpers[i].name, fd < 0 ? strerror(-fd) : "loads", reason);
        if (fd >= 0) close(fd);
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *experiment = argc > 1 ? argv[1] : "";
    const char *arg = argc > 2 ? argv[2] : "1024";
    if (!strcmp(experiment, "capabilities")) capabilities();
    else if (!strcmp(experiment, "after-drop")) after_drop(argc > 2 ? argv[2] : "65534");
    else if (!strcmp(experiment, "insertion")) insertion();
    else if (!strcmp(experiment, "removal")) removal();
    else if (!strcmp(experiment, "half-close")) half_close();
    else if (!strcmp(experiment, "back-pressure")) back_pressure(arg, 1);
    else if (!strcmp(experiment, "back-pressure-baseline")) back_pressure(arg, 0);
    else if (!strcmp(experiment, "peer-helpers")) peer_helpers();
    else {
        fprintf(stderr, "usage: probe capabilities|after-drop [uid]|insertion|removal|half-close|"
                        "back-pressure [MB]|back-pressure-baseline [MB]|peer-helpers\n");
        return 2;
    }
    return 0;
}
