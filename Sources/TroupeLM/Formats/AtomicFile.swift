#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files atomically: the bytes go to a temporary file in the same directory, which is
/// flushed to disk (fsync) and then renamed over the destination. A reader, or a crash at any
/// moment, sees either the old file or the complete new one, never a partial one.
public enum AtomicFile {
    /// Writes the bytes produced by `body` (called with a sink that appends) to `path`.
    public static func write(path: String, _ body: (inout Sink) throws -> Void) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw LMError.cannotOpen(path: temporary, reason: String(cString: strerror(errno))) }
        var sink = Sink(fd: fd, path: temporary)
        do {
            try body(&sink)
            try sink.flush()
            guard fsync(fd) == 0 else { throw LMError.cannotOpen(path: temporary, reason: "fsync failed") }
            close(fd)
            guard rename(temporary, path) == 0 else {
                throw LMError.cannotOpen(path: path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
    }

    /// A buffered, append-only byte sink over a file descriptor.
    public struct Sink {
        let fd: Int32
        let path: String
        var buffer: [UInt8] = []
        /// Bytes appended so far.
        public private(set) var written = 0

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
            buffer.reserveCapacity(1 << 20)
        }

        public mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
            written += bytes.count
            if buffer.count + bytes.count > 1 << 20 { try flush() }
            if bytes.count >= 1 << 20 {
                try writeAll(bytes)
            } else {
                buffer.append(contentsOf: bytes)
            }
        }

        public mutating func append(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try append($0) }
        }

        public mutating func append<T: FixedWidthInteger>(_ value: T) throws {
            try withUnsafeBytes(of: value.littleEndian) { try append($0) }
        }

        /// `n` zero bytes.
        public mutating func pad(_ n: Int) throws { try append([UInt8](repeating: 0, count: n)) }

        mutating func flush() throws {
            let pending = buffer
            buffer.removeAll(keepingCapacity: true)
            try pending.withUnsafeBytes { try writeAll($0) }
        }

        private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LMError.cannotOpen(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif
