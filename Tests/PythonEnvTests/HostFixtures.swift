import Foundation
import Testing

@testable import PythonEnv

#if canImport(Glibc)
    import Glibc
#endif

/// A file only the server may read, like a credentials file, for the length of one test.
final class SecretFile {
    let directory = NSTemporaryDirectory() + "/troupe-secret-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    var path: String { directory + "/credentials" }

    init() {
        mkdir(directory, 0o700)
        _ = FileManager.default.createFile(
            atPath: path, contents: Data(Sandboxes.secretValue.utf8), attributes: [.posixPermissions: 0o600])
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// A helper process on the host (a reference Python run, a bubblewrap probe) run to its end, or
/// killed with SIGKILL after `seconds` so that no test ever waits on one without bound.
enum HostProcess {
    struct Outcome {
        /// The exit status; nil when a signal ended the process (the watchdog's SIGKILL).
        var status: Int32?
        var output: Data
    }

    static func run(
        _ executable: String, _ arguments: [String], input: Data = Data(), seconds: Double = 120
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A dispatch timer, not a task: the test blocks a thread of the cooperative pool here, and
        // on two cores the pool may have no other thread to run a watchdog task.
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
        stdin.fileHandleForWriting.write(input)
        try? stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return Outcome(
            status: process.terminationReason == .exit ? process.terminationStatus : nil, output: output)
    }
}

/// The "server's" sockets: a TCP listener on the host's loopback, a Unix socket in the file
/// system and an abstract Unix socket, all non-blocking, to see whether a job got through.
final class HostListeners {
    let port: Int
    let unixPath: String
    let abstractName: String
    private var fds: [Int32] = []

    init() throws {
        let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(tcp, $0, length) == 0 else { throw POSIXError(.EADDRINUSE) }
            }
        }
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(tcp, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listen(tcp, 16)
        fds.append(tcp)
        unixPath = NSTemporaryDirectory() + "/troupe-envd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        abstractName = "troupe-envd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        for (path, abstract) in [(unixPath, false), (abstractName, true)] {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var unix = sockaddr_un()
            unix.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            withUnsafeMutableBytes(of: &unix.sun_path) { raw in
                for (index, byte) in bytes.enumerated() { raw[index + (abstract ? 1 : 0)] = byte }
            }
            let size = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 1 : 1))
            _ = withUnsafePointer(to: &unix) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
            }
            listen(fd, 16)
            fds.append(fd)
        }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    /// Whether any listener has a connection waiting.
    func acceptedAny() -> Bool {
        for fd in fds {
            let client = accept(fd, nil, nil)
            if client >= 0 {
                Glibc.close(client)
                return true
            }
        }
        return false
    }

    func close() {
        for fd in fds { Glibc.close(fd) }
        unlink(unixPath)
    }
}

/// A process on the host that a job must not be able to signal: it runs as the sandbox user when
/// the tests run as root (the strongest case: same uid as the jobs), else as the test's own user.
final class HostSentinel {
    let pid: pid_t

    init() throws {
        var pipe: [Int32] = [0, 0]
        _ = Glibc.pipe(&pipe)
        let command = WorkerCommand(
            executable: "/bin/sleep", arguments: ["sleep", "600"], environment: [], directory: "/",
            identity: Sandboxes.runningAsRoot ? (65534, 65534) : nil, workdir: "/")
        let process = try WorkerProcess.spawn(command, stdin: pipe[0], stdout: pipe[1], stderr: pipe[1])
        Glibc.close(pipe[0])
        Glibc.close(pipe[1])
        pid = process
    }

    var isAlive: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
