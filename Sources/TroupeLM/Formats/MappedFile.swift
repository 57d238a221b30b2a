#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file mapped read-only into memory. Loading a checkpoint maps it and reads the header; tensor
/// data stays in the page cache and is touched only when used, so opening a 100 MB model costs a
/// few milliseconds.
///
/// Invariant: `base` points at `count` readable bytes for the lifetime of the object (the mapping
/// is released in `deinit`). Tensors that borrow pointers into it keep the file alive by holding
/// a reference to it.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let base: UnsafeRawPointer
    public let count: Int

    /// Maps `path`. Throws `LMError.cannotOpen` when the file is missing, unreadable or empty.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw LMError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw LMError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw LMError.cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw LMError.malformed(path: path, detail: "the file is empty") }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw LMError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(pointer)
        count = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), count) }
}

/// A little-endian cursor over a byte range that never reads past its end: every read checks the
/// bounds and throws `LMError.malformed` naming the file and offset instead.
struct ByteReader {
    let path: String
    let base: UnsafeRawPointer
    let count: Int
    var offset: Int = 0

    init(path: String, base: UnsafeRawPointer, count: Int) {
        self.path = path
        self.base = base
        self.count = count
    }

    /// Throws unless `n` more bytes are available; `what` says what was being read.
    func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n >= 0, n <= count - offset else {
            throw LMError.malformed(
                path: path,
                detail: "truncated at byte \(offset) while reading \(what()) (needs \(n) bytes, \(count - offset) left)"
            )
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let value = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A length-prefixed (u64) UTF-8 string; invalid UTF-8 is repaired, never trusted.
    mutating func readString(_ what: @autoclosure () -> String, limit: Int = 1 << 24) throws -> String {
        let length = try read(UInt64.self, "the length of \(what())")
        guard length <= UInt64(limit) else {
            throw LMError.malformed(
                path: path, detail: "\(what()) at byte \(offset - 8) claims \(length) bytes (at most \(limit))")
        }
        try need(Int(length), what())
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: Int(length))
        offset += Int(length)
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func skip(_ n: Int, _ what: @autoclosure () -> String) throws {
        try need(n, what())
        offset += n
    }
}
