import Foundation
import TroupeCore
import TroupeLM

#if canImport(Glibc)
    import Glibc
#endif

/// The files a run writes, crash-safely.
///
/// - Whole files (settings, pairs, reports) are written atomically: a temporary file in the same
///   directory, fsync, rename, then the directory is fsynced. A crash leaves the old file or the
///   new one, never a part.
/// - Records that accumulate (trajectories) go to an append-only JSONL log: each record is one
///   `write` of one line followed by `fsync`, so a kill loses at most the record being written.
///   Reading skips a last line without its newline (a torn write) and `JSONLLog.open` cuts it
///   off before appending, so the damage never spreads.
public enum RunFiles {
    /// Writes `text` to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        do {
            try AtomicFile.write(path: path) { try $0.append(Array(text.utf8)) }
        } catch {
            throw RunFileError.cannotWrite(path, "\(error)")
        }
        syncDirectory(of: path)
    }

    /// Writes `value` as JSON (one line) atomically.
    public static func write(json value: JSONValue, to path: String) throws {
        try write(value.serialized() + "\n", to: path)
    }

    /// Parses a JSON file, or nil when it does not exist.
    public static func readJSON(_ path: String) throws -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONValue.parse([UInt8](data))
        } catch {
            throw RunFileError.damaged(path, "not valid JSON (\(error.troupeMessage))")
        }
    }

    /// Every complete line of a JSONL log (none when the file does not exist). A torn last line
    /// is skipped; a complete line that is not JSON is damage and an error naming the line.
    public static func readLines(_ path: String) throws -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var values: [JSONValue] = []
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if data.last != UInt8(ascii: "\n") { lines.removeLast() }  // torn (or empty) tail
        for (index, line) in lines.enumerated() where !line.isEmpty {
            do {
                values.append(try JSONValue.parse([UInt8](line)))
            } catch {
                throw RunFileError.damaged(path, "line \(index + 1) is not valid JSON")
            }
        }
        return values
    }

    public static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RunFileError.cannotWrite(path, error.localizedDescription)
        }
    }

    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

/// An append-only JSONL log (see `RunFiles`). Not thread-safe: one owner appends.
public final class JSONLLog {
    public let path: String
    private let fd: Int32

    /// Opens `path` for appending, creating it, and cuts off a torn last line.
    public init(path: String) throws {
        self.path = path
        if let data = FileManager.default.contents(atPath: path), let last = data.last, last != UInt8(ascii: "\n") {
            let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
            guard truncate(path, off_t(keep)) == 0 else {
                throw RunFileError.cannotWrite(path, "cannot cut a torn last line: \(String(cString: strerror(errno)))")
            }
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw RunFileError.cannotWrite(path, String(cString: strerror(errno))) }
        RunFiles.syncDirectory(of: path)
    }

    deinit { close(fd) }

    /// Appends one record as a line and flushes it to disk.
    public func append(_ value: JSONValue) throws {
        let bytes = Array((value.serialized() + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RunFileError.cannotWrite(path, String(cString: strerror(errno))) }
            written += n
        }
        guard fsync(fd) == 0 else { throw RunFileError.cannotWrite(path, "fsync failed") }
    }
}

/// Why a run file could not be read or written.
public enum RunFileError: CodedError, Equatable {
    /// The file or directory cannot be written (full disk, permissions).
    case cannotWrite(String, String)
    /// A file the run wrote earlier is damaged; move it away or start a new run directory.
    case damaged(String, String)

    public var code: ErrorCode { ErrorCode("run_file") }

    public var message: String {
        switch self {
        case .cannotWrite(let path, let why): return "cannot write \(path): \(why)"
        case .damaged(let path, let why):
            return "\(path) is damaged: \(why); move it away (the run redoes its part) or use a new run directory"
        }
    }
}
