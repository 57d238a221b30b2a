import CPythonSpawn
import TroupeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension WorkerProcess {
    /// What the server saw of one job: the zygote's `done` reply (how the process ended) and the
    /// output the server read from the job's pipes.
    struct Capture {
        var reply: JSONValue = .null
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var result: [UInt8] = []
        /// The stream that outgrew its cap first (`stdout`, `stderr`, `result`): the job was
        /// killed for it.
        var overflow: String?
    }

    /// How long after sending a job the server waits for the reply alone before it also reads
    /// the job's pipes as they fill.
    static let replyOnlyWindow: Duration = .milliseconds(10)

    /// Runs one job. The job's request (`request`: its code and arguments) and its stdin go into
    /// memfds, and its stdout, stderr and result frame come back through pipes; the zygote gets
    /// these descriptors with the small `control` line (SCM_RIGHTS) and never reads through them,
    /// so none of a job's data ever sits in the memory later jobs are forked from. Output past
    /// `outputCap` bytes (stdout, stderr) or `resultCap` (the frame) makes the server ask the
    /// zygote to kill the job. On any failure the process is killed before this throws.
    func run(
        control: [UInt8], request: [UInt8], stdin: [UInt8]?, outputCap: Int, resultCap: Int,
        deadline: ContinuousClock.Instant
    ) throws(WorkerFailure) -> Capture {
        guard alive else { throw .died("already stopped") }
        do throws(WorkerFailure) {
            let files: JobFiles
            if let made = jobFiles {
                files = made
            } else {
                files = try JobFiles()
                jobFiles = files
            }
            try files.fill(files.request, request)
            var passed = [files.request] + files.pipes.map(\.write)
            if let stdin {
                try files.fill(files.stdin, stdin)
                passed.append(files.stdin)
            }
            try sendWithDescriptors(control + [10], passed, deadline: deadline)
            let names = ["stdout", "stderr", "result"]
            let caps = [outputCap, outputCap, resultCap]
            var streams = (0..<3).map { OutputPipe(name: names[$0], fd: files.pipes[$0].read, cap: caps[$0]) }
            let capture = try collect(&streams, deadline: deadline)
            files.clear()
            return capture
        } catch {
            terminate()
            throw error
        }
    }

    /// Waits for the zygote's reply while reading the job's pipes (after `replyOnlyWindow`),
    /// then reads what is left in them.
    private func collect(
        _ streams: inout [OutputPipe], deadline: ContinuousClock.Instant
    ) throws(WorkerFailure)
        -> Capture
    {
        var capture = Capture()
        var reply: [UInt8]?
        var killSent = false
        // A small job ends before a pipe could fill: waiting for the reply alone during its first
        // milliseconds saves a wake-up for each write. A job that writes more blocks on its full
        // pipe until then, once.
        let watchPipesFrom = ContinuousClock.now + Self.replyOnlyWindow
        while reply == nil {
            let now = ContinuousClock.now
            if now >= deadline { throw .deadline }
            let watchPipes = now >= watchPipesFrom
            let remaining = now.duration(to: watchPipes ? deadline : min(deadline, watchPipesFrom))
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var fds = [
                pollfd(fd: channel, events: Int16(POLLIN), revents: 0),
                pollfd(fd: diagnostics, events: Int16(POLLIN), revents: 0),
            ]
            for stream in streams {
                fds.append(pollfd(fd: watchPipes && !stream.full ? stream.fd : -1, events: Int16(POLLIN), revents: 0))
            }
            let ready = poll(&fds, nfds_t(fds.count), milliseconds)
            if ready < 0 && errno == EINTR { continue }
            if fds[1].revents != 0 { drainDiagnostics() }
            for index in streams.indices where fds[index + 2].revents != 0 {
                readPipe(&streams[index])
                if streams[index].full && capture.overflow == nil {
                    capture.overflow = streams[index].name
                    if !killSent {
                        try send(Array(#"{"op":"kill"}"#.utf8) + [10], deadline: deadline)
                        killSent = true
                    }
                }
            }
            if fds[0].revents != 0 {
                try fill()
                reply = takeLine()
            }
        }
        // Every process of the job is gone (the zygote swept them before it answered): what is in
        // the pipes now is all there is. Read it, or past a cap throw it away, so the pipes are
        // empty for the next job.
        for index in streams.indices {
            readPipe(&streams[index])
            if streams[index].full && capture.overflow == nil { capture.overflow = streams[index].name }
            discard(streams[index].fd)
        }
        do {
            capture.reply = try JSONValue.parse(reply ?? [])
        } catch {
            throw WorkerFailure.protocolViolation("unparsable reply: \(error)")
        }
        capture.stdout = streams[0].bytes
        capture.stderr = streams[1].bytes
        capture.result = streams[2].bytes
        return capture
    }

    /// Reads what a pipe has now, until it is empty or its bytes pass the cap.
    private func readPipe(_ stream: inout OutputPipe) {
        while !stream.full {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(stream.fd, $0.baseAddress!, $0.count) }
            guard count > 0 else { return }  // empty (EAGAIN): the server holds a writer, so no EOF
            stream.bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Empties a pipe, keeping nothing.
    private func discard(_ fd: Int32) {
        while chunk.withUnsafeMutableBytes({ Glibc.read(fd, $0.baseAddress!, $0.count) }) > 0 {}
    }

    /// Sends `bytes` with `descriptors` attached to the first of them.
    private func sendWithDescriptors(
        _ bytes: [UInt8], _ descriptors: [Int32], deadline: ContinuousClock.Instant
    )
        throws(WorkerFailure)
    {
        while true {
            let sent = bytes.withUnsafeBytes { raw in
                troupe_send_with_fds(channel, raw.baseAddress!, UInt(raw.count), descriptors, Int32(descriptors.count))
            }
            if sent > 0 {
                if sent < bytes.count { try send(Array(bytes[sent...]), deadline: deadline) }
                return
            }
            guard sent < 0 && (errno == EAGAIN || errno == EINTR) else { throw .died(stderrText) }
            var fds = [pollfd(fd: channel, events: Int16(POLLOUT), revents: 0)]
            if ContinuousClock.now >= deadline { throw .deadline }
            _ = poll(&fds, 1, 10)
        }
    }
}

/// The server's end of one of a job's output pipes.
struct OutputPipe {
    let name: String
    let fd: Int32
    let cap: Int
    var bytes: [UInt8] = []
    /// Whether more than `cap` bytes came: nothing more is kept.
    var full: Bool { bytes.count > cap }
}

/// The descriptors a worker's jobs get, made once per worker process and reused by each of its
/// jobs one after another: a memfd for the request, one for stdin, and the stdout, stderr and
/// result pipes (the server holds both ends; the read ends are nonblocking).
///
/// Reuse is safe because a job's processes are all gone when the zygote answers: the server then
/// empties the pipes (`collect`) and truncates the memfds before the next job, and a job cannot
/// seal a memfd (they are made without `MFD_ALLOW_SEALING`) to break the next one. Making them
/// per job cost every job five inodes made and freed.
final class JobFiles {
    let request: Int32
    let stdin: Int32
    private(set) var pipes: [(read: Int32, write: Int32)] = []

    init() throws(WorkerFailure) {
        request = troupe_memfd("troupe-request")
        stdin = troupe_memfd("troupe-stdin")
        guard request >= 0, stdin >= 0 else {
            let why = String(cString: strerror(errno))
            if request >= 0 { Glibc.close(request) }
            if stdin >= 0 { Glibc.close(stdin) }
            throw .setUp("memfd_create: \(why)")
        }
        for _ in 0..<3 {
            var pair: [Int32] = [0, 0]
            guard troupe_pipe_cloexec(&pair) == 0 else {
                let why = String(cString: strerror(errno))
                closeAll()
                throw .setUp("pipe: \(why)")
            }
            _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
            pipes.append((pair[0], pair[1]))
        }
    }

    /// Replaces a memfd's content with `contents`.
    func fill(_ fd: Int32, _ contents: [UInt8]) throws(WorkerFailure) {
        guard ftruncate(fd, 0) == 0 else { throw .setUp("ftruncate: \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < contents.count {
            let written = contents.withUnsafeBytes {
                pwrite(fd, $0.baseAddress! + offset, $0.count - offset, off_t(offset))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .setUp("writing the job's memfd: \(String(cString: strerror(errno)))") }
            offset += written
        }
        lseek(fd, 0, SEEK_SET)  // the job reads its stdin from the start
    }

    /// Drops the last job's request and stdin, so they do not stay in memory until the next job.
    func clear() {
        _ = ftruncate(request, 0)
        _ = ftruncate(stdin, 0)
    }

    func closeAll() {
        for fd in [request, stdin] + pipes.flatMap({ [$0.read, $0.write] }) where fd >= 0 { Glibc.close(fd) }
        pipes = []
    }
}
