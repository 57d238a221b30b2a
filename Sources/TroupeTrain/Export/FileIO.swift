import Foundation
import TroupeCore
import TroupeLM

/// Small file helpers shared by the exporters, loaders and checkpoints.
enum FileIO {
    /// Parses a JSON file.
    static func readJSON(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainError.noData(path: path, reason: "cannot read the file")
        }
        return try JSONValue.parse([UInt8](data))
    }

    /// Writes text atomically (temporary file, fsync, rename).
    static func write(_ text: String, to path: String) throws {
        do {
            try AtomicFile.write(path: path) { try $0.append(Array(text.utf8)) }
        } catch {
            throw TrainError.cannotWrite(path: path, reason: "\(error)")
        }
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TrainError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Flushes a directory's entries to disk (after renames into it).
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// The values of a safetensors tensor as f32 (F32, F16 or BF16).
    static func floats(_ file: SafetensorsFile, _ info: SafetensorsInfo) throws -> [Float] {
        let type = try file.type(of: info)
        var out = [Float](repeating: 0, count: info.elementCount)
        out.withUnsafeMutableBufferPointer {
            Dequantize.row(type, from: file.data(info), to: $0.baseAddress!, count: info.elementCount)
        }
        return out
    }
}
