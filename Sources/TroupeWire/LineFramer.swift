/// Splits a byte stream into newline-delimited frames: the framing of Troupe's protocol.
///
/// A pure, incremental state machine with no I/O: feed it bytes as they arrive, split anywhere
/// (one byte at a time, a frame and a half, many frames at once), and it reports each complete
/// line once. It never holds more than `maxFrameBytes` bytes: a line that grows past the limit is
/// reported once as `.oversized` as soon as the limit is crossed, and everything up to the next
/// newline is skipped, so the stream recovers at the next frame.
///
/// Frames are reported without their `\n` (and without a `\r` before it); empty and blank lines
/// are skipped. A frame that arrived whole inside one `feed` is handed out as a view of the input
/// (no copy); only a frame split across reads is copied into the framer's carry-over buffer.
///
/// Invariant: used by one thread at a time (a connection's event loop or a client's reader).
public struct LineFramer {
    /// What `feed` reports, in stream order.
    public enum Event {
        /// One complete frame; the buffer is valid only during the callback.
        case frame(UnsafeRawBufferPointer)
        /// A line longer than `maxFrameBytes`; its bytes are being skipped up to the next newline.
        /// `prefix` holds the first bytes of the line (at most 256), so a server can still find
        /// the request's `id` for its error response.
        case oversized(prefix: [UInt8])
    }

    /// The longest frame accepted, in bytes, not counting the newline.
    public let maxFrameBytes: Int
    /// The bytes of an incomplete frame carried over from earlier `feed` calls.
    private var carry: [UInt8] = []
    /// Whether the current line went over the limit and is being skipped.
    private var skipping = false

    public init(maxFrameBytes: Int) {
        precondition(maxFrameBytes > 0, "the frame limit must be positive")
        self.maxFrameBytes = maxFrameBytes
    }

    /// Bytes of an incomplete frame held right now (never more than `maxFrameBytes`).
    public var bufferedBytes: Int { carry.count }

    /// Feeds the next bytes of the stream, calling `onEvent` for every frame they complete.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ onEvent: (Event) throws -> Void) rethrows {
        let count = bytes.count
        var start = 0
        while start < count {
            guard let newline = Self.index(of: 0x0A, in: bytes, from: start) else {
                try absorbPartial(UnsafeRawBufferPointer(rebasing: bytes[start..<count]), onEvent)
                return
            }
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<newline])
            start = newline + 1
            if skipping {
                skipping = false
                continue
            }
            if carry.isEmpty {
                if piece.count > maxFrameBytes {
                    try onEvent(.oversized(prefix: Array(piece.prefix(256))))
                    continue
                }
                try emit(piece, onEvent)
            } else {
                if carry.count + piece.count > maxFrameBytes {
                    let prefix = Array((carry + Array(piece.prefix(256))).prefix(256))
                    carry.removeAll(keepingCapacity: true)
                    try onEvent(.oversized(prefix: prefix))
                    continue
                }
                carry.append(contentsOf: piece)
                let line = carry
                carry.removeAll(keepingCapacity: true)
                try line.withUnsafeBytes { try emit($0, onEvent) }
            }
        }
    }

    /// Feeds bytes from an array (tests and clients).
    public mutating func feed(_ bytes: [UInt8], _ onEvent: (Event) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { try feed($0, onEvent) }
    }

    /// Keeps the bytes of a line whose newline has not arrived yet, or starts skipping it.
    private mutating func absorbPartial(_ piece: UnsafeRawBufferPointer, _ onEvent: (Event) throws -> Void) rethrows {
        guard !skipping else { return }
        if carry.count + piece.count > maxFrameBytes {
            let prefix = Array((carry + Array(piece.prefix(256))).prefix(256))
            carry = []  // release the memory: an oversized line may have been large
            skipping = true
            try onEvent(.oversized(prefix: prefix))
            return
        }
        carry.append(contentsOf: piece)
    }

    /// Reports a line, without a trailing `\r`, unless it is blank.
    private func emit(_ line: UnsafeRawBufferPointer, _ onEvent: (Event) throws -> Void) rethrows {
        var end = line.count
        if end > 0, line[end - 1] == 0x0D { end -= 1 }
        var blank = true
        for index in 0..<end where !(line[index] == 0x20 || line[index] == 0x09) {
            blank = false
            break
        }
        guard !blank else { return }
        try onEvent(.frame(UnsafeRawBufferPointer(rebasing: line[0..<end])))
    }

    @inline(__always)
    static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
