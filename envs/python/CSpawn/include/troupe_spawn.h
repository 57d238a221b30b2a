#ifndef TROUPE_SPAWN_H
#define TROUPE_SPAWN_H

// Process control for Troupe's Python sandbox: what must happen between fork and exec, which Swift
// cannot do safely in a forked child of a multi-threaded process (only async-signal-safe calls are
// allowed there), and the variadic prctl that Swift cannot import.

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// How to start a sandbox worker process.
typedef struct troupe_spawn_options {
    /// The executable (an absolute path; no PATH search).
    const char *path;
    /// NULL-terminated argument vector, argv[0] included.
    char *const *argv;
    /// NULL-terminated environment: the only variables the child will have.
    char *const *envp;
    /// Descriptors that become the child's 0, 1 and 2. Every other descriptor is closed.
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    /// Working directory of the child (NULL: unchanged).
    const char *directory;
    /// When >= 0: drop supplementary groups and switch to this gid and uid (needs root).
    int uid;
    int gid;
} troupe_spawn_options;

/// Which step failed when troupe_spawn returns -1 (reported with its errno).
enum troupe_spawn_step {
    TROUPE_SPAWN_FORK = 1,
    TROUPE_SPAWN_FDS = 2,
    TROUPE_SPAWN_SESSION = 3,
    TROUPE_SPAWN_PRCTL = 4,
    TROUPE_SPAWN_CHDIR = 5,
    TROUPE_SPAWN_GROUPS = 6,
    TROUPE_SPAWN_GID = 7,
    TROUPE_SPAWN_UID = 8,
    TROUPE_SPAWN_EXEC = 9,
};

/// Forks and executes `options->path` with:
/// - a new session and process group (setsid), hence no controlling terminal;
/// - SIGKILL on the death of the calling thread (PR_SET_PDEATHSIG), so a worker never outlives
///   the thread that owns it;
/// - default signal dispositions and an empty signal mask;
/// - only descriptors 0, 1 and 2 open;
/// - PR_SET_NO_NEW_PRIVS, so no setuid binary can raise its privileges;
/// - optionally another uid and gid.
/// Returns the child's pid once the exec has succeeded; -1 with `*failed_step` and `*failed_errno`
/// when any step failed (the child has then been reaped).
pid_t troupe_spawn(const troupe_spawn_options *options, int *failed_step, int *failed_errno);

/// pipe2(fds, O_CLOEXEC), which Swift's Glibc module does not export.
int troupe_pipe_cloexec(int fds[2]);

/// The maximum number of bytes the kernel moves through a pipe buffer, raised to `bytes` if the
/// system allows it (F_SETPIPE_SZ). Returns the new size or -1.
int troupe_set_pipe_size(int fd, int bytes);

/// memfd_create(name, MFD_CLOEXEC): an anonymous file only its holders can reach. Returns the
/// descriptor or -1.
int troupe_memfd(const char *name);

/// Sends `count` bytes on the stream socket `sock` with `fd_count` descriptors attached
/// (SCM_RIGHTS; at most 8), without SIGPIPE and without blocking. Returns the bytes sent (the
/// descriptors travel with the first of them) or -1 with errno.
long troupe_send_with_fds(int sock, const void *bytes, unsigned long count, const int *fds, int fd_count);

#ifdef __cplusplus
}
#endif

#endif
