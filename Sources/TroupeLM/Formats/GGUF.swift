/// A metadata value of a GGUF file, keeping the stored type so a file can be written back as read.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String), uint64(UInt64), int64(Int64), float64(Double)
    /// An array: the element type id (0…12) and the elements.
    indirect case array(elementType: UInt32, [GGUFValue])

    /// The GGUF value-type id.
    public var typeID: UInt32 {
        switch self {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    /// Any integer type as `Int` (nil for other types or values that do not fit).
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// Any numeric type as `Double`.
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    public var bool: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    public var string: String? { if case .string(let v) = self { return v } else { return nil } }
    public var array: [GGUFValue]? { if case .array(_, let v) = self { return v } else { return nil } }
}

/// One tensor's entry in a GGUF file.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// ggml's `ne`: `shape[0]` is the fastest-varying (contiguous) dimension. A PyTorch weight of
    /// shape [out, in] is stored with shape [in, out].
    public let shape: [Int]
    /// The ggml type id as stored; `type` is nil when this engine does not implement it.
    public let typeID: UInt32
    public var type: TensorType? { TensorType(rawValue: typeID) }
    /// Absolute byte offset of the data in the file.
    public let fileOffset: Int
    /// Bytes of data (0 when the type is unsupported, whose size is unknown).
    public let byteCount: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A GGUF v2/v3 file, memory-mapped: the metadata parsed, the tensor data left in place.
///
/// Invariants (checked when opened, so that no later read can fall outside the file): every
/// tensor of a supported type lies inside the file at an aligned offset, its first dimension is a
/// multiple of its block size, and its element count does not overflow.
public struct GGUFFile: Sendable {
    public let path: String
    public let file: MappedFile
    public let version: UInt32
    /// Metadata keys in file order.
    public let keys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    private let index: [String: Int]

    public static let magic: UInt32 = 0x4655_4747  // "GGUF" read little-endian

    /// Opens and validates `path`. Throws `LMError` naming the file and offset on any problem.
    public init(path: String) throws {
        let file = try MappedFile(path: path)
        self.file = file
        self.path = path
        var r = ByteReader(path: path, base: file.base, count: file.count)
        let magic = try r.read(UInt32.self, "the magic number")
        guard magic == GGUFFile.magic else {
            throw LMError.malformed(path: path, detail: "not a GGUF file (the first 4 bytes are not 'GGUF')")
        }
        version = try r.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else {
            throw LMError.unsupported(path: path, what: "GGUF version \(version)", supported: "GGUF versions 2 and 3")
        }
        let tensorCount = try r.read(UInt64.self, "the tensor count")
        let kvCount = try r.read(UInt64.self, "the metadata count")
        // Each entry takes at least 8 (key length) + 4 (type) + 1 bytes, so a larger count is a lie.
        guard kvCount < UInt64(file.count / 13 + 1), tensorCount < UInt64(file.count / 24 + 1) else {
            throw LMError.malformed(
                path: path,
                detail:
                    "the header claims \(tensorCount) tensors and \(kvCount) metadata entries, more than the file can hold"
            )
        }
        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        for i in 0..<Int(kvCount) {
            let key = try r.readString("metadata key #\(i)", limit: 65_535)
            let type = try r.read(UInt32.self, "the type of '\(key)'")
            let value = try GGUFFile.readValue(type: type, reader: &r, key: key, depth: 0)
            if metadata.updateValue(value, forKey: key) == nil { keys.append(key) }
        }
        self.keys = keys
        self.metadata = metadata

        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard case .uint32(let a) = value, a > 0, a & (a - 1) == 0 else {
                throw LMError.malformed(
                    path: path, detail: "general.alignment must be a u32 power of two, found \(value)")
            }
            alignment = Int(a)
        }
        self.alignment = alignment

        var raw: [(name: String, shape: [Int], type: UInt32, offset: UInt64)] = []
        for i in 0..<Int(tensorCount) {
            let name = try r.readString("the name of tensor #\(i)", limit: 1 << 16)
            let dims = try r.read(UInt32.self, "the dimension count of '\(name)'")
            guard dims >= 1, dims <= 4 else {
                throw LMError.malformed(path: path, detail: "tensor '\(name)' has \(dims) dimensions (1 to 4 allowed)")
            }
            var shape: [Int] = []
            for d in 0..<Int(dims) {
                let n = try r.read(UInt64.self, "dimension \(d) of '\(name)'")
                guard n > 0, n < 1 << 40 else {
                    throw LMError.malformed(path: path, detail: "tensor '\(name)' has dimension \(d) = \(n)")
                }
                shape.append(Int(n))
            }
            let type = try r.read(UInt32.self, "the type of '\(name)'")
            let offset = try r.read(UInt64.self, "the offset of '\(name)'")
            raw.append((name, shape, type, offset))
        }
        let dataStart = (r.offset + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        for t in raw {
            let (count, overflow) = t.shape.reduce((1, false)) { acc, n in
                let (p, o) = acc.0.multipliedReportingOverflow(by: n)
                return (p, acc.1 || o)
            }
            guard !overflow, count < 1 << 40 else {
                throw LMError.malformed(
                    path: path, detail: "tensor '\(t.name)' has too many elements (shape \(t.shape))")
            }
            guard t.offset % UInt64(alignment) == 0, t.offset < UInt64(file.count) else {
                throw LMError.malformed(
                    path: path,
                    detail: "tensor '\(t.name)' has offset \(t.offset), not aligned to \(alignment) or past the end")
            }
            var bytes = 0
            if let type = TensorType(rawValue: t.type) {
                guard t.shape[0] % type.blockSize == 0 else {
                    throw LMError.malformed(
                        path: path,
                        detail:
                            "tensor '\(t.name)' of type \(type) has first dimension \(t.shape[0]), not a multiple of its block size \(type.blockSize)"
                    )
                }
                bytes = count / type.blockSize * type.blockBytes
                let end = dataStart + Int(t.offset) + bytes
                guard end <= file.count else {
                    throw LMError.malformed(
                        path: path,
                        detail:
                            "tensor '\(t.name)' ends at byte \(end) but the file has \(file.count) bytes (truncated?)")
                }
            }
            guard index[t.name] == nil else {
                throw LMError.malformed(path: path, detail: "tensor '\(t.name)' appears twice")
            }
            index[t.name] = tensors.count
            tensors.append(
                GGUFTensorInfo(
                    name: t.name, shape: t.shape, typeID: t.type, fileOffset: dataStart + Int(t.offset),
                    byteCount: bytes))
        }
        self.tensors = tensors
        self.index = index
    }

    static func readValue(type: UInt32, reader r: inout ByteReader, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try r.read(UInt8.self, key))
        case 1: return .int8(try r.read(Int8.self, key))
        case 2: return .uint16(try r.read(UInt16.self, key))
        case 3: return .int16(try r.read(Int16.self, key))
        case 4: return .uint32(try r.read(UInt32.self, key))
        case 5: return .int32(try r.read(Int32.self, key))
        case 6: return .float32(try r.readFloat(key))
        case 7:
            let b = try r.read(UInt8.self, key)
            guard b <= 1 else {
                throw LMError.malformed(
                    path: r.path, detail: "'\(key)' is a bool with value \(b) at byte \(r.offset - 1)")
            }
            return .bool(b == 1)
        case 8: return .string(try r.readString("the value of '\(key)'"))
        case 9:
            guard depth < 4 else {
                throw LMError.malformed(path: r.path, detail: "'\(key)' nests arrays more than 4 deep")
            }
            let elementType = try r.read(UInt32.self, "the element type of '\(key)'")
            let count = try r.read(UInt64.self, "the length of '\(key)'")
            guard count <= UInt64(r.count - r.offset) else {
                throw LMError.malformed(
                    path: r.path, detail: "array '\(key)' claims \(count) elements, more than the file holds")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                items.append(try readValue(type: elementType, reader: &r, key: key, depth: depth + 1))
            }
            return .array(elementType: elementType, items)
        case 10: return .uint64(try r.read(UInt64.self, key))
        case 11: return .int64(try r.read(Int64.self, key))
        case 12: return .float64(try r.readDouble(key))
        default:
            throw LMError.malformed(
                path: r.path, detail: "metadata '\(key)' has unknown value type \(type) at byte \(r.offset - 4)")
        }
    }

    /// The tensor named `name`, if present.
    public func tensor(_ name: String) -> GGUFTensorInfo? { index[name].map { tensors[$0] } }

    /// A pointer to the data of `info` (valid while this file is alive).
    public func data(_ info: GGUFTensorInfo) -> UnsafeRawPointer { file.base + info.fileOffset }

    /// The supported type of `info`, or an error naming the tensor and the supported types.
    public func type(of info: GGUFTensorInfo) throws -> TensorType {
        guard let type = info.type else {
            throw LMError.unsupported(
                path: path, what: "tensor '\(info.name)' of type \(TensorType.ggmlName(info.typeID))",
                supported: TensorType.supportedList)
        }
        return type
    }

    // MARK: Typed metadata access with errors that name the key

    public func int(_ key: String) throws -> Int {
        guard let value = metadata[key] else { throw LMError.badConfig("the GGUF metadata has no '\(key)' (\(path))") }
        guard let v = value.int else { throw LMError.badConfig("'\(key)' is \(value), not an integer (\(path))") }
        return v
    }

    public func double(_ key: String) throws -> Double {
        guard let value = metadata[key] else { throw LMError.badConfig("the GGUF metadata has no '\(key)' (\(path))") }
        guard let v = value.double else { throw LMError.badConfig("'\(key)' is \(value), not a number (\(path))") }
        return v
    }

    public func string(_ key: String) throws -> String {
        guard let value = metadata[key] else { throw LMError.badConfig("the GGUF metadata has no '\(key)' (\(path))") }
        guard let v = value.string else { throw LMError.badConfig("'\(key)' is \(value), not a string (\(path))") }
        return v
    }
}
