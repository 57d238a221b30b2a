import Foundation

/// The floor of the socket benchmarks: a plain C epoll server that echoes every byte it reads,
/// compiled with `cc -O2` at bench time, over the same kind of socket as `envd`. A client that
/// sends the same frames to it and reads the same number of lines measures what the kernel,
/// the socket and the client cost, with no server work at all.
enum EchoFloor {
    /// The server: single-threaded, edge-free epoll (level-triggered), nonblocking sockets. It
    /// prints `ready` once listening. Usage: `echo unix PATH` or `echo tcp PORT` (loopback).
    static let source = #"""
        #include <errno.h>
        #include <netinet/in.h>
        #include <netinet/tcp.h>
        #include <arpa/inet.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/epoll.h>
        #include <sys/socket.h>
        #include <sys/un.h>
        #include <unistd.h>
        #include <fcntl.h>

        #include <signal.h>

        static void nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

        int main(int argc, char **argv) {
            if (argc != 3) { fprintf(stderr, "usage: echo unix PATH | echo tcp PORT\n"); return 2; }
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, NULL);  /* SIGTERM works even if the parent blocked it */
            int tcp = strcmp(argv[1], "tcp") == 0;
            int listener = socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
            if (tcp) {
                int one = 1;
                setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                struct sockaddr_in address = {0};
                address.sin_family = AF_INET;
                address.sin_port = htons(atoi(argv[2]));
                address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0) { perror("bind"); return 1; }
            } else {
                struct sockaddr_un address = {0};
                address.sun_family = AF_UNIX;
                strncpy(address.sun_path, argv[2], sizeof address.sun_path - 1);
                unlink(argv[2]);
                if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0) { perror("bind"); return 1; }
            }
            listen(listener, 256);
            nonblocking(listener);
            int poll = epoll_create1(0);
            struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
            epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);
            printf("ready\n");
            fflush(stdout);
            static char buffer[1 << 20];
            struct epoll_event events[64];
            for (;;) {
                int n = epoll_wait(poll, events, 64, 500);
                if (getppid() == 1) return 0;  /* the benchmark is gone: so is its floor */
                for (int i = 0; i < n; i++) {
                    int fd = events[i].data.fd;
                    if (fd == listener) {
                        int client;
                        while ((client = accept(listener, NULL, NULL)) >= 0) {
                            nonblocking(client);
                            if (tcp) { int one = 1; setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }
                            struct epoll_event added = {.events = EPOLLIN, .data.fd = client};
                            epoll_ctl(poll, EPOLL_CTL_ADD, client, &added);
                        }
                        continue;
                    }
                    ssize_t got = read(fd, buffer, sizeof buffer);
                    if (got <= 0) {
                        if (got < 0 && errno == EAGAIN) continue;
                        close(fd);
                        continue;
                    }
                    ssize_t sent = 0;
                    while (sent < got) {  /* answers are small; a full socket buffer is waited out */
                        ssize_t w = write(fd, buffer + sent, got - sent);
                        if (w < 0) { if (errno == EAGAIN) { usleep(50); continue; } break; }
                        sent += w;
                    }
                }
            }
        }
        """#

    /// Compiles the server into `directory` and returns the executable's path.
    static func build(in directory: URL) throws -> String {
        let sourcePath = directory.appending(path: "echo.c")
        let binary = directory.appending(path: "echo")
        try source.write(to: sourcePath, atomically: true, encoding: .utf8)
        let compiler = Process()
        compiler.executableURL = URL(filePath: "/usr/bin/env")
        compiler.arguments = ["cc", "-O2", "-o", binary.path, sourcePath.path]
        let errors = Pipe()
        compiler.standardError = errors
        try compiler.run()
        compiler.waitUntilExit()
        guard compiler.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw BenchError("cannot compile the C echo floor with cc (install gcc): \(text)")
        }
        return binary.path
    }
}

/// A benchmark that cannot run; the message says why.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
