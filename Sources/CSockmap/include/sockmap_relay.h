// The kernel-side relay (relay.c): a BPF sk_skb stream-verdict program that sends what a socket receives to its
// peer's send queue while the peer keeps up, and keeps the bytes on the receiving socket (where they close its TCP
// window) when it does not; user space forwards kept bytes (ProxyIO's DataPlane+KernelRelay, bench/sockmap/pump.c).
#ifndef PGFLOAT_CSOCKMAP_RELAY_H
#define PGFLOAT_CSOCKMAP_RELAY_H

#include <stddef.h>
#include <stdint.h>

/// One socket's direction as the program and user space share it (an mmapped array, one entry per slot). The
/// program redirects a message only while `kept == resume_at` (user space has forwarded every byte kept so far)
/// and `redirected + length <= limit` (the grant); otherwise it keeps it, adds it to `kept` and, unless
/// `notified` is already set, sets it and posts the slot to the ring buffer.
typedef struct {
    uint64_t redirected;  // written by the program: bytes sent on to the peer's psock backlog
    uint64_t kept;        // written by the program: bytes left on this socket for user space
    uint64_t limit;       // written by user space: `redirected` may grow up to this
    uint64_t resume_at;   // written by user space: the `kept` count it has read and forwarded
    uint64_t notified;    // set by the program when it posts the slot, cleared by user space when it grants
} relay_flow;

/// The relay's program and maps. Descriptors are -1 when closed.
typedef struct {
    int sockets_fd, peers_fd, flows_fd, events_fd, program_fd;
    uint32_t max_sockets;
    relay_flow *flows;            // max_sockets entries, shared with the program
    uint64_t *events_consumer;    // the ring buffer of slots that started keeping: consumer position (ours)
    const uint64_t *events_producer;
    const uint8_t *events_data;   // mapped twice in a row, so a record never wraps
    uint64_t events_mask;
} relay_maps;

/// The two sockets of a session in the relay: their socket cookies and flow slots.
typedef struct {
    uint64_t cookie_a, cookie_b;
    uint32_t slot_a, slot_b;
} relay_pair;

/// Creates the maps for up to `max_sockets` sockets, loads the verdict program and attaches it. 0 or -errno; the
/// verifier's log goes to `log` (may be NULL). Needs CAP_BPF and CAP_NET_ADMIN (measured: bench/sockmap/README.md).
int relay_open(relay_maps *out, uint32_t max_sockets, char *log, size_t log_size);
void relay_close(relay_maps *maps);
/// Puts two connected TCP sockets in the relay, each redirecting to the other, with flows `slot_a` and `slot_b`
/// granted `window_a` and `window_b` bytes. 0 or -errno; on failure neither is left in the maps. Needs no
/// capability.
int relay_add_pair(const relay_maps *maps, int fd_a, uint32_t slot_a, int fd_b, uint32_t slot_b, uint64_t window_a,
                   uint64_t window_b, relay_pair *pair);
/// Takes a pair out again (entries already gone are fine).
void relay_remove_pair(const relay_maps *maps, const relay_pair *pair);

/// Bytes written into `fd`'s send queue since it was connected: everything acknowledged plus what is still queued
/// (TCP_INFO's bytes_acked plus SIOCOUTQ). Compared with a flow's `redirected` it tells how much of a redirect is
/// still waiting in the peer's psock backlog. 0 or -errno.
int relay_queued_total(int fd, uint64_t *total);
/// Whether the TCP connection of `fd` is closed (reset, or closed both ways): nothing written to it arrives any more.
int relay_socket_closed(int fd);

/// A flow's counts as the program last wrote them.
void relay_flow_counts(const relay_maps *maps, uint32_t slot, uint64_t *redirected, uint64_t *kept);
/// Hands a direction back to the program: it may redirect `window` bytes beyond what it has redirected so far, once
/// its `kept` count equals `resume_at` (user space has forwarded every byte kept up to then). Returns `kept` as
/// read after the grant: when it is past `resume_at`, the program kept more meanwhile and may not have posted it.
uint64_t relay_grant(relay_maps *maps, uint32_t slot, uint64_t window, uint64_t resume_at);
/// Room in `fd`'s send buffer (SO_MEMINFO: sndbuf less what is queued), in bytes of socket memory; 0 on error.
/// A grant that fits it leaves nothing in the peer's psock backlog for long.
uint64_t relay_send_space(int fd);

/// The next slot whose socket started keeping bytes, or -1 when there is none now.
int64_t relay_next_event(relay_maps *maps);

#endif
