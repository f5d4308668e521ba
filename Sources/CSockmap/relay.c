// The kernel-side relay: a BPF sk_skb stream-verdict program that sends the bytes a socket receives straight to its
// peer's send queue within a grant, and the maps user space shares with it. Loaded with the bpf() syscall directly:
// the program is 59 instructions, so a C array with a comment per step is easier to review than a second compiler
// target and a libbpf dependency, and the build needs nothing new.
//
// Maps:
//   sockets: SOCKHASH, socket cookie -> socket. A socket in it has the verdict program attached.
//   peers:   HASH, socket cookie -> {the peer's socket cookie, the socket's flow slot}.
//   flows:   ARRAY (mmapped), slot -> relay_flow: the grant user space gives, the counts the program keeps.
//   events:  RINGBUF of slots whose socket started keeping bytes: user space polls it.
// Back-pressure: an egress redirect queues the bytes on the peer's psock backlog, which no socket is charged for
// and which never closes the sender's window (bench/sockmap/README.md, measured). So the program redirects only
// within a grant that user space renews once the backlog is empty; past it the bytes stay on the receiving socket
// (SK_PASS), and user space forwards them (ProxyIO's DataPlane+KernelRelay says how, and what bounds them).
#define _GNU_SOURCE
#include "sockmap_relay.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr) {
    return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

// Instruction encoders: one eBPF instruction each (see the kernel's Documentation/bpf/standardization).
static struct bpf_insn op(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    struct bpf_insn insn = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
    return insn;
}
#define MOV_REG(dst, src) op(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm) op(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define ADD_IMM(dst, imm) op(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm)
#define ADD_REG(dst, src) op(BPF_ALU64 | BPF_ADD | BPF_X, dst, src, 0, 0)
#define STORE32(base, off, src) op(BPF_STX | BPF_MEM | BPF_W, base, src, off, 0)
#define LOAD32(dst, base, off) op(BPF_LDX | BPF_MEM | BPF_W, dst, base, off, 0)
#define JNE_REG(a, b, off) op(BPF_JMP | BPF_JNE | BPF_X, a, b, off, 0)
#define JGT_REG(a, b, off) op(BPF_JMP | BPF_JGT | BPF_X, a, b, off, 0)
#define JNE_IMM(reg, imm, off) op(BPF_JMP | BPF_JNE | BPF_K, reg, 0, off, imm)
// *(u64 *)(base + off) and src swap values atomically.
#define ATOMIC_XCHG64(base, off, src) op(BPF_STX | BPF_ATOMIC | BPF_DW, base, src, off, BPF_XCHG)
#define STORE64(base, off, src) op(BPF_STX | BPF_MEM | BPF_DW, base, src, off, 0)
#define LOAD64(dst, base, off) op(BPF_LDX | BPF_MEM | BPF_DW, dst, base, off, 0)
#define JEQ_IMM(reg, imm, off) op(BPF_JMP | BPF_JEQ | BPF_K, reg, 0, off, imm)
#define CALL(helper) op(BPF_JMP | BPF_CALL, 0, 0, 0, helper)
#define EXIT() op(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
// A 64-bit load of a map's address, two instructions; the verifier replaces the descriptor with the map.
#define LOAD_MAP(dst, fd) op(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd), op(0, 0, 0, 0, 0)

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };
static const int32_t SK_DROP_VALUE = 0, SK_PASS_VALUE = 1;

/// Loads `count` instructions as a stream-verdict program named `name`, with the verifier's log in `log` when one
/// is given (loaded again without it when a successful load's log did not fit). Returns the fd or -errno.
static int load_verdict(const struct bpf_insn *program, size_t count, const char *name, char *log, size_t log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_SK_SKB;
    attr.expected_attach_type = BPF_SK_SKB_VERDICT;
    attr.insns = (uint64_t)(uintptr_t)program;
    attr.insn_cnt = (uint32_t)count;
    attr.license = (uint64_t)(uintptr_t) "GPL";
    if (log != NULL && log_size > 0) {
        log[0] = 0;
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = (uint32_t)log_size;
        attr.log_level = 1;
    }
    strncpy(attr.prog_name, name, sizeof(attr.prog_name) - 1);
    int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd < 0 && errno == ENOSPC && log != NULL) {
        attr.log_buf = 0;
        attr.log_size = 0;
        attr.log_level = 0;
        fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    }
    return fd < 0 ? -errno : fd;
}

// The verdict program. r6 = the skb, r7 = its socket's flow, r8 = the message's length, r9 = the flow's slot.
// Jump offsets count instructions from the one after the jump; the labels are the instruction numbers on the left.
static int load_program(const relay_maps *maps, char *log, size_t log_size) {
    struct bpf_insn program[] = {
        /*  0 */ MOV_REG(R6, R1),
        /*  1 */ LOAD32(R8, R6, 0),                          // r8 = skb->len
        // A FIN reaches the program as an empty message. TCP has already taken the end in (the socket reads EOF):
        // redirected, the empty send would fail the peer with EPIPE, so it is dropped (to 57).
        /*  2 */ JEQ_IMM(R8, 0, 54),
        /*  3 */ CALL(BPF_FUNC_get_socket_cookie),           // r0 = cookie of the socket that received it
        /*  4 */ STORE64(R10, -8, R0),
        /*  5 */ MOV_REG(R2, R10), ADD_IMM(R2, -8),         // r2 = &own cookie
        /*  7 */ LOAD_MAP(R1, maps->peers_fd),
        /*  9 */ CALL(BPF_FUNC_map_lookup_elem),             // r0 = &{peer cookie, slot}, or NULL
        /* 10 */ JEQ_IMM(R0, 0, 44),                         // not in a pair: keep, uncounted (to 55)
        /* 11 */ LOAD64(R1, R0, 0), STORE64(R10, -16, R1),  // stack[-16] = peer cookie
        /* 13 */ LOAD32(R9, R0, 8), STORE32(R10, -24, R9),  // r9 = slot; stack[-24] = slot, the flows key
        /* 15 */ MOV_REG(R2, R10), ADD_IMM(R2, -24),
        /* 17 */ LOAD_MAP(R1, maps->flows_fd),
        /* 19 */ CALL(BPF_FUNC_map_lookup_elem),             // r0 = &flow
        /* 20 */ JEQ_IMM(R0, 0, 34),                         // (to 55)
        /* 21 */ MOV_REG(R7, R0),
        /* 22 */ LOAD64(R1, R7, 8), LOAD64(R2, R7, 24),     // kept, resume_at
        /* 24 */ JNE_REG(R1, R2, 16),                        // user space still forwarding: keep (to 41)
        /* 25 */ LOAD64(R1, R7, 0), ADD_REG(R1, R8),        // redirected + length
        /* 27 */ LOAD64(R2, R7, 16),                         // limit
        /* 28 */ JGT_REG(R1, R2, 12),                        // grant used up: keep (to 41)
        /* 29 */ MOV_REG(R1, R6),
        /* 30 */ LOAD_MAP(R2, maps->sockets_fd),
        /* 32 */ MOV_REG(R3, R10), ADD_IMM(R3, -16),        // r3 = &peer cookie
        /* 34 */ MOV_IMM(R4, 0),                             // flags 0: to the peer's send queue (egress)
        /* 35 */ CALL(BPF_FUNC_sk_redirect_hash),            // SK_PASS when redirected, SK_DROP when peer missing
        /* 36 */ JEQ_IMM(R0, SK_DROP_VALUE, 4),              // peer missing (being added or removed) (to 41)
        /* 37 */ LOAD64(R1, R7, 0), ADD_REG(R1, R8), STORE64(R7, 0, R1),  // redirected += length
        /* 40 */ EXIT(),
        // 41, keep: the bytes stay on this socket (SK_PASS), charged to its receive buffer.
        /* 41 */ LOAD64(R1, R7, 8), ADD_REG(R1, R8), STORE64(R7, 8, R1),  // kept += length
        // Tell user space unless it was told since it last granted: `notified` is swapped to 1 after `kept` is
        // stored, and user space clears it after granting and then reads `kept`, so no kept byte goes unseen.
        /* 44 */ MOV_IMM(R1, 1), ATOMIC_XCHG64(R7, 32, R1),  // r1 = notified before
        /* 46 */ JNE_IMM(R1, 0, 8),                          // already told (to 55)
        /* 47 */ STORE64(R10, -32, R9),
        /* 48 */ LOAD_MAP(R1, maps->events_fd),
        /* 50 */ MOV_REG(R2, R10), ADD_IMM(R2, -32),
        /* 52 */ MOV_IMM(R3, 8), MOV_IMM(R4, 0),
        /* 54 */ CALL(BPF_FUNC_ringbuf_output),
        /* 55 */ MOV_IMM(R0, SK_PASS_VALUE),
        /* 56 */ EXIT(),
        /* 57 */ MOV_IMM(R0, SK_DROP_VALUE),
        /* 58 */ EXIT(),
    };
    return load_verdict(program, sizeof(program) / sizeof(program[0]), "pgfloat_relay", log, log_size);
}

static int create_map(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries, uint32_t flags,
                      const char *name) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_type = type;
    attr.key_size = key_size;
    attr.value_size = value_size;
    attr.max_entries = max_entries;
    attr.map_flags = flags;
    strncpy(attr.map_name, name, sizeof(attr.map_name) - 1);
    int fd = (int)sys_bpf(BPF_MAP_CREATE, &attr);
    return fd < 0 ? -errno : fd;
}

typedef struct {
    uint64_t peer_cookie;
    uint32_t slot;
    uint32_t unused;
} peer_entry;

// The ring buffer holds at most one unread record per socket (a socket records only when it starts keeping, and
// starts again only after user space has read the record and handed the direction back), 16 bytes each.
static uint64_t events_size_for(uint32_t max_sockets) {
    uint64_t size = (uint64_t)sysconf(_SC_PAGESIZE);
    while (size < 16 * (uint64_t)max_sockets) size <<= 1;
    return size;
}

static int map_events(relay_maps *maps, uint64_t size) {
    long page = sysconf(_SC_PAGESIZE);
    void *consumer = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, maps->events_fd, 0);
    if (consumer == MAP_FAILED) return -errno;
    void *producer = mmap(NULL, (size_t)page + 2 * size, PROT_READ, MAP_SHARED, maps->events_fd, page);
    if (producer == MAP_FAILED) {
        int error = -errno;
        munmap(consumer, (size_t)page);
        return error;
    }
    maps->events_consumer = consumer;
    maps->events_producer = producer;
    maps->events_data = (const uint8_t *)producer + page;
    maps->events_mask = size - 1;
    return 0;
}

static int attach(const relay_maps *maps) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)maps->sockets_fd;
    attr.attach_bpf_fd = (uint32_t)maps->program_fd;
    attr.attach_type = BPF_SK_SKB_VERDICT;
    return sys_bpf(BPF_PROG_ATTACH, &attr) < 0 ? -errno : 0;
}

int relay_open(relay_maps *out, uint32_t max_sockets, char *log, size_t log_size) {
    memset(out, 0, sizeof(*out));
    out->sockets_fd = out->peers_fd = out->flows_fd = out->events_fd = out->program_fd = -1;
    out->max_sockets = max_sockets;
    uint64_t events_size = events_size_for(max_sockets);
    // SOCKHASH values are socket descriptors on update (4 bytes); the kernel keeps the socket.
    out->sockets_fd = create_map(BPF_MAP_TYPE_SOCKHASH, 8, sizeof(uint32_t), max_sockets, 0, "pgfloat_socks");
    // Not preallocated: an idle proxy should not hold max_sockets entries of kernel memory.
    out->peers_fd = create_map(BPF_MAP_TYPE_HASH, 8, sizeof(peer_entry), max_sockets, BPF_F_NO_PREALLOC,
                               "pgfloat_peers");
    out->flows_fd = create_map(BPF_MAP_TYPE_ARRAY, 4, sizeof(relay_flow), max_sockets, BPF_F_MMAPABLE,
                               "pgfloat_flows");
    out->events_fd = create_map(BPF_MAP_TYPE_RINGBUF, 0, 0, (uint32_t)events_size, 0, "pgfloat_events");
    int status = 0;
    int fds[] = {out->sockets_fd, out->peers_fd, out->flows_fd, out->events_fd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]) && status == 0; i++)
        if (fds[i] < 0) status = fds[i];
    if (status == 0) {
        size_t length = sizeof(relay_flow) * max_sockets;
        void *flows = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, out->flows_fd, 0);
        if (flows == MAP_FAILED) status = -errno;
        else out->flows = flows;
    }
    if (status == 0) status = map_events(out, events_size);
    if (status == 0) {
        out->program_fd = load_program(out, log, log_size);
        if (out->program_fd < 0) status = out->program_fd;
    }
    if (status == 0) status = attach(out);
    if (status != 0) relay_close(out);
    return status;
}

void relay_close(relay_maps *maps) {
    long page = sysconf(_SC_PAGESIZE);
    if (maps->flows != NULL) munmap(maps->flows, sizeof(relay_flow) * maps->max_sockets);
    if (maps->events_consumer != NULL) munmap(maps->events_consumer, (size_t)page);
    if (maps->events_producer != NULL)
        munmap((void *)maps->events_producer, (size_t)page + 2 * (maps->events_mask + 1));
    int fds[] = {maps->program_fd, maps->events_fd, maps->flows_fd, maps->peers_fd, maps->sockets_fd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        if (fds[i] >= 0) close(fds[i]);
    memset(maps, 0, sizeof(*maps));
    maps->sockets_fd = maps->peers_fd = maps->flows_fd = maps->events_fd = maps->program_fd = -1;
}

// The ring buffer's record header: its length, with these two flags in the top bits (include/uapi/linux/bpf.h).
enum { RECORD_BUSY = 1u << 31, RECORD_DISCARDED = 1u << 30, RECORD_HEADER = 8 };

static int map_update(int map_fd, const void *key, const void *value, uint64_t flags) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_fd = (uint32_t)map_fd;
    attr.key = (uint64_t)(uintptr_t)key;
    attr.value = (uint64_t)(uintptr_t)value;
    attr.flags = flags;
    return sys_bpf(BPF_MAP_UPDATE_ELEM, &attr) < 0 ? -errno : 0;
}

static void map_delete(int map_fd, const void *key) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_fd = (uint32_t)map_fd;
    attr.key = (uint64_t)(uintptr_t)key;
    (void)sys_bpf(BPF_MAP_DELETE_ELEM, &attr);
}

static int socket_cookie(int fd, uint64_t *cookie) {
    socklen_t len = sizeof(*cookie);
    return getsockopt(fd, SOL_SOCKET, SO_COOKIE, cookie, &len) < 0 ? -errno : 0;
}

int relay_add_pair(const relay_maps *maps, int fd_a, uint32_t slot_a, int fd_b, uint32_t slot_b, uint64_t window_a,
                   uint64_t window_b, relay_pair *pair) {
    if (slot_a >= maps->max_sockets || slot_b >= maps->max_sockets || slot_a == slot_b) return -EINVAL;
    pair->slot_a = slot_a;
    pair->slot_b = slot_b;
    int status = socket_cookie(fd_a, &pair->cookie_a);
    if (status == 0) status = socket_cookie(fd_b, &pair->cookie_b);
    if (status != 0) return status;
    relay_flow fresh_a = {.limit = window_a}, fresh_b = {.limit = window_b};
    maps->flows[slot_a] = fresh_a;
    maps->flows[slot_b] = fresh_b;
    peer_entry entry_a = {.peer_cookie = pair->cookie_b, .slot = slot_a};
    peer_entry entry_b = {.peer_cookie = pair->cookie_a, .slot = slot_b};
    // Peers first: a socket's bytes are redirected only once it is in `sockets`, and by then its peer is known.
    status = map_update(maps->peers_fd, &pair->cookie_a, &entry_a, BPF_NOEXIST);
    if (status == 0) status = map_update(maps->peers_fd, &pair->cookie_b, &entry_b, BPF_NOEXIST);
    uint32_t value_a = (uint32_t)fd_a, value_b = (uint32_t)fd_b;
    if (status == 0) status = map_update(maps->sockets_fd, &pair->cookie_b, &value_b, BPF_NOEXIST);
    if (status == 0) status = map_update(maps->sockets_fd, &pair->cookie_a, &value_a, BPF_NOEXIST);
    if (status != 0) relay_remove_pair(maps, pair);
    return status;
}

void relay_remove_pair(const relay_maps *maps, const relay_pair *pair) {
    map_delete(maps->sockets_fd, &pair->cookie_a);
    map_delete(maps->sockets_fd, &pair->cookie_b);
    map_delete(maps->peers_fd, &pair->cookie_a);
    map_delete(maps->peers_fd, &pair->cookie_b);
}

int relay_queued_total(int fd, uint64_t *total) {
    struct tcp_info info;
    socklen_t len = sizeof(info);
    int unsent = 0;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0 || ioctl(fd, SIOCOUTQ, &unsent) < 0) return -errno;
    *total = info.tcpi_bytes_acked + (uint64_t)unsent;
    return 0;
}

int relay_socket_closed(int fd) {
    struct tcp_info info;
    socklen_t len = sizeof(info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) return 1;
    return info.tcpi_state == 7;  // TCP_CLOSE (include/net/tcp_states.h); linux/tcp.h does not name the states
}

void relay_flow_counts(const relay_maps *maps, uint32_t slot, uint64_t *redirected, uint64_t *kept) {
    *redirected = __atomic_load_n(&maps->flows[slot].redirected, __ATOMIC_ACQUIRE);
    *kept = __atomic_load_n(&maps->flows[slot].kept, __ATOMIC_ACQUIRE);
}

uint64_t relay_grant(relay_maps *maps, uint32_t slot, uint64_t window, uint64_t resume_at) {
    relay_flow *flow = &maps->flows[slot];
    uint64_t redirected = __atomic_load_n(&flow->redirected, __ATOMIC_SEQ_CST);
    // The limit first: the program compares kept with resume_at before it reads the limit.
    __atomic_store_n(&flow->limit, redirected + window, __ATOMIC_SEQ_CST);
    __atomic_store_n(&flow->resume_at, resume_at, __ATOMIC_SEQ_CST);
    __atomic_store_n(&flow->notified, 0, __ATOMIC_SEQ_CST);
    return __atomic_load_n(&flow->kept, __ATOMIC_SEQ_CST);
}

uint64_t relay_send_space(int fd) {
    uint32_t meminfo[SK_MEMINFO_VARS];
    socklen_t len = sizeof(meminfo);
    if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len) < 0) return 0;
    uint32_t sndbuf = meminfo[SK_MEMINFO_SNDBUF], queued = meminfo[SK_MEMINFO_WMEM_QUEUED];
    return sndbuf > queued ? sndbuf - queued : 0;
}

int64_t relay_next_event(relay_maps *maps) {
    uint64_t consumer = __atomic_load_n(maps->events_consumer, __ATOMIC_ACQUIRE);
    uint64_t producer = __atomic_load_n(maps->events_producer, __ATOMIC_ACQUIRE);
    while (consumer < producer) {
        const uint8_t *record = maps->events_data + (consumer & maps->events_mask);
        uint32_t header = __atomic_load_n((const uint32_t *)record, __ATOMIC_ACQUIRE);
        if (header & RECORD_BUSY) return -1;  // being written: the next wakeup brings it
        uint32_t length = header & ~(RECORD_BUSY | RECORD_DISCARDED);
        int64_t slot = -1;
        // Copied out before the position moves on: from then on the program may write over the record.
        if (!(header & RECORD_DISCARDED) && length >= sizeof(uint32_t)) {
            uint32_t copy;
            memcpy(&copy, record + RECORD_HEADER, sizeof(copy));
            slot = copy;
        }
        consumer += (RECORD_HEADER + length + 7) & ~7ull;
        __atomic_store_n(maps->events_consumer, consumer, __ATOMIC_RELEASE);
        if (slot >= 0) return slot;
    }
    return -1;
}
