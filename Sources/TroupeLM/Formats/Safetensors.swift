import TroupeCore

/// One tensor of a safetensors file.
public struct SafetensorsInfo: Sendable {
    public let name: String
    /// The dtype string as stored ("F32", "BF16", …); `type` is nil when it is not a float type
    /// this engine reads.
    public let dtype: String
    public var type: TensorType? {
        switch dtype {
        case "F32": return .f32
        case "F16": return .f16
        case "BF16": return .bf16
        default: return nil
        }
    }
    /// PyTorch order: the last dimension is contiguous ([out, in] for a weight).
    public let shape: [Int]
    /// Absolute byte offset in the file, and length.
    public let fileOffset: Int
    public let byteCount: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file, memory-mapped and validated as the format's reference implementation does:
/// the header is JSON, offsets tile the data buffer without holes or overlaps, each tensor's byte
/// length matches its shape and dtype, and the buffer ends at the end of the file.
public struct SafetensorsFile: Sendable {
    public let path: String
    public let file: MappedFile
    public let tensors: [String: SafetensorsInfo]
    /// The `__metadata__` map (string to string).
    public let metadata: [String: String]

    static let dtypeBytes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8,
    ]

    public init(path: String) throws {
        let file = try MappedFile(path: path)
        self.file = file
        self.path = path
        var r = ByteReader(path: path, base: file.base, count: file.count)
        let headerLength = try r.read(UInt64.self, "the header length")
        guard headerLength <= 100_000_000, Int(headerLength) <= file.count - 8 else {
            throw LMError.malformed(
                path: path,
                detail:
                    "the header length \(headerLength) is larger than the file (\(file.count) bytes) or the 100 MB limit"
            )
        }
        let headerBytes = UnsafeRawBufferPointer(start: file.base + 8, count: Int(headerLength))
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw LMError.malformed(path: path, detail: "the header does not start with '{'")
        }
        let header: JSONValue
        do {
            header = try JSONParser().parse(headerBytes)
        } catch {
            throw LMError.malformed(path: path, detail: "the header is not valid JSON: \(error)")
        }
        guard let object = header.objectValue else {
            throw LMError.malformed(path: path, detail: "the header is not a JSON object")
        }
        let dataStart = 8 + Int(headerLength)
        let bufferLength = file.count - dataStart
        var tensors: [String: SafetensorsInfo] = [:]
        var metadata: [String: String] = [:]
        var spans: [(Int, Int, String)] = []
        for (name, entry) in object {
            if name == "__metadata__" {
                for (k, v) in entry.objectValue ?? [:] {
                    guard let s = v.stringValue else {
                        throw LMError.malformed(path: path, detail: "__metadata__['\(k)'] is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            guard let dtype = entry["dtype"]?.stringValue, let bytes = SafetensorsFile.dtypeBytes[dtype] else {
                throw LMError.malformed(path: path, detail: "tensor '\(name)' has a missing or unknown dtype")
            }
            guard let dims = entry["shape"]?.arrayValue,
                let offsets = entry["data_offsets"]?.arrayValue, offsets.count == 2,
                let begin = offsets[0].intValue, let end = offsets[1].intValue
            else {
                throw LMError.malformed(path: path, detail: "tensor '\(name)' lacks a valid shape or data_offsets")
            }
            var shape: [Int] = []
            var count = 1
            for d in dims {
                guard let n = d.intValue, n >= 0, n < 1 << 40 else {
                    throw LMError.malformed(path: path, detail: "tensor '\(name)' has an invalid dimension \(d)")
                }
                shape.append(Int(n))
                let (p, overflow) = count.multipliedReportingOverflow(by: Int(n))
                guard !overflow, p < 1 << 40 else {
                    throw LMError.malformed(path: path, detail: "tensor '\(name)' has too many elements")
                }
                count = p
            }
            guard begin >= 0, end >= begin, Int(end) <= bufferLength, Int(end - begin) == count * bytes else {
                throw LMError.malformed(
                    path: path,
                    detail:
                        "tensor '\(name)' has data_offsets [\(begin), \(end)] that do not match its shape \(shape) × \(bytes) bytes or the buffer of \(bufferLength) bytes"
                )
            }
            spans.append((Int(begin), Int(end), name))
            tensors[name] = SafetensorsInfo(
                name: name, dtype: dtype, shape: shape, fileOffset: dataStart + Int(begin), byteCount: Int(end - begin))
        }
        var position = 0
        for (begin, end, name) in spans.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            guard begin == position else {
                throw LMError.malformed(
                    path: path,
                    detail:
                        "tensor '\(name)' starts at \(begin) but the previous one ends at \(position) (hole or overlap)"
                )
            }
            position = end
        }
        guard position == bufferLength else {
            throw LMError.malformed(
                path: path,
                detail:
                    "the tensors end at byte \(position) of a \(bufferLength)-byte buffer (truncated or trailing bytes)"
            )
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    public func data(_ info: SafetensorsInfo) -> UnsafeRawPointer { file.base + info.fileOffset }

    /// The supported float type of `info`, or an error naming the tensor.
    public func type(of info: SafetensorsInfo) throws -> TensorType {
        guard let type = info.type else {
            throw LMError.unsupported(
                path: path, what: "tensor '\(info.name)' of dtype \(info.dtype)", supported: "F32, F16, BF16")
        }
        return type
    }
}

/// Writes safetensors files (tensors in name order, header padded with spaces to a multiple of 8),
/// atomically. The trainer writes PEFT adapters with it; the tests write tiny checkpoints.
public struct SafetensorsWriter {
    private var entries: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = []
    public var metadata: [String: String] = [:]

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    /// Adds an f32 tensor (PyTorch shape order), stored as F32, F16 or BF16.
    public mutating func add(_ name: String, shape: [Int], values: [Float], type: TensorType = .f32) throws {
        precondition(
            values.count == shape.reduce(1, *), "SafetensorsWriter: \(name) has \(values.count) values for \(shape)")
        guard [.f32, .f16, .bf16].contains(type) else {
            throw LMError.badRequest("safetensors tensors are written as F32, F16 or BF16, not \(type)")
        }
        var bytes = [UInt8](repeating: 0, count: type.rowBytes(values.count))
        try values.withUnsafeBufferPointer { v in
            try bytes.withUnsafeMutableBytes {
                try Quantize.row(type, from: v.baseAddress!, to: $0.baseAddress!, count: values.count)
            }
        }
        entries.append((name, type.description, shape, bytes))
    }

    public func write(to path: String) throws {
        var header = JSONObject()
        if !metadata.isEmpty {
            header["__metadata__"] = .object(
                JSONObject(
                    uniqueKeysWithValues: metadata.sorted { $0.key < $1.key }.map {
                        ($0.key, JSONValue.string($0.value))
                    }))
        }
        var offset = 0
        let sorted = entries.sorted { $0.name < $1.name }
        for e in sorted {
            header[e.name] = [
                "dtype": .string(e.dtype), "shape": .array(e.shape.map { .number($0) }),
                "data_offsets": [.number(offset), .number(offset + e.bytes.count)],
            ]
            offset += e.bytes.count
        }
        var headerBytes = JSONValue.object(header).serializedBytes()
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        try AtomicFile.write(path: path) { sink in
            try sink.append(UInt64(headerBytes.count))
            try sink.append(headerBytes)
            for e in sorted { try sink.append(e.bytes) }
        }
    }
}
