#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What to do with the path a Unix socket will be bound at: a socket file left by a server that
/// died is removed; a live server's socket, or any other file, is an error that says so.
enum UnixSocketFile {
    /// Prepares `path` for binding.
    static func prepare(_ path: String) throws(ServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }  // nothing there
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw .addressInUse(
                "\(path) exists and is not a socket; refusing to replace it: choose another --socket path")
        }
        if isLive(path) {
            throw .addressInUse(
                "another server is listening on \(path); stop it, or choose another --socket path")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .addressInUse("cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether something accepts connections at `path`.
    static func isLive(_ path: String) -> Bool {
        #if canImport(Darwin)
            let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #else
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// Restricts the socket to its owner (mode 0600).
    static func restrict(_ path: String) throws(ServerError) {
        guard chmod(path, 0o600) == 0 else {
            throw .addressInUse("cannot set mode 0600 on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the socket file at shutdown (only if it is still a socket).
    static func removeIfOurs(_ path: String) {
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
    }

    /// Runs `body` with a umask that keeps a new socket file private from its creation on.
    static func withPrivateUmask<T>(_ body: () async throws -> T) async rethrows -> T {
        let previous = umask(0o077)
        defer { umask(previous) }
        return try await body()
    }
}

/// Why a server could not start or run.
public enum ServerError: Error, CustomStringConvertible, Sendable {
    /// The configuration is not usable; the message says why.
    case badConfiguration(String)
    /// The address is taken (a live server, a file that is not a socket).
    case addressInUse(String)
    /// Binding failed for another reason.
    case bindFailed(String)

    public var description: String {
        switch self {
        case .badConfiguration(let m), .addressInUse(let m), .bindFailed(let m): return m
        }
    }
}
