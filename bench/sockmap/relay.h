// The kernel-side relay under study (relay.c): a BPF sk_skb stream-verdict program that sends what a socket
// receives to its peer's send queue, and the two maps it reads. Experiment code for bench/sockmap/probe.c, not
// part of pgfloat yet: see README.md for why.
#ifndef PGFLOAT_SOCKMAP_RELAY_H
#define PGFLOAT_SOCKMAP_RELAY_H

#include <stddef.h>
#include <stdint.h>

/// The relay's program and maps. Descriptors are -1 when closed.
typedef struct {
    int sockets_fd;
    int peers_fd;
    int program_fd;
} relay_maps;

/// The two sockets of a session in the relay, by their socket cookies.
typedef struct {
    uint64_t cookie_a;
    uint64_t cookie_b;
} relay_pair;

/// Creates the maps for up to `max_sockets` sockets, loads the verdict program and attaches it. 0 or -errno; the
/// verifier's log goes to `log` (may be NULL). Needs CAP_BPF and CAP_NET_ADMIN (measured: README.md).
int relay_open(relay_maps *out, uint32_t max_sockets, char *log, size_t log_size);
void relay_close(relay_maps *maps);
/// Puts two connected TCP sockets in the relay, each redirecting to the other. 0 or -errno; on failure neither is
/// left in the maps. Needs no capability: the maps' descriptors are enough.
int relay_add_pair(const relay_maps *maps, int fd_a, int fd_b, relay_pair *pair);
/// Takes a pair out again (entries already gone are fine).
void relay_remove_pair(const relay_maps *maps, const relay_pair *pair);

/// SIOCINQ and SIOCOUTQ of a socket and TCP_INFO's byte counters. 0 or -errno.
typedef struct {
    uint64_t bytes_received;
    uint64_t bytes_acked;
    uint32_t unread;
    uint32_t unsent_or_unacked;
} relay_tcp_progress;
int relay_tcp_progress_of(int fd, relay_tcp_progress *out);

/// Loads a verdict program that looks a socket up in `sockets_fd` and passes it to BPF helper number `helper`.
/// Descriptor or -errno, the verifier's log in `log`: tells which helpers a verdict program may call on its peer.
int relay_load_peer_probe(int sockets_fd, int32_t helper, char *log, size_t log_size);
/// Creates one map as relay_open does: SOCKHASH when `sockhash`, else HASH. Descriptor or -errno.
int relay_create_map(int sockhash, uint32_t max_entries);

#endif
