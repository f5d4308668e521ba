// Starting a script as another user. posix_spawn cannot change credentials, and Swift cannot run code between
// fork and exec safely in a multi-threaded process (the runtime may allocate or take locks), so the child's side
// lives here, in C, using only async-signal-safe calls. _GNU_SOURCE stays inside the .c file.
#ifndef CSPAWNSHIM_H
#define CSPAWNSHIM_H

#include <stddef.h>
#include <sys/types.h>

/// The step that failed when `spawn_shim_start` returns an errno.
static const int SPAWN_SHIM_STAGE_NONE = 0;
/// Creating the pipe the child reports failures on.
static const int SPAWN_SHIM_STAGE_PIPE = 1;
static const int SPAWN_SHIM_STAGE_FORK = 2;
/// Opening /dev/null or moving the input and output descriptors onto 0, 1 and 2.
static const int SPAWN_SHIM_STAGE_STDIO = 3;
/// Making the child the leader of a new process group.
static const int SPAWN_SHIM_STAGE_PROCESS_GROUP = 4;
static const int SPAWN_SHIM_STAGE_SETGROUPS = 5;
static const int SPAWN_SHIM_STAGE_SETGID = 6;
static const int SPAWN_SHIM_STAGE_SETUID = 7;
static const int SPAWN_SHIM_STAGE_EXEC = 8;

/// How the child is set up before it runs the program.
typedef struct {
    /// What becomes the child's stdin, or -1 for /dev/null.
    int stdin_fd;
    /// Write ends that become the child's stdout and stderr.
    int stdout_fd;
    int stderr_fd;
    /// Nonzero: switch the real, effective and saved ids to `uid` and `gid` before exec.
    int switch_user;
    uid_t uid;
    gid_t gid;
    /// Nonzero: also replace the supplementary groups with `groups` (only root may).
    int set_groups;
    const gid_t *groups;
    size_t group_count;
} spawn_shim_options;

/// Forks and runs `path` with `argv` and `envp` (no PATH search) in a new process group, with default signal
/// dispositions, an empty signal mask and no file descriptors beyond 0, 1 and 2.
///
/// Returns 0 with the child's id in `*pid` once the exec has succeeded, or an errno with the failing step in
/// `*stage`; a child that failed has been reaped.
int spawn_shim_start(const char *path, char *const argv[], char *const envp[], const spawn_shim_options *options,
                     pid_t *pid, int *stage);

/// pipe2 with O_CLOEXEC, which Swift's Glibc module lacks: 0, or an errno.
int spawn_shim_pipe(int fds[2]);

/// A close-on-exec AF_UNIX stream pair for a child's stdin: 0, or an errno. A socket, not a pipe, because
/// `spawn_shim_send` to a child that died gets EPIPE rather than a SIGPIPE that would end the parent.
int spawn_shim_socketpair(int fds[2]);

/// send() with MSG_NOSIGNAL and MSG_DONTWAIT: the count sent, or -1 with errno (EAGAIN when the socket is full).
ssize_t spawn_shim_send(int fd, const void *bytes, size_t count);

#endif
