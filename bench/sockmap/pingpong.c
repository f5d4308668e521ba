// Round trips of small messages (a query and its answer) through the kernel-side relay, through a one-thread
// epoll relay in user space (read/write, as pgfloat's data plane), through a one-thread io_uring relay in user
// space, and direct, with whole-machine CPU from /proc/stat: what each relay could save per transaction before
// any integration work. Usage:
//   pingpong direct|epoll|uring|sockmap [clients] [seconds]
#define _GNU_SOURCE
#include "pump.h"

#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MESSAGE = 100, MAX_CLIENTS = 64 };
static atomic_long round_trips;
static atomic_int stop;

__attribute__((noreturn)) static void fail(const char *what) {
    perror(what);
    exit(1);
}

static void connection(int *near, int *far) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof(address);
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, length) < 0 || listen(listener, 1) < 0 ||
        getsockname(listener, (struct sockaddr *)&address, &length) < 0)
        fail("listener");
    *near = socket(AF_INET, SOCK_STREAM, 0);
    if (*near < 0 || connect(*near, (struct sockaddr *)&address, length) < 0) fail("connect");
    *far = accept(listener, NULL, NULL);
    if (*far < 0) fail("accept");
    setsockopt(*near, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(*far, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    close(listener);
}

static int read_fully(int fd, char *data, size_t size) {
    for (size_t got = 0; got < size;) {
        ssize_t n = read(fd, data + got, size - got);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

static void *client(void *arg) {
    int fd = *(int *)arg;
    char data[MESSAGE] = {0};
    while (!atomic_load(&stop)) {
        if (write(fd, data, sizeof(data)) != sizeof(data) || read_fully(fd, data, sizeof(data)) != 0) break;
        atomic_fetch_add(&round_trips, 1);
    }
    return NULL;
}

static void *server(void *arg) {
    int fd = *(int *)arg;
    char data[MESSAGE];
    while (read_fully(fd, data, sizeof(data)) == 0 && write(fd, data, sizeof(data)) == sizeof(data)) {}
    return NULL;
}

// One thread, level-triggered epoll, read then write to the peer; small messages always fit the peer's buffer.
static int peer_of[1 << 16];
static void *epoll_relay(void *arg) {
    int epoll = *(int *)arg;
    struct epoll_event ready[64];
    char data[16384];
    while (!atomic_load(&stop)) {
        int count = epoll_wait(epoll, ready, 64, 100);
        for (int i = 0; i < count; i++) {
            int fd = ready[i].data.fd;
            ssize_t n = read(fd, data, sizeof(data));
            if (n > 0 && write(peer_of[fd], data, (size_t)n) != n) fail("relay write");
        }
    }
    return NULL;
}

// One thread, one ring: a recv is armed on every relayed socket; its completion becomes a send of the same buffer
// to the peer, and the send's completion re-arms the recv. A socket is not read again until its bytes are out, so
// memory stays one buffer per socket whatever the peer's pace: the back-pressure sockmap lacks. With 8 clients,
// one io_uring_enter submits and reaps the work of several sessions, where epoll pays a read and a write each.
enum { URING_BUFFER = 16384, URING_MAX_FD = 1024, OP_RECV = 0, OP_SEND = 1 };
static char uring_buffer[URING_MAX_FD][URING_BUFFER] __attribute__((aligned(64)));
static int uring_fds[2 * MAX_CLIENTS], uring_fd_count;
static size_t uring_sending[URING_MAX_FD];  // what the send in flight from each socket's buffer holds

static void uring_arm(struct io_uring *ring, int fd, int op, size_t length) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    if (sqe == NULL) fail("io_uring_get_sqe");
    if (op == OP_RECV) io_uring_prep_recv(sqe, fd, uring_buffer[fd], URING_BUFFER, 0);
    else io_uring_prep_send(sqe, peer_of[fd], uring_buffer[fd], uring_sending[fd] = length, 0);
    io_uring_sqe_set_data64(sqe, (uint64_t)op << 32 | (uint32_t)fd);
}

static void *uring_relay(void *arg) {
    (void)arg;
    struct io_uring ring;
    struct io_uring_params params = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN};
    if (io_uring_queue_init_params(4 * MAX_CLIENTS, &ring, &params) < 0) fail("io_uring_queue_init_params");
    for (int i = 0; i < uring_fd_count; i++) uring_arm(&ring, uring_fds[i], OP_RECV, 0);
    struct __kernel_timespec tick = {.tv_nsec = 100 * 1000 * 1000};
    while (!atomic_load(&stop)) {
        struct io_uring_cqe *cqe;
        int status = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &tick, NULL);
        if (status < 0 && status != -ETIME && status != -EINTR) fail("io_uring_submit_and_wait_timeout");
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            int fd = (int)(uint32_t)cqe->user_data, op = (int)(cqe->user_data >> 32);
            if (cqe->res <= 0) continue;  // end of stream or an error: the session is over
            if (op == OP_RECV) {
                uring_arm(&ring, fd, OP_SEND, (size_t)cqe->res);
                continue;
            }
            // Small messages always fit the peer's buffer, as in the epoll relay; a short send would stall a client.
            if ((size_t)cqe->res != uring_sending[fd]) fail("relay send");
            uring_arm(&ring, fd, OP_RECV, 0);
        }
        io_uring_cq_advance(&ring, seen);
    }
    return NULL;
}

// The user-space half of the kernel relay: sleeps on the program's ring buffer and forwards what a socket kept
// when its grant ran out, then hands the direction back (relay_pump). With 100-byte messages and a 256 KB grant
// that is one wakeup per 2,600 messages a direction, so its cost is in the figures.
enum { GRANT = 256 << 10 };
static relay_maps relay;
static relay_direction *direction_of_slot[2 * MAX_CLIENTS];
static int active[2 * MAX_CLIENTS];
static long switches;

static void keeping_started(uint32_t slot, void *context) {
    (void)context;
    active[slot] = 1;
    switches++;
}

static void *relay_user_half(void *arg) {
    int slots = *(int *)arg;
    int epoll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN}, ready;
    epoll_ctl(epoll, EPOLL_CTL_ADD, relay.events_fd, &event);
    int waiting = 0;
    while (!atomic_load(&stop)) {
        epoll_wait(epoll, &ready, 1, waiting ? 1 : 100);
        relay_take_events(&relay, keeping_started, NULL);
        waiting = 0;
        for (int slot = 0; slot < slots; slot++) {
            if (!active[slot]) continue;
            relay_pump_result result = relay_pump(&relay, direction_of_slot[slot]);
            if (result == RELAY_FAILED) fail("relay_pump");
            if (result == RELAY_IN_KERNEL || result == RELAY_SHUT) active[slot] = 0;
            else waiting = 1;
        }
    }
    return NULL;
}

static long long busy_jiffies(void) {
    FILE *file = fopen("/proc/stat", "r");
    long long user, nice, system, idle, iowait, irq, softirq, steal;
    if (file == NULL || fscanf(file, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &user, &nice, &system, &idle,
                               &iowait, &irq, &softirq, &steal) != 8)
        fail("/proc/stat");
    fclose(file);
    return user + nice + system + irq + softirq + steal;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "direct";
    int clients = argc > 2 ? atoi(argv[2]) : 8, seconds = argc > 3 ? atoi(argv[3]) : 5;
    if (clients < 1 || clients > MAX_CLIENTS) clients = 8;
    int epoll = -1;
    if (!strcmp(mode, "sockmap")) {
        int status = relay_open(&relay, 2 * MAX_CLIENTS, NULL, 0);
        if (status != 0) fail("relay_open");
    } else if (!strcmp(mode, "epoll")) {
        epoll = epoll_create1(0);
    }
    int uring = !strcmp(mode, "uring");
    static int client_fd[MAX_CLIENTS], server_fd[MAX_CLIENTS];
    pthread_t threads[2 * MAX_CLIENTS + 1];
    int thread_count = 0;
    for (int i = 0; i < clients; i++) {
        if (!strcmp(mode, "direct")) {
            connection(&client_fd[i], &server_fd[i]);
            continue;
        }
        int a, b;
        connection(&client_fd[i], &a);
        connection(&b, &server_fd[i]);
        peer_of[a] = b;
        peer_of[b] = a;
        if (uring) {
            if (a >= URING_MAX_FD || b >= URING_MAX_FD) fail("descriptor beyond URING_MAX_FD");
            uring_fds[uring_fd_count++] = a;
            uring_fds[uring_fd_count++] = b;
        } else if (epoll >= 0) {
            struct epoll_event event = {.events = EPOLLIN, .data.fd = a};
            epoll_ctl(epoll, EPOLL_CTL_ADD, a, &event);
            event.data.fd = b;
            epoll_ctl(epoll, EPOLL_CTL_ADD, b, &event);
        } else {
            relay_pair pair;
            static relay_direction directions[2 * MAX_CLIENTS];
            uint32_t slot_a = (uint32_t)(2 * i), slot_b = slot_a + 1;
            direction_of_slot[slot_a] = &directions[slot_a];
            direction_of_slot[slot_b] = &directions[slot_b];
            if (relay_direction_init(&directions[slot_a], a, b, slot_a, GRANT) != 0 ||
                relay_direction_init(&directions[slot_b], b, a, slot_b, GRANT) != 0 ||
                relay_add_pair(&relay, a, slot_a, b, slot_b, GRANT, GRANT, &pair) != 0)
                fail("relay_add_pair");
        }
    }
    if (epoll >= 0) pthread_create(&threads[thread_count++], NULL, epoll_relay, &epoll);
    if (uring) pthread_create(&threads[thread_count++], NULL, uring_relay, NULL);
    int slots = 2 * clients;
    if (!strcmp(mode, "sockmap")) pthread_create(&threads[thread_count++], NULL, relay_user_half, &slots);
    for (int i = 0; i < clients; i++) pthread_create(&threads[thread_count++], NULL, server, &server_fd[i]);
    long long jiffies_before = busy_jiffies();
    for (int i = 0; i < clients; i++) pthread_create(&threads[thread_count++], NULL, client, &client_fd[i]);
    sleep((unsigned)seconds);
    long long busy = busy_jiffies() - jiffies_before;
    long trips = atomic_load(&round_trips);
    atomic_store(&stop, 1);
    double ms_per_jiffy = 1000.0 / (double)sysconf(_SC_CLK_TCK);
    printf("%s clients=%d: %.0f round trips/s, machine CPU %.1f ms per 1000 round trips", mode, clients,
           (double)trips / seconds, busy * ms_per_jiffy * 1000.0 / (double)trips);
    if (!strcmp(mode, "sockmap")) printf(", %ld switches to user space", switches);
    printf("\n");
    fflush(stdout);
    _exit(0);  // threads are blocked in read(); the process's exit closes everything
}
