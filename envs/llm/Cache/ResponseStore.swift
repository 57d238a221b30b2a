import Foundation
import TroupeCore

/// The response cache's storage: one append-only log file of checksummed records, shared by every
/// session and every process that names the same path.
///
/// Why a log and not a file per response: a response is one `write` to the end of one file (no
/// directory of thousands of small files, no fsync-and-rename per answer), the file is easy to copy
/// next to a benchmark's results, and concurrent runs can share it. Crash safety comes from the
/// format, not from renames:
///
/// ```
/// troupe-llm-cache 1
/// <crc32: 8 hex> <key hash: 16 hex> {"key":<canonical request key>,"response":<completion>}
/// ```
///
/// - Each record is one line written by one `write` call while holding an exclusive `flock`, so
///   writers in several processes never interleave.
/// - The CRC-32 covers everything after it on the line. A record that a crash cut short (or that
///   anything damaged) fails the check or lacks its newline, and is skipped when the file is read;
///   before appending after such a torn tail, a writer first ends the line, so the damage never
///   spreads to new records.
/// - A process killed at any point loses nothing it had written (the kernel holds it). After a
///   power loss the last records may be missing or torn: they are cache misses, never wrong
///   answers. `sync()` (called when sessions close) forces the file to disk.
///
/// In memory it keeps only an index from key hash to record positions; a hit reads its record
/// back, checks the CRC again and compares the full key, so a hash collision can never return the
/// wrong answer. Records other processes append are picked up on the next miss.
public actor ResponseStore {
    public nonisolated let path: String
    private let fd: Int32
    /// Key hash → (offset, length) of each record with that hash.
    private var index: [UInt64: [(offset: Int, length: Int)]] = [:]
    /// Bytes of the file read into the index so far (always at a line start).
    private var scanned = 0
    /// Bytes of the file seen so far: `scanned` plus a torn last line, if there is one.
    private var seen = 0
    /// Records skipped because their checksum or shape was wrong, a torn last line included.
    public var damagedRecords: Int { damagedLines + (seen > scanned ? 1 : 0) }
    private var damagedLines = 0
    /// Good records in the file.
    public private(set) var records = 0
    /// Whether records were appended since the last `sync`.
    private var unsynced = false

    static let header = Array("troupe-llm-cache 1\n".utf8)

    /// Opens (creating, with its directory, if needed) the log at `path` and indexes it.
    ///
    /// - Throws: `LLMError.cacheIO` when the file cannot be opened or is not a response cache.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LLMError.cacheIO(path: path, detail: "cannot open: \(ResponseStore.errnoText())") }
        self.fd = fd
        do {
            try ResponseStore.writeHeaderIfEmpty(fd: fd, path: path)
            let scan = try ResponseStore.scan(fd: fd, path: path, from: 0)
            for entry in scan.entries { index[entry.hash, default: []].append((entry.offset, entry.length)) }
            records = scan.entries.count
            damagedLines = scan.damaged
            scanned = scan.end
            seen = scan.end + scan.tail
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// The stored response for `key`, or nil. Keys are compared byte for byte (callers pass
    /// canonical JSON, so equal requests are equal keys).
    public func lookup(_ key: String) throws -> JSONValue? {
        let hash = SeededRNG.fnv1a64(key)
        if let found = try find(key, hash: hash) { return found }
        try catchUp()
        return try find(key, hash: hash)
    }

    /// Appends a record for `key`. A key stored twice keeps its first answer for lookups.
    public func store(_ key: String, response: JSONValue) throws {
        let hash = SeededRNG.fnv1a64(key)
        var payload = Array(#"{"key":"#.utf8)
        payload += Array(key.utf8)
        payload += Array(#","response":"#.utf8)
        response.write(into: &payload)
        payload.append(UInt8(ascii: "}"))
        let hashed = Array(ResponseStore.hex(hash, digits: 16).utf8) + [UInt8(ascii: " ")] + payload
        let line =
            Array(ResponseStore.hex(UInt64(CRC32.checksum(hashed)), digits: 8).utf8) + [UInt8(ascii: " ")] + hashed
            + [UInt8(ascii: "\n")]

        try lock(LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        try catchUp(locked: true)
        var record = line
        var offset = scanned
        if scanned < fileSize() || lastByte() != UInt8(ascii: "\n") {
            // A torn record at the end (a crashed writer): end its line so ours starts clean.
            record = [UInt8(ascii: "\n")] + line
            offset = fileSize() + 1
        }
        try writeAll(record)
        index[hash, default: []].append((offset, line.count))
        records += 1
        scanned = offset + line.count
        seen = scanned
        unsynced = true
    }

    /// Forces the records this store appended to disk (nothing to do if it appended none).
    public func sync() {
        guard unsynced else { return }
        fsync(fd)
        unsynced = false
    }

    // MARK: Reading

    private func find(_ key: String, hash: UInt64) throws -> JSONValue? {
        guard let candidates = index[hash] else { return nil }
        for (offset, length) in candidates {
            var buffer = [UInt8](repeating: 0, count: length)
            let read = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(offset)) }
            guard read == length, let record = ResponseStore.parse(buffer[...]) else { continue }
            // The payload is `{"key":KEY,"response":RESPONSE}` with KEY byte for byte as stored.
            let prefix = Array(#"{"key":"#.utf8) + Array(key.utf8) + Array(#","response":"#.utf8)
            guard record.payload.starts(with: prefix), record.payload.last == UInt8(ascii: "}") else { continue }
            if let response = try? JSONValue.parse(Array(record.payload.dropFirst(prefix.count).dropLast())) {
                return response
            }
        }
        return nil
    }

    /// Indexes records appended since the last scan (by other processes).
    private func catchUp(locked: Bool = false) throws {
        guard fileSize() > seen else { return }
        if !locked { try lock(LOCK_SH) }
        defer { if !locked { flock(fd, LOCK_UN) } }
        let scan = try ResponseStore.scan(fd: fd, path: path, from: scanned)
        for entry in scan.entries { index[entry.hash, default: []].append((entry.offset, entry.length)) }
        records += scan.entries.count
        damagedLines += scan.damaged
        scanned = scan.end
        seen = scan.end + scan.tail
    }

    /// Reads complete lines from `start` to the end of the file. Returns the good records, the
    /// offset after the last complete line, how many complete lines were damaged, and the length
    /// of a torn last line (0 if the file ends with a newline).
    static func scan(
        fd: Int32, path: String, from start: Int
    ) throws -> (entries: [(hash: UInt64, offset: Int, length: Int)], end: Int, damaged: Int, tail: Int) {
        var entries: [(hash: UInt64, offset: Int, length: Int)] = []
        var damaged = 0
        var position = start
        var pending: [UInt8] = []  // bytes of an unfinished line, starting at `position`
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var readOffset = start
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(readOffset)) }
            guard count >= 0 else { throw LLMError.cacheIO(path: path, detail: "cannot read: \(errnoText())") }
            if count == 0 { break }
            readOffset += count
            pending += chunk[0..<count]
            var lineStart = 0
            while let newline = pending[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[lineStart..<newline]
                if position == 0 && lineStart == 0 {
                    guard Array(pending[0...newline]) == header else {
                        throw LLMError.cacheIO(
                            path: path,
                            detail: "not a Troupe response cache (its first line is not `troupe-llm-cache 1`)")
                    }
                } else if let record = parse(line) {
                    entries.append((record.hash, position + lineStart, newline + 1 - lineStart))
                } else if !line.isEmpty {
                    damaged += 1
                }
                lineStart = newline + 1
            }
            position += lineStart
            pending.removeFirst(lineStart)
        }
        return (entries, position, damaged, pending.count)
    }

    /// The parts of a record line (with or without its newline), or nil if its checksum or shape
    /// is wrong.
    static func parse(_ line: ArraySlice<UInt8>) -> (hash: UInt64, payload: ArraySlice<UInt8>)? {
        var line = line
        if line.last == UInt8(ascii: "\n") { line.removeLast() }
        guard line.count > 27, line[line.startIndex + 8] == UInt8(ascii: " "),
            line[line.startIndex + 25] == UInt8(ascii: " "),
            let crc = UInt32(String(decoding: line.prefix(8), as: UTF8.self), radix: 16),
            let hash = UInt64(String(decoding: line.dropFirst(9).prefix(16), as: UTF8.self), radix: 16)
        else { return nil }
        let checked = line.dropFirst(9)
        guard CRC32.checksum(checked) == crc else { return nil }
        return (hash, line.dropFirst(26))
    }

    // MARK: File helpers

    private static func writeHeaderIfEmpty(fd: Int32, path: String) throws {
        guard flock(fd, LOCK_EX) == 0 else { throw LLMError.cacheIO(path: path, detail: "cannot lock: \(errnoText())") }
        defer { flock(fd, LOCK_UN) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LLMError.cacheIO(path: path, detail: "cannot stat: \(errnoText())") }
        if info.st_size > 0 && info.st_size < header.count {
            // A header cut short by a crash while the file was created: start it again.
            var start = [UInt8](repeating: 0, count: Int(info.st_size))
            let read = start.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            if read == start.count, header.starts(with: start) {
                _ = ftruncate(fd, 0)
                info.st_size = 0
            }
        }
        if info.st_size == 0 {
            let written = header.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == header.count else {
                throw LLMError.cacheIO(path: path, detail: "cannot write: \(errnoText())")
            }
        }
    }

    private func lock(_ operation: Int32) throws {
        while flock(fd, operation) != 0 {
            guard errno == EINTR else {
                throw LLMError.cacheIO(path: path, detail: "cannot lock: \(ResponseStore.errnoText())")
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if written < 0 {
                if errno == EINTR { continue }
                throw LLMError.cacheIO(path: path, detail: "cannot append a record: \(ResponseStore.errnoText())")
            }
            done += written
        }
    }

    private func fileSize() -> Int {
        var info = stat()
        return fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    private func lastByte() -> UInt8? {
        let size = fileSize()
        guard size > 0 else { return nil }
        var byte: UInt8 = 0
        return pread(fd, &byte, 1, off_t(size - 1)) == 1 ? byte : nil
    }

    static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
