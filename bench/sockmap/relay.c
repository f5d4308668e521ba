// The kernel-side relay under study: a BPF sk_skb stream-verdict program that sends every byte a socket receives
// straight to its peer's send queue, and the two maps it reads. Loaded with the bpf() syscall directly: the program
// is 22 instructions, so a C array with a comment per instruction is easier to review than a second compiler target
// and a libbpf dependency, and the build needs nothing new.
//
// Maps:
//   sockets: SOCKHASH, socket cookie -> socket. A socket in it has the verdict program attached.
//   peers:   HASH, socket cookie -> the peer's socket cookie.
// A socket whose cookie is missing from `peers`, or whose peer is not in `sockets` yet, keeps its bytes (SK_PASS):
// they wait in its own receive path for a user-space read instead of being dropped.
#define _GNU_SOURCE
#include "relay.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
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

static int load_program(int sockets_fd, int peers_fd, char *log, size_t log_size) {
    struct bpf_insn program[] = {
        MOV_REG(R6, R1),                           // r6 = the skb, kept across calls
        CALL(BPF_FUNC_get_socket_cookie),          // r0 = cookie of the socket that received it
        STORE64(R10, -8, R0),                      // stack[-8] = own cookie
        MOV_REG(R2, R10), ADD_IMM(R2, -8),         // r2 = &own cookie
        LOAD_MAP(R1, peers_fd),                    // r1 = peers
        CALL(BPF_FUNC_map_lookup_elem),            // r0 = &peer cookie, or NULL
        JEQ_IMM(R0, 0, 11),                        // no peer: keep the bytes (to `keep`)
        LOAD64(R1, R0, 0), STORE64(R10, -16, R1),  // stack[-16] = peer cookie
        MOV_REG(R1, R6),                           // r1 = the skb
        LOAD_MAP(R2, sockets_fd),                  // r2 = sockets
        MOV_REG(R3, R10), ADD_IMM(R3, -16),        // r3 = &peer cookie
        MOV_IMM(R4, 0),                            // flags 0: to the peer's send queue (egress)
        CALL(BPF_FUNC_sk_redirect_hash),           // SK_PASS when redirected, SK_DROP when the peer is missing
        JEQ_IMM(R0, SK_DROP_VALUE, 1),             // peer missing (being added or removed): keep the bytes
        EXIT(),                                    // redirected
        MOV_IMM(R0, SK_PASS_VALUE),                // keep:
        EXIT(),
    };
    return load_verdict(program, sizeof(program) / sizeof(program[0]), "pgfloat_relay", log, log_size);
}

static int create_map(uint32_t type, uint32_t value_size, uint32_t max_entries, uint32_t flags, const char *name) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_type = type;
    attr.key_size = sizeof(uint64_t);
    attr.value_size = value_size;
    attr.max_entries = max_entries;
    attr.map_flags = flags;
    strncpy(attr.map_name, name, sizeof(attr.map_name) - 1);
    int fd = (int)sys_bpf(BPF_MAP_CREATE, &attr);
    return fd < 0 ? -errno : fd;
}

int relay_open(relay_maps *out, uint32_t max_sockets, char *log, size_t log_size) {
    out->sockets_fd = out->peers_fd = out->program_fd = -1;
    // SOCKHASH values are socket descriptors on update (4 bytes); the kernel keeps the socket.
    int sockets = create_map(BPF_MAP_TYPE_SOCKHASH, sizeof(uint32_t), max_sockets, 0, "pgfloat_socks");
    if (sockets < 0) return sockets;
    // Not preallocated: an idle proxy should not hold max_sockets entries of kernel memory.
    int peers = create_map(BPF_MAP_TYPE_HASH, sizeof(uint64_t), max_sockets, BPF_F_NO_PREALLOC, "pgfloat_peers");
    if (peers < 0) {
        close(sockets);
        return peers;
    }
    int program = load_program(sockets, peers, log, log_size);
    if (program < 0) {
        close(sockets);
        close(peers);
        return program;
    }
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)sockets;
    attr.attach_bpf_fd = (uint32_t)program;
    attr.attach_type = BPF_SK_SKB_VERDICT;
    if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0) {
        int error = -errno;
        close(sockets);
        close(peers);
        close(program);
        return error;
    }
    out->sockets_fd = sockets;
    out->peers_fd = peers;
    out->program_fd = program;
    return 0;
}

void relay_close(relay_maps *map) {
    if (map->program_fd >= 0) close(map->program_fd);
    if (map->peers_fd >= 0) close(map->peers_fd);
    if (map->sockets_fd >= 0) close(map->sockets_fd);
    map->sockets_fd = map->peers_fd = map->program_fd = -1;
}

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

int relay_add_pair(const relay_maps *map, int fd_a, int fd_b, relay_pair *pair) {
    int status = socket_cookie(fd_a, &pair->cookie_a);
    if (status == 0) status = socket_cookie(fd_b, &pair->cookie_b);
    if (status != 0) return status;
    // Peers first: a socket's bytes are redirected only once it is in `sockets`, and by then its peer is known.
    status = map_update(map->peers_fd, &pair->cookie_a, &pair->cookie_b, BPF_NOEXIST);
    if (status == 0) status = map_update(map->peers_fd, &pair->cookie_b, &pair->cookie_a, BPF_NOEXIST);
    uint32_t value_a = (uint32_t)fd_a, value_b = (uint32_t)fd_b;
    if (status == 0) status = map_update(map->sockets_fd, &pair->cookie_b, &value_b, BPF_NOEXIST);
    if (status == 0) status = map_update(map->sockets_fd, &pair->cookie_a, &value_a, BPF_NOEXIST);
    if (status != 0) relay_remove_pair(map, pair);
    return status;
}

void relay_remove_pair(const relay_maps *map, const relay_pair *pair) {
    map_delete(map->sockets_fd, &pair->cookie_a);
    map_delete(map->sockets_fd, &pair->cookie_b);
    map_delete(map->peers_fd, &pair->cookie_a);
    map_delete(map->peers_fd, &pair->cookie_b);
}

int relay_tcp_progress_of(int fd, relay_tcp_progress *out) {
    struct tcp_info info;
    socklen_t len = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) return -errno;
    int unsent = 0, unread = 0;
    if (ioctl(fd, SIOCOUTQ, &unsent) < 0 || ioctl(fd, SIOCINQ, &unread) < 0) return -errno;
    out->bytes_received = info.tcpi_bytes_received;
    out->bytes_acked = info.tcpi_bytes_acked;
    out->unread = (uint32_t)unread;
    out->unsent_or_unacked = (uint32_t)unsent;
    return 0;
}

int relay_load_peer_probe(int sockets_fd, int32_t helper, char *log, size_t log_size) {
    // Finds a socket in `sockets` (key 0), hands it to `helper`, releases it: does the verifier let a verdict
    // program learn anything about its peer through `helper`?
    struct bpf_insn program[] = {
        MOV_IMM(R1, 0), STORE64(R10, -8, R1),      // stack[-8] = key 0
        MOV_REG(R2, R10), ADD_IMM(R2, -8),         // r2 = &key
        LOAD_MAP(R1, sockets_fd),                  // r1 = sockets
        CALL(BPF_FUNC_map_lookup_elem),            // r0 = the socket (a reference), or NULL
        JEQ_IMM(R0, 0, 7),                         // none: to `out`
        MOV_REG(R7, R0),                           // r7 = the socket, to release
        MOV_REG(R1, R0), CALL(helper),             // the helper under test
        MOV_REG(R1, R7), CALL(BPF_FUNC_sk_release),
        MOV_IMM(R0, SK_PASS_VALUE), EXIT(),
        MOV_IMM(R0, SK_PASS_VALUE), EXIT(),        // out:
    };
    return load_verdict(program, sizeof(program) / sizeof(program[0]), "pgfloat_probe", log, log_size);
}

int relay_create_map(int sockhash, uint32_t max_entries) {
    return sockhash ? create_map(BPF_MAP_TYPE_SOCKHASH, sizeof(uint32_t), max_entries, 0, "probe_socks")
                    : create_map(BPF_MAP_TYPE_HASH, sizeof(uint64_t), max_entries, BPF_F_NO_PREALLOC, "probe_peers");
}
