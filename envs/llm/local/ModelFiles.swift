import Synchronization
import TroupeCore
import TroupeLM

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The identity of a model on disk, for cache keys: the SHA-256 of the bytes the engine loads.
///
/// A GGUF file is hashed whole. A Hugging Face directory is identified by the SHA-256 of the lines
/// `<name> <sha256>\n` of the files the loader reads (`config.json`, `tokenizer.json`,
/// `tokenizer_config.json`, `*.safetensors`; for a PEFT adapter `adapter_config.json` and its
/// safetensors), in name order.
///
/// Hashing a file takes a fraction of a second per hundred MB, and `prepare` runs for every session,
/// so digests are remembered for the life of the process, keyed by the file's device, inode, size
/// and modification time: a replaced or rewritten file is hashed again.
enum ModelFiles {
    private struct Stamp: Hashable {
        var path: String
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var modifiedNanoseconds: Int64
    }

    private static let digests = Mutex<[Stamp: String]>([:])

    /// The SHA-256 identity of a GGUF file or a Hugging Face directory. Throws `bad_config` naming
    /// the path when it cannot be read.
    static func sha256(of path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw unreadable(path, String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return try fileDigest(path) }
        let names = try directoryFiles(path)
        var lines = ""
        for name in names { lines += "\(name) \(try fileDigest(path + "/" + name))\n" }
        return SHA256.hex(Array(lines.utf8))
    }

    /// The files of a Hugging Face directory that the loader reads.
    private static func directoryFiles(_ directory: String) throws -> [String] {
        guard let dir = opendir(directory) else { throw unreadable(directory, String(cString: strerror(errno))) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if ["config.json", "tokenizer.json", "tokenizer_config.json", "adapter_config.json"].contains(name)
                || name.hasSuffix(".safetensors")
            {
                names.append(name)
            }
        }
        return names.sorted()
    }

    private static func fileDigest(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw unreadable(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw unreadable(path, String(cString: strerror(errno))) }
        let stamp = Stamp(
            path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec), modifiedNanoseconds: Int64(info.st_mtim.tv_nsec))
        if let known = digests.withLock({ $0[stamp] }) { return known }
        var hash = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 22, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, String(cString: strerror(errno)))
            }
            if count == 0 { break }
            hash.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        let digest = hash.finalize()
        digests.withLock { $0[stamp] = digest }
        return digest
    }

    private static func unreadable(_ path: String, _ reason: String) -> EnvError {
        .badConfig("backend `local`: cannot read the model at \(path): \(reason)")
    }
}
