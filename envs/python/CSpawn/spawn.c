#define _GNU_SOURCE
#include "troupe_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

// Everything below the fork in the child uses raw system calls or async-signal-safe functions only.

static void report_and_exit(int pipe_fd, int step) {
    int32_t message[2] = {step, errno};
    ssize_t ignored = write(pipe_fd, message, sizeof message);
    (void)ignored;
    _exit(127);
}

static int close_from(int lowest) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) return 0;
#endif
    struct rlimit limit;
    long top = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) top = (long)limit.rlim_cur;
    for (long fd = lowest; fd < top; fd++) close((int)fd);
    return 0;
}

static void child(const troupe_spawn_options *o, int report_fd, pid_t parent) {
    // Move the three descriptors above anything they could collide with, then into place.
    int high[3];
    int wanted[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
    for (int i = 0; i < 3; i++) {
        high[i] = fcntl(wanted[i], F_DUPFD_CLOEXEC, 16);
        if (high[i] < 0) report_and_exit(report_fd, TROUPE_SPAWN_FDS);
    }
    int report = fcntl(report_fd, F_DUPFD_CLOEXEC, 16);
    if (report < 0) report_and_exit(report_fd, TROUPE_SPAWN_FDS);
    for (int i = 0; i < 3; i++) {
        if (dup2(high[i], i) < 0) report_and_exit(report, TROUPE_SPAWN_FDS);
    }
    // Close everything from 3 up except the report pipe (close-on-exec, it closes at exec).
    int keep = fcntl(report, F_DUPFD_CLOEXEC, 3);
    if (keep < 0) report_and_exit(report, TROUPE_SPAWN_FDS);
    if (keep > 3) {
        for (int fd = 3; fd < keep; fd++) close(fd);
    }
    close_from(keep + 1);
    report = keep;

    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    struct sigaction dfl = {0};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }

    if (setsid() < 0) report_and_exit(report, TROUPE_SPAWN_SESSION);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) report_and_exit(report, TROUPE_SPAWN_PRCTL);
    if (getppid() != parent) _exit(127);  // the owner died before PDEATHSIG was armed
    if (o->directory && chdir(o->directory) != 0) report_and_exit(report, TROUPE_SPAWN_CHDIR);
    if (o->uid >= 0) {
        if (syscall(SYS_setgroups, 0, NULL) != 0) report_and_exit(report, TROUPE_SPAWN_GROUPS);
        if (syscall(SYS_setresgid, o->gid, o->gid, o->gid) != 0) report_and_exit(report, TROUPE_SPAWN_GID);
        if (syscall(SYS_setresuid, o->uid, o->uid, o->uid) != 0) report_and_exit(report, TROUPE_SPAWN_UID);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) report_and_exit(report, TROUPE_SPAWN_PRCTL);
    execve(o->path, o->argv, o->envp);
    report_and_exit(report, TROUPE_SPAWN_EXEC);
}

pid_t troupe_spawn(const troupe_spawn_options *options, int *failed_step, int *failed_errno) {
    int report[2];
    *failed_step = 0;
    *failed_errno = 0;
    if (pipe2(report, O_CLOEXEC) != 0) {
        *failed_step = TROUPE_SPAWN_FORK;
        *failed_errno = errno;
        return -1;
    }
    pid_t parent = getpid();
    // A raw fork (clone with only SIGCHLD): glibc's fork() would run the process's atfork
    // handlers, and OpenBLAS's shuts its thread pool down there, which deadlocks while another
    // thread of this process is inside an OpenBLAS call (seen with the engine and python-v0 in
    // one process). The child needs none of them: it makes system calls and execs.
    pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, 0UL, 0UL, 0UL);
    if (pid < 0) {
        *failed_step = TROUPE_SPAWN_FORK;
        *failed_errno = errno;
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0) {
        close(report[0]);
        child(options, report[1], parent);
        _exit(127);
    }
    close(report[1]);
    int32_t message[2];
    ssize_t got;
    do {
        got = read(report[0], message, sizeof message);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof message) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        *failed_step = message[0];
        *failed_errno = message[1];
        return -1;
    }
    return pid;
}

int troupe_set_pipe_size(int fd, int bytes) { return fcntl(fd, F_SETPIPE_SZ, bytes); }

int troupe_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int troupe_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

long troupe_send_with_fds(int sock, const void *bytes, unsigned long count, const int *fds, int fd_count) {
    if (fd_count < 0 || fd_count > 8 || count == 0) {
        errno = EINVAL;
        return -1;
    }
    union {
        char buffer[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec vector = {.iov_base = (void *)bytes, .iov_len = count};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1};
    if (fd_count > 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE(fd_count * sizeof(int));
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(fd_count * sizeof(int));
        memcpy(CMSG_DATA(header), fds, fd_count * sizeof(int));
    }
    return (long)sendmsg(sock, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
}
