import CPythonSpawn
import TroupeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Why a worker could not run a job. The pool turns these into job results (`killed`) or, at
/// start-up, into `PythonEnvError.sandboxUnavailable`.
enum WorkerFailure: Error, Equatable {
    /// The process could not be started (the step and errno of the failure).
    case spawn(String)
    /// The process exited or closed its channel; the tail of its stderr says why, when it said.
    case died(String)
    /// The worker did not answer before the backstop deadline; it has been killed.
    case deadline
    /// The worker sent something that is not the protocol.
    case protocolViolation(String)
    /// The server could not make a job's descriptors (memfd, pipes): out of descriptors or memory.
    case setUp(String)

    var message: String {
        switch self {
        case .spawn(let why): return "could not start the worker: \(why)"
        case .died(let why): return "the worker died\(why.isEmpty ? "" : ": \(why)")"
        case .deadline: return "the worker stopped answering and was killed"
        case .protocolViolation(let why): return "the worker broke the protocol: \(why)"
        case .setUp(let why): return "the server could not set up the job: \(why)"
        }
    }
}

/// One running worker process (bubblewrap and the zygote in it, or the zygote alone) and its
/// channel: a Unix socket pair carrying newline-delimited JSON (requests out, replies in; a job's
/// descriptors ride along with its control line, `WorkerProcess+Job.swift`), and a pipe for its
/// stderr, kept as a short tail for error messages.
///
/// Not thread-safe: exactly one thread (its `Worker`'s) uses it, and that thread also started it,
/// so the process dies with the thread (PR_SET_PDEATHSIG) if the server goes away.
final class WorkerProcess {
    let pid: pid_t
    /// The zygote's start-up report (`{"op": "ready", ...}`).
    private(set) var ready: JSONValue = .null
    let channel: Int32
    let diagnostics: Int32
    private var buffer: [UInt8] = []
    /// The receive buffer, reused (also for the job's output pipes).
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    /// Where in `buffer` the search for a newline resumes.
    private var scanned = 0
    private var stderrTail: [UInt8] = []
    private(set) var alive = true
    /// The descriptors this worker's jobs get (`WorkerProcess+Job.swift`), made by the first job.
    var jobFiles: JobFiles?

    /// Starts the command and completes the hello/ready exchange within `timeout`.
    init(_ command: WorkerCommand, hello: JSONValue, timeout: Duration) throws(WorkerFailure) {
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .spawn("socketpair: \(String(cString: strerror(errno)))")
        }
        var errPipe: [Int32] = [0, 0]
        guard troupe_pipe_cloexec(&errPipe) == 0 else {
            close(pair[0])
            close(pair[1])
            throw .spawn("pipe: \(String(cString: strerror(errno)))")
        }
        let pid: pid_t
        do throws(WorkerFailure) {
            pid = try WorkerProcess.spawn(command, stdin: pair[1], stdout: pair[1], stderr: errPipe[1])
        } catch {
            close(pair[0])
            close(pair[1])
            close(errPipe[0])
            close(errPipe[1])
            throw error
        }
        close(pair[1])
        close(errPipe[1])
        self.pid = pid
        channel = pair[0]
        diagnostics = errPipe[0]
        _ = fcntl(diagnostics, F_SETFL, fcntl(diagnostics, F_GETFL) | O_NONBLOCK)
        do throws(WorkerFailure) {
            let reply = try exchange(hello.serializedBytes(), deadline: .now + timeout)
            guard reply["op"]?.stringValue == "ready" else {
                throw WorkerFailure.protocolViolation("expected a ready reply, got \(reply.serialized().prefix(300))")
            }
            if let problem = reply["error"]?.stringValue { throw WorkerFailure.died(problem) }
            ready = reply
        } catch {
            terminate()
            throw error
        }
    }

    deinit { terminate() }

    /// Starts `command` with the given descriptors as its 0, 1 and 2 (see `troupe_spawn`: new
    /// session, PR_SET_PDEATHSIG, no other descriptors, no_new_privs, the command's identity).
    static func spawn(
        _ command: WorkerCommand, stdin: Int32, stdout: Int32, stderr: Int32
    ) throws(WorkerFailure)
        -> pid_t
    {
        var step: Int32 = 0
        var spawnErrno: Int32 = 0
        let pid = command.arguments.withCStrings { argv in
            command.environment.withCStrings { envp in
                command.executable.withCString { path in
                    command.directory.withCString { directory in
                        var options = troupe_spawn_options(
                            path: path, argv: argv, envp: envp, stdin_fd: stdin, stdout_fd: stdout, stderr_fd: stderr,
                            directory: directory, uid: command.identity.map { $0.uid } ?? -1,
                            gid: command.identity.map { $0.gid } ?? -1)
                        return troupe_spawn(&options, &step, &spawnErrno)
                    }
                }
            }
        }
        guard pid > 0 else {
            throw .spawn("\(stepName(step)) \(command.executable): \(String(cString: strerror(spawnErrno)))")
        }
        return pid
    }

    /// Sends one request line and waits for one reply line until `deadline`. On any failure the
    /// process is killed before this throws, so a broken worker never serves another job.
    func exchange(_ request: [UInt8], deadline: ContinuousClock.Instant) throws(WorkerFailure) -> JSONValue {
        guard alive else { throw .died("already stopped") }
        do throws(WorkerFailure) {
            try send(request + [10], deadline: deadline)
            let line = try receiveLine(deadline: deadline)
            do {
                return try JSONValue.parse(line)
            } catch {
                throw WorkerFailure.protocolViolation("unparsable reply: \(error)")
            }
        } catch {
            terminate()
            throw error
        }
    }

    /// Whether an idle worker is still there: its channel has neither hung up nor sent anything
    /// unasked. A worker that died between jobs is found here, before a job is given to it.
    var isIdleAndAlive: Bool {
        guard alive else { return false }
        var fds = [pollfd(fd: channel, events: Int16(POLLIN), revents: 0)]
        return poll(&fds, 1, 0) == 0
    }

    /// Kills the worker and everything in its process group, and reaps it. Idempotent.
    func terminate() {
        guard alive else { return }
        alive = false
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(channel)
        close(diagnostics)
        jobFiles?.closeAll()
        jobFiles = nil
    }

    /// What the worker last wrote on stderr (at most 4 KiB), for error messages.
    var stderrText: String {
        drainDiagnostics()
        return String(decoding: stderrTail, as: UTF8.self).trimmingSpaces
    }

    // MARK: - I/O

    func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant) throws(WorkerFailure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(channel, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if written > 0 {
                offset += written
                continue
            }
            if written < 0 && (errno == EAGAIN || errno == EINTR) {
                try wait(for: Int16(POLLOUT), deadline: deadline)
                continue
            }
            throw .died(stderrText)
        }
    }

    private func receiveLine(deadline: ContinuousClock.Instant) throws(WorkerFailure) -> [UInt8] {
        while true {
            if let line = takeLine() { return line }
            try wait(for: Int16(POLLIN), deadline: deadline)
            try fill()
        }
    }

    /// The next complete line in the receive buffer, if there is one.
    func takeLine() -> [UInt8]? {
        guard let newline = buffer[scanned...].firstIndex(of: 10) else {
            scanned = buffer.count
            return nil
        }
        let line = Array(buffer[..<newline])
        buffer.removeSubrange(...newline)
        scanned = 0
        return line
    }

    /// One receive from the channel into the buffer, without blocking. Throws when the worker
    /// has hung up.
    func fill() throws(WorkerFailure) {
        let count = chunk.withUnsafeMutableBytes { recv(channel, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
        if count > 0 {
            buffer.append(contentsOf: chunk[..<count])
        } else if count == 0 {
            throw .died(stderrText)
        } else if errno != EAGAIN && errno != EINTR {
            throw .died(String(cString: strerror(errno)))
        }
    }

    /// Waits until the channel is ready for `events`, draining stderr meanwhile.
    private func wait(for events: Int16, deadline: ContinuousClock.Instant) throws(WorkerFailure) {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { throw .deadline }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var fds = [
                pollfd(fd: channel, events: events, revents: 0),
                pollfd(fd: diagnostics, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            if fds[1].revents != 0 { drainDiagnostics() }
            if fds[0].revents & events != 0 { return }
            if fds[0].revents & Int16(POLLHUP | POLLERR) != 0 { return }  // the read or write will say
        }
    }

    func drainDiagnostics() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(diagnostics, $0.baseAddress!, $0.count) }
            guard count > 0 else { return }
            stderrTail.append(contentsOf: chunk[..<count])
            if stderrTail.count > 4096 { stderrTail.removeFirst(stderrTail.count - 4096) }
        }
    }

    private static func stepName(_ step: Int32) -> String {
        switch UInt32(step) {
        case TROUPE_SPAWN_FORK.rawValue: return "fork"
        case TROUPE_SPAWN_FDS.rawValue: return "setting up descriptors for"
        case TROUPE_SPAWN_SESSION.rawValue: return "setsid for"
        case TROUPE_SPAWN_PRCTL.rawValue: return "prctl for"
        case TROUPE_SPAWN_CHDIR.rawValue: return "chdir for"
        case TROUPE_SPAWN_GROUPS.rawValue, TROUPE_SPAWN_GID.rawValue, TROUPE_SPAWN_UID.rawValue:
            return "switching to the sandbox user for"
        default: return "exec"
        }
    }
}

extension Array where Element == String {
    /// Calls `body` with a NULL-terminated C array of these strings.
    func withCStrings<R>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
