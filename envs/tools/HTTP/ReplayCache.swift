import Foundation
import TroupeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The record/replay cache of real API calls: one JSON file per (tool, API, canonical arguments)
/// under `<root>/<category>/<tool>/<api>/<hash>.json`, holding the canonical key and the recorded
/// response, so that a run against real APIs replays offline exactly.
///
/// Why not StableToolBench's cache: it keys on Python's `str(dict)`, so `{'n': 1}` and
/// `{'n': '1'}` and a different argument order are different entries. Here the key is the
/// canonical JSON of the arguments (sorted keys, typed values: `1.0` and `1` agree, `"1"` does not).
///
/// Crash safety: each entry is written to a temporary file in its directory, fsynced, renamed
/// over the final name and the directory fsynced, so a crash leaves either no entry or a whole
/// one; a torn temporary file is never read. The hash is FNV-1a 64 of the canonical key; the key
/// is stored in the file and compared on read, and a colliding different key probes `-1`, `-2`…
///
/// Invariant: one actor per directory per process (sessions share it through
/// `SharedResources`), so concurrent sessions never write the same file at once.
public actor ReplayCache {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw ToolsError.cache("cannot create \(root.path): \(error.localizedDescription)")
        }
    }

    /// What a cache entry is about.
    public struct Key: Sendable, Equatable {
        public var category: String
        public var tool: String
        public var api: String
        /// The canonical arguments.
        public var arguments: JSONValue

        public init(category: String, tool: String, api: String, arguments: JSONValue) {
            self.category = category
            self.tool = tool
            self.api = api
            self.arguments = arguments.canonicalized()
        }

        var json: JSONValue { ["api": .string(api), "arguments": arguments, "tool": .string(tool)] }
        var text: String { json.canonicalString() }
    }

    /// The recorded response for `key`, if any.
    public func lookup(_ key: Key) throws -> ToolResponse? {
        for candidate in candidates(key) {
            guard FileManager.default.fileExists(atPath: candidate.path) else { return nil }
            let entry: JSONValue
            do { entry = try JSONValue.parse([UInt8](try Data(contentsOf: candidate))) } catch {
                throw ToolsError.cache("\(candidate.path) is unreadable (\(error)); delete it to record the call again")
            }
            guard entry["key"]?.canonicalString() == key.text else { continue }
            guard let recorded = entry["response"],
                let status = entry["status"]?.intValue.flatMap({ ToolStatus(rawValue: Int($0)) })
            else {
                throw ToolsError.cache(
                    "\(candidate.path) lacks `response` or `status`; delete it to record the call again")
            }
            return ToolResponse(
                error: recorded["error"]?.stringValue ?? "", response: recorded["response"] ?? "", status: status)
        }
        return nil
    }

    /// Records `response` for `key`, replacing an earlier recording of the same key.
    public func store(_ key: Key, _ response: ToolResponse) throws {
        let entry: JSONValue = [
            "key": key.json, "response": response.envelope, "status": .number(response.status.rawValue),
        ]
        var target = candidates(key).last!
        for candidate in candidates(key) {
            guard FileManager.default.fileExists(atPath: candidate.path),
                let existing = try? JSONValue.parse([UInt8](Data(contentsOf: candidate)))
            else {
                target = candidate
                break
            }
            if existing["key"]?.canonicalString() == key.text {
                target = candidate
                break
            }
        }
        try ReplayCache.writeAtomically(entry.serializedBytes() + [0x0A], to: target)
    }

    /// The file names a key may live under: the hash, then probes for collisions.
    func candidates(_ key: Key) -> [URL] {
        let folder = root.appendingPathComponent(key.category).appendingPathComponent(key.tool)
            .appendingPathComponent(
                ToolBenchNames.standardize(key.api).isEmpty ? "api" : ToolBenchNames.standardize(key.api))
        let hex = String(SeededRNG.fnv1a64(key.text), radix: 16)
        let hash = String(repeating: "0", count: 16 - hex.count) + hex
        return [folder.appendingPathComponent(hash + ".json")]
            + (1...7).map { folder.appendingPathComponent("\(hash)-\($0).json") }
    }

    /// Writes `bytes` to `url` so that readers see the old file or the whole new one: a temporary
    /// file in the same directory, fsync, rename, fsync of the directory.
    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ToolsError.cache("cannot create \(directory.path): \(error.localizedDescription)")
        }
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ToolsError.cache("cannot create \(temporary.path): \(String(cString: strerror(errno)))")
        }
        var written = 0
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += n
            }
            return fsync(fd) == 0
        }
        let failure = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(temporary.path)
            throw ToolsError.cache("cannot write \(temporary.path): \(failure)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw ToolsError.cache("cannot rename into \(url.path): \(reason)")
        }
        let dfd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
