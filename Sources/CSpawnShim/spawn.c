// The child's side of starting a script. Between fork and exec only async-signal-safe calls are made: the child
// is a copy of one thread of a multi-threaded process, and any lock another thread held (malloc's, the Swift
// runtime's) stays held forever in it.
//
// Credentials change through raw system calls: glibc's setuid() and friends broadcast the change to every thread
// of the process, bookkeeping a forked child must not rely on; on Linux credentials are per thread, and the
// child has exactly one.
#define _GNU_SOURCE
#include "CSpawnShim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// What a child that cannot exec writes to its parent before it exits.
typedef struct {
    int stage;
    int error;
} failure_report;

static void fail(int report_fd, int stage) __attribute__((noreturn));
static void fail(int report_fd, int stage) {
    failure_report report = {stage, errno};
    ssize_t ignored = write(report_fd, &report, sizeof report);
    (void)ignored;
    _exit(127);
}

/// Moves `fd` above the standard streams (when a daemon started with them closed, a pipe can be 0, 1 or 2), so
/// that setting up one stream cannot overwrite the source of another. The copy is close-on-exec.
static int above_stdio(int fd) {
    return fd > STDERR_FILENO ? fd : fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
}

static void close_all_but(int keep) {
#ifdef SYS_close_range
    // Close-on-exec is the norm in the daemon, but one descriptor opened without it (by a library, or by another
    // thread between socket() and fcntl()) would otherwise reach the script: a listening socket or a raw VRRP
    // socket in the hands of an unprivileged user. ENOSYS before Linux 5.9 leaves close-on-exec as the only guard.
    if (keep > STDERR_FILENO + 1) (void)syscall(SYS_close_range, STDERR_FILENO + 1, keep - 1, 0);
    (void)syscall(SYS_close_range, keep + 1, ~0U, 0);
#else
    (void)keep;
#endif
}

static void run_child(const char *path, char *const argv[], char *const envp[], const spawn_shim_options *options,
                      int report_fd) __attribute__((noreturn));
static void run_child(const char *path, char *const argv[], char *const envp[], const spawn_shim_options *options,
                      int report_fd) {
    // The daemon's handlers and ignored signals must not reach the script; every signal is blocked (inherited
    // from the parent thread), so none can run a parent handler in this copy of the process meanwhile.
    struct sigaction default_action = {0};
    default_action.sa_handler = SIG_DFL;
    for (int signal_number = 1; signal_number < _NSIG; signal_number++) {
        (void)sigaction(signal_number, &default_action, NULL);
    }

    if ((report_fd = above_stdio(report_fd)) < 0) _exit(127);
    // Its own group, so that a timeout kills the script and everything it started with one kill(-pid).
    if (setpgid(0, 0) != 0) fail(report_fd, SPAWN_SHIM_STAGE_PROCESS_GROUP);

    int in_fd = options->stdin_fd >= 0 ? options->stdin_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out_fd = above_stdio(options->stdout_fd);
    int err_fd = above_stdio(options->stderr_fd);
    if (in_fd < 0 || (in_fd = above_stdio(in_fd)) < 0 || out_fd < 0 || err_fd < 0) {
        fail(report_fd, SPAWN_SHIM_STAGE_STDIO);
    }
    // dup2 clears close-on-exec on the copies; the sources are all above 2, so the copies are new descriptors.
    if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0) {
        fail(report_fd, SPAWN_SHIM_STAGE_STDIO);
    }
    close_all_but(report_fd);

    if (options->switch_user) {
        // Groups first: after setresuid the process may no longer change them.
        if (options->set_groups && syscall(SYS_setgroups, options->group_count, options->groups) != 0) {
            fail(report_fd, SPAWN_SHIM_STAGE_SETGROUPS);
        }
        gid_t gid = options->gid;
        uid_t uid = options->uid;
        if (syscall(SYS_setresgid, gid, gid, gid) != 0) fail(report_fd, SPAWN_SHIM_STAGE_SETGID);
        // Real, effective and saved ids together, so the script has no way back to root.
        if (syscall(SYS_setresuid, uid, uid, uid) != 0) fail(report_fd, SPAWN_SHIM_STAGE_SETUID);
        if (getuid() != uid || geteuid() != uid) {
            errno = EPERM;
            fail(report_fd, SPAWN_SHIM_STAGE_SETUID);
        }
        if (getgid() != gid || getegid() != gid) {
            errno = EPERM;
            fail(report_fd, SPAWN_SHIM_STAGE_SETGID);
        }
    }

    sigset_t no_signals;
    sigemptyset(&no_signals);
    (void)sigprocmask(SIG_SETMASK, &no_signals, NULL);
    execve(path, argv, envp);
    fail(report_fd, SPAWN_SHIM_STAGE_EXEC);
}

int spawn_shim_start(const char *path, char *const argv[], char *const envp[], const spawn_shim_options *options,
                     pid_t *pid, int *stage) {
    int report_pipe[2];
    if (pipe2(report_pipe, O_CLOEXEC) != 0) {
        *stage = SPAWN_SHIM_STAGE_PIPE;
        return errno;
    }
    sigset_t all_signals, previous_mask;
    sigfillset(&all_signals);
    pthread_sigmask(SIG_SETMASK, &all_signals, &previous_mask);
    pid_t child = fork();
    if (child == 0) {
        close(report_pipe[0]);
        run_child(path, argv, envp, options, report_pipe[1]);
    }
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous_mask, NULL);
    close(report_pipe[1]);
    if (child < 0) {
        close(report_pipe[0]);
        *stage = SPAWN_SHIM_STAGE_FORK;
        return fork_error;
    }

    // The write end closes at exec (close-on-exec), so end of file means the program is running; a report means
    // it never will. Either way the child has finished setpgid, so the caller may signal its group at once.
    failure_report report;
    ssize_t count;
    do {
        count = read(report_pipe[0], &report, sizeof report);
    } while (count < 0 && errno == EINTR);
    close(report_pipe[0]);
    if (count == (ssize_t)sizeof report) {
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
        }
        *stage = report.stage;
        return report.error;
    }
    *pid = child;
    *stage = SPAWN_SHIM_STAGE_NONE;
    return 0;
}

int spawn_shim_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno; }

int spawn_shim_socketpair(int fds[2]) {
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0 ? 0 : errno;
}

ssize_t spawn_shim_send(int fd, const void *bytes, size_t count) {
    return send(fd, bytes, count, MSG_NOSIGNAL | MSG_DONTWAIT);
}
