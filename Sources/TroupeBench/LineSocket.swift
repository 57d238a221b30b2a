#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking socket that sends bytes and reads newline-terminated lines: the raw client of the
/// benchmarks (no event loop, no task switches, so that the measurement is the server's) and of
/// the tests that need to send malformed bytes.
///
/// Invariant: used by one thread at a time.
public final class LineSocket {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0

    /// Why a socket operation failed.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Connects to a Unix socket path, or to `host:port` over TCP (with TCP_NODELAY).
    /// `timeoutSeconds` bounds every read and write (0: none).
    public init(unixPath path: String, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_UNIX, Self.stream, 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "connect \(path): \(why)")
        }
        setTimeout(timeoutSeconds)
    }

    /// Connects over TCP to an IPv4 address (loopback in the benchmarks and tests).
    public init(host: String, port: Int, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Self.stream, 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else {
            close(fd)
            throw Failure(description: "not an IPv4 address: \(host)")
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "connect \(host):\(port): \(why)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        setTimeout(timeoutSeconds)
    }

    deinit { close(fd) }

    #if canImport(Darwin)
        static let stream = SOCK_STREAM
    #else
        static let stream = Int32(SOCK_STREAM.rawValue)
    #endif

    private func setTimeout(_ seconds: Int) {
        guard seconds > 0 else { return }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends every byte.
    public func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = sendBytes(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "send: \(String(cString: strerror(errno)))")
                }
                sent += n
            }
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads the next line (without its newline) and hands it to `body` without copying.
    public func withLine<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let lineStart = start
                start = newline + 1
                return try buffer.withUnsafeBytes {
                    try body(UnsafeRawBufferPointer(rebasing: $0[lineStart..<newline]))
                }
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let count = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: 65536))
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + count, 65536, 0) }
            if n <= 0 {
                buffer.removeLast(65536)
                if n < 0, errno == EINTR { continue }
                throw Failure(
                    description: n == 0
                        ? "the server closed the connection" : "recv: \(String(cString: strerror(errno)))")
            }
            buffer.removeLast(65536 - n)
        }
    }

    /// Reads the next line as text.
    public func readLine() throws -> String {
        try withLine { String(decoding: $0, as: UTF8.self) }
    }

    /// Closes the sending side (the server sees the end of the stream).
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }
}

/// `send(2)`, named apart from `LineSocket.send`.
@inline(__always)
private func sendBytes(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(fd, pointer, count, flags)
}
