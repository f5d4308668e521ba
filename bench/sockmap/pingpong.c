// Round trips of small messages (a query and its answer) through the kernel-side relay, through a one-thread
// epoll relay in user space (read/write, as pgfloat's data plane) and direct, with whole-machine CPU from
// /proc/stat: what the relay could save per transaction before any integration work. Usage:
//   pingpong direct|epoll|sockmap [clients] [seconds]
#define _GNU_SOURCE
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
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
    relay_maps maps;
    int epoll = -1;
    if (!strcmp(mode, "sockmap")) {
        int status = relay_open(&maps, 1024, NULL, 0);
        if (status != 0) fail("relay_open");
    } else if (!strcmp(mode, "epoll")) {
        epoll = epoll_create1(0);
    }
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
        if (epoll >= 0) {
            peer_of[a] = b;
            peer_of[b] = a;
            struct epoll_event event = {.events = EPOLLIN, .data.fd = a};
            epoll_ctl(epoll, EPOLL_CTL_ADD, a, &event);
            event.data.fd = b;
            epoll_ctl(epoll, EPOLL_CTL_ADD, b, &event);
        } else {
            relay_pair pair;
            if (relay_add_pair(&maps, a, b, &pair) != 0) fail("relay_add_pair");
        }
    }
    if (epoll >= 0) pthread_create(&threads[thread_count++], NULL, epoll_relay, &epoll);
    for (int i = 0; i < clients; i++) pthread_create(&threads[thread_count++], NULL, server, &server_fd[i]);
    long long jiffies_before = busy_jiffies();
    for (int i = 0; i < clients; i++) pthread_create(&threads[thread_count++], NULL, client, &client_fd[i]);
    sleep((unsigned)seconds);
    long long busy = busy_jiffies() - jiffies_before;
    long trips = atomic_load(&round_trips);
    atomic_store(&stop, 1);
    double ms_per_jiffy = 1000.0 / (double)sysconf(_SC_CLK_TCK);
    printf("%s clients=%d: %.0f round trips/s, machine CPU %.1f ms per 1000 round trips\n", mode, clients,
           (double)trips / seconds, busy * ms_per_jiffy * 1000.0 / (double)trips);
    fflush(stdout);
    _exit(0);  // threads are blocked in read(); the process's exit closes everything
}
