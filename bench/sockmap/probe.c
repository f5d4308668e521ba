// Experiments on the kernel-side relay (relay.c) over loopback: each prints what the kernel did, so the facts in
// README.md can be checked again on another kernel. Usage: probe EXPERIMENT [ARG]; run.sh runs them all.
//
// Each experiment builds a client A connected to the proxy's socket a, and the proxy's socket b connected to a
// server B, as the proxy's data plane would; a and b go into the relay.
#define _GNU_SOURCE
#include "pump.h"

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

// A grant no experiment uses up: the relay as it was before grants, redirecting everything.
static const uint64_t UNLIMITED = 1ull << 50;

struct session {
    int A, a, b, B;
    relay_pair pair;
    relay_direction up, down;  // a -> b and b -> a, for experiments that pump
    int up_active, down_active, switches;
};

// Puts a and b in the relay with the next two flow slots, each direction granted `window` bytes at a time.
static void add_session(const relay_maps *maps, struct session *s, uint64_t window) {
    static uint32_t next_slot;
    uint32_t slot_a = next_slot++, slot_b = next_slot++;
    if (relay_direction_init(&s->up, s->a, s->b, slot_a, window) != 0 ||
        relay_direction_init(&s->down, s->b, s->a, slot_b, window) != 0)
        fail("relay_direction_init", errno);
    s->up_active = s->down_active = s->switches = 0;
    int status = relay_add_pair(maps, s->a, slot_a, s->b, slot_b, window, window, &s->pair);
    if (status != 0) fail("relay_add_pair", -status);
}

static struct session session_in(const relay_maps *maps, uint64_t window) {
    static struct session sessions[16];
    static int used;
    struct session *s = &sessions[used++ % 16];
    connection(&s->A, &s->a);
    connection(&s->b, &s->B);
    add_session(maps, s, window);
    return *s;
}

static void keeping_started(uint32_t slot, void *context) {
    struct session *s = context;
    if (slot == s->up.slot) s->up_active = 1;
    if (slot == s->down.slot) s->down_active = 1;
    s->switches++;
}

// The proxy's share of one turn: take the program's events and forward what it kept, as a data plane would.
static void proxy_turn(relay_maps *maps, struct session *s) {
    relay_take_events(maps, keeping_started, s);
    int *active[] = {&s->up_active, &s->down_active};
    relay_direction *directions[] = {&s->up, &s->down};
    for (int i = 0; i < 2; i++) {
        if (!*active[i]) continue;
        relay_pump_result result = relay_pump(maps, directions[i]);
        if (result == RELAY_FAILED) fail("relay_pump", errno);
        if (result == RELAY_IN_KERNEL || result == RELAY_SHUT) *active[i] = 0;
    }
}

// Whether the caller's capabilities let it create the maps, load the program and attach it.
static void capabilities(void) {
    relay_maps maps;
    int status = relay_open(&maps, 16, NULL, 0);
    printf("maps + program load + attach: %s\n", status < 0 ? strerror(-status) : "ok");
    if (status == 0) relay_close(&maps);
}

// Map updates after the process gave up every capability and became `uid`.
static void after_drop(const char *uid) {
    relay_maps maps = open_relay();
    if (setgid(65534) != 0 || setuid((uid_t)atoi(uid)) != 0) fail("setuid", errno);
    struct session s;
    connection(&s.A, &s.a);
    connection(&s.b, &s.B);
    int status = relay_add_pair(&maps, s.a, 0, s.b, 1, UNLIMITED, UNLIMITED, &s.pair);
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
    relay_add_pair(&maps, s.a, 0, s.b, 1, UNLIMITED, UNLIMITED, &s.pair);
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
    relay_add_pair(&maps, q.a, 2, q.b, 3, UNLIMITED, UNLIMITED, &q.pair);
    printf("first packet read, pair added, packet written through b: %zd\n", write(q.b, first, (size_t)n));
    printf("  B: %s\n", try_read(q.B, 500));
    write(q.B, "auth", 4);
    printf("  B answers, A: %s\n", try_read(q.A, 500));
}

// A pair taken out of the relay: with traffic while it was in, and without.
static void removal(void) {
    relay_maps maps = open_relay();
    struct session s = session_in(&maps, UNLIMITED);
    write(s.A, "one", 3);
    printf("in relay, B: %s\n", try_read(s.B, 500));
    relay_remove_pair(&maps, &s.pair);
    write(s.A, "two", 3);
    printf("removed after traffic: a polls %#x, a reads %s\n", events(s.a, 300), try_read(s.a, 0));
    relay_tcp_progress progress;
    relay_tcp_progress_of(s.a, &progress);
    printf("  a: TCP received %llu, SIOCINQ %u\n", (unsigned long long)progress.bytes_received, progress.unread);

    struct session quiet = session_in(&maps, UNLIMITED);
    relay_remove_pair(&maps, &quiet.pair);
    write(quiet.A, "three", 5);
    printf("removed without traffic: a reads %s\n", try_read(quiet.a, 300));
}

// EOF from either side while in the relay.
static void half_close(void) {
    relay_maps maps = open_relay();
    struct session s = session_in(&maps, UNLIMITED);
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

// The byte stream the back-pressure and ordering experiments send: byte i of the stream is a function of i, so a
// reader can tell a lost, repeated or reordered byte wherever it starts reading.
static uint8_t stream_byte(uint64_t i) {
    return (uint8_t)(i ^ (i >> 8) ^ (i >> 16) ^ (i >> 24));
}

static ssize_t write_stream(int fd, uint64_t position, size_t size) {
    static uint8_t block[65536];
    if (size > sizeof(block)) size = sizeof(block);
    for (size_t i = 0; i < size; i++) block[i] = stream_byte(position + i);
    return write(fd, block, size);
}

// Reads up to `size` bytes of the stream; -1 on a wrong byte (and says where), else the count (0: nothing now).
static ssize_t read_stream(int fd, uint64_t *position, size_t size) {
    static uint8_t block[65536];
    if (size > sizeof(block)) size = sizeof(block);
    ssize_t n = recv(fd, block, size, MSG_DONTWAIT);
    if (n <= 0) return 0;
    for (ssize_t i = 0; i < n; i++)
        if (block[i] != stream_byte(*position + (uint64_t)i)) {
            printf("  WRONG BYTE at stream offset %llu\n", (unsigned long long)(*position + (uint64_t)i));
            return -1;
        }
    *position += (uint64_t)n;
    return n;
}

enum { BASELINE, UNBUDGETED, GRANTED };

// A random amount, 1 byte to 64 KB, never past the end of the stream.
static size_t stream_chunk(uint64_t left) {
    size_t size = 1 + (size_t)(rand() % 65536);
    return size < left ? size : (size_t)left;
}

// A server B that does not read while the client A writes `megabytes` (the slow reader of a large COPY, turned
// around): how much does A get to write, and where does it wait? With grants, B then reads everything and checks
// it arrived whole and in order.
static void back_pressure(const char *megabytes, int mode, uint64_t window) {
    uint64_t limit = (uint64_t)atol(megabytes) << 20, written = 0;
    static relay_maps maps;
    static struct session s;
    if (mode == BASELINE) {
        connection(&s.A, &s.a);
        connection(&s.b, &s.B);
    } else {
        maps = open_relay();
        connection(&s.A, &s.a);
        connection(&s.b, &s.B);
        add_session(&maps, &s, mode == GRANTED ? window : UNLIMITED);
    }
    long before = mem_available_kb();
    fcntl(s.A, F_SETFL, O_NONBLOCK);
    for (int idle = 0; written < limit && idle < 200;) {
        ssize_t n = write_stream(s.A, written, 65536);
        if (mode == GRANTED) proxy_turn(&maps, &s);
        if (n > 0) {
            written += (uint64_t)n;
            idle = 0;
        } else {
            idle++;
            usleep(5000);
        }
    }
    usleep(300000);
    relay_tcp_progress a, b, B;
    relay_tcp_progress_of(s.a, &a);
    relay_tcp_progress_of(s.b, &b);
    relay_tcp_progress_of(s.B, &B);
    const char *name = mode == BASELINE     ? "no relay (a never read)"
                       : mode == UNBUDGETED ? "relay, no grant"
                                            : "relay, grant";
    printf("%s: A wrote %.1f MB of %llu before 1 s without progress; MemAvailable fell %ld MB; a unread %u KB, "
           "b unsent/unacked %u KB, B unread %u KB\n",
           name, written / 1048576.0, (unsigned long long)(limit >> 20), (before - mem_available_kb()) >> 10,
           a.unread >> 10, b.unsent_or_unacked >> 10, B.unread >> 10);
    if (mode == GRANTED) {
        relay_flow flow = maps.flows[s.up.slot];
        printf("  grant %llu KB: redirected %.1f MB, kept %.1f MB, forwarded by user space %.1f MB, %d switches\n",
               (unsigned long long)(window >> 10), flow.redirected / 1048576.0, flow.kept / 1048576.0,
               s.up.sent / 1048576.0, s.switches);
        // B now reads it all, while A goes on writing what it had left: every byte must arrive once, in order.
        uint64_t received = 0;
        for (int idle = 0; received < limit && idle < 2000;) {
            uint64_t left = limit - written;
            ssize_t n = left > 0 ? write_stream(s.A, written, (size_t)(left < 65536 ? left : 65536)) : 0;
            if (n > 0) written += (uint64_t)n;
            proxy_turn(&maps, &s);
            ssize_t got = read_stream(s.B, &received, 65536);
            if (got < 0) exit(1);
            if (got == 0 && n <= 0) {
                idle++;
                usleep(500);
            } else {
                idle = 0;
            }
        }
        printf("  B then read %.1f MB of %llu, in order: %s; %d switches in all\n", received / 1048576.0,
               (unsigned long long)(limit >> 20), received == limit ? "all of it" : "INCOMPLETE", s.switches);
    }
    fflush(stdout);
    system("grep '^TCP:' /proc/net/sockstat");
}

// A reader B that reads in bursts and pauses at random, so the session switches between kernel and user space
// many times: do the bytes still arrive whole and in order? Both directions run at once (B echoes nothing; a
// second stream goes from B to A with the same checks).
static void ordering(const char *megabytes, uint64_t window) {
    uint64_t limit = (uint64_t)atol(megabytes) << 20;
    static relay_maps maps;
    static struct session s;
    maps = open_relay();
    connection(&s.A, &s.a);
    connection(&s.b, &s.B);
    add_session(&maps, &s, window);
    fcntl(s.A, F_SETFL, O_NONBLOCK);
    fcntl(s.B, F_SETFL, O_NONBLOCK);
    uint64_t up_written = 0, up_read = 0, down_written = 0, down_read = 0;
    srand(17);
    int idle = 0;
    while ((up_read < limit || down_read < limit) && idle < 4000) {
        int progress = 0;
        ssize_t n;
        if (up_written < limit && (n = write_stream(s.A, up_written, stream_chunk(limit - up_written))) > 0) {
            up_written += (uint64_t)n;
            progress = 1;
        }
        if (down_written < limit && (n = write_stream(s.B, down_written, stream_chunk(limit - down_written))) > 0) {
            down_written += (uint64_t)n;
            progress = 1;
        }
        proxy_turn(&maps, &s);
        // Each reader skips three turns out of four, in runs, and reads a random amount when it does read.
        if (rand() % 4 == 0) {
            ssize_t got = read_stream(s.B, &up_read, stream_chunk(UINT64_MAX));
            if (got < 0) exit(1);
            progress |= got > 0;
        }
        if (rand() % 4 == 0) {
            ssize_t got = read_stream(s.A, &down_read, stream_chunk(UINT64_MAX));
            if (got < 0) exit(1);
            progress |= got > 0;
        }
        if (progress) {
            idle = 0;
        } else {
            idle++;
            usleep(500);
        }
    }
    printf("grant %llu KB, %llu MB each way: A->B %s, B->A %s; %d switches to user space (up %llu, down %llu "
           "grants renewed); kernel redirected %.1f + %.1f MB, user space forwarded %.1f + %.1f MB\n",
           (unsigned long long)(window >> 10), (unsigned long long)(limit >> 20),
           up_read == limit ? "whole and in order" : "INCOMPLETE",
           down_read == limit ? "whole and in order" : "INCOMPLETE",
           s.switches, (unsigned long long)s.up.regrants, (unsigned long long)s.down.regrants,
           maps.flows[s.up.slot].redirected / 1048576.0, maps.flows[s.down.slot].redirected / 1048576.0,
           s.up.sent / 1048576.0, s.down.sent / 1048576.0);
    if (up_read != limit || down_read != limit) {
        relay_direction *d[] = {&s.up, &s.down};
        for (int i = 0; i < 2; i++) {
            relay_flow f = maps.flows[d[i]->slot];
            relay_tcp_progress from, to;
            relay_tcp_progress_of(d[i]->from, &from);
            relay_tcp_progress_of(d[i]->to, &to);
            printf("  %s: active %d redirected %llu kept %llu limit %llu resume %llu | read %llu sent %llu buf %zu-%zu "
                   "| from unread %u received %llu | to acked %llu outq %u base %llu | last pump %d\n",
                   i ? "down" : "up", i ? s.down_active : s.up_active, (unsigned long long)f.redirected,
                   (unsigned long long)f.kept, (unsigned long long)f.limit, (unsigned long long)f.resume_at,
                   (unsigned long long)d[i]->read, (unsigned long long)d[i]->sent, d[i]->start, d[i]->end,
                   from.unread, (unsigned long long)from.bytes_received, (unsigned long long)to.bytes_acked,
                   to.unsent_or_unacked, (unsigned long long)d[i]->to_base, (int)relay_pump(&maps, d[i]));
        }
        printf("  written up %llu down %llu, read up %llu down %llu\n", (unsigned long long)up_written,
               (unsigned long long)down_written, (unsigned long long)up_read, (unsigned long long)down_read);
        exit(1);
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
    else if (!strcmp(experiment, "back-pressure")) back_pressure(arg, GRANTED, 256 << 10);
    else if (!strcmp(experiment, "back-pressure-no-grant")) back_pressure(arg, UNBUDGETED, 0);
    else if (!strcmp(experiment, "back-pressure-baseline")) back_pressure(arg, BASELINE, 0);
    else if (!strcmp(experiment, "ordering")) ordering(arg, 64 << 10);
    else {
        fprintf(stderr, "usage: probe capabilities|after-drop [uid]|insertion|removal|half-close|"
                        "back-pressure [MB]|back-pressure-no-grant [MB]|back-pressure-baseline [MB]|ordering [MB]\n");
        return 2;
    }
    return 0;
}
