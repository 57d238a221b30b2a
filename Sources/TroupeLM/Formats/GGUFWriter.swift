/// Builds a GGUF v3 file: metadata in insertion order, tensors laid out contiguously at the
/// alignment, exactly as ggml's writer does (so llama.cpp's strict reader accepts the result).
///
/// Used by the tests to make tiny models on the fly and by exports (a LoRA adapter for
/// llama.cpp). The file is written atomically.
public struct GGUFWriter {
    public var alignment = 32
    private var metadata: [(String, GGUFValue)] = []
    private var tensors: [(name: String, shape: [Int], type: TensorType, bytes: [UInt8])] = []

    public init() {}

    /// Adds (or replaces) a metadata entry.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.0 == key }) {
            metadata[i].1 = value
        } else {
            metadata.append((key, value))
        }
    }

    public mutating func set(_ key: String, strings: [String]) {
        set(key, .array(elementType: 8, strings.map { .string($0) }))
    }

    /// Adds a tensor from f32 values laid out with `shape[0]` contiguous (ggml order), encoded as
    /// `type` with the reference quantizers.
    public mutating func addTensor(_ name: String, shape: [Int], type: TensorType, values: [Float]) throws {
        precondition(
            values.count == shape.reduce(1, *), "GGUFWriter: \(name) has \(values.count) values for shape \(shape)")
        guard shape[0] % type.blockSize == 0 else {
            throw LMError.badRequest(
                "tensor \(name): first dimension \(shape[0]) is not a multiple of \(type)'s block \(type.blockSize)")
        }
        var bytes = [UInt8](repeating: 0, count: type.rowBytes(values.count))
        try values.withUnsafeBufferPointer { v in
            try bytes.withUnsafeMutableBytes { b in
                try Quantize.row(type, from: v.baseAddress!, to: b.baseAddress!, count: values.count)
            }
        }
        tensors.append((name, shape, type, bytes))
    }

    /// Adds a tensor from already-encoded bytes.
    public mutating func addTensor(_ name: String, shape: [Int], type: TensorType, bytes: [UInt8]) {
        precondition(bytes.count == type.rowBytes(shape.reduce(1, *)), "GGUFWriter: \(name) has the wrong byte count")
        tensors.append((name, shape, type, bytes))
    }

    /// Writes the file atomically to `path`.
    public func write(to path: String) throws {
        try AtomicFile.write(path: path) { sink in
            try sink.append(GGUFFile.magic)
            try sink.append(UInt32(3))
            try sink.append(UInt64(tensors.count))
            var entries = metadata
            if alignment != 32, !entries.contains(where: { $0.0 == "general.alignment" }) {
                entries.append(("general.alignment", .uint32(UInt32(alignment))))
            }
            try sink.append(UInt64(entries.count))
            for (key, value) in entries {
                try GGUFWriter.writeString(key, &sink)
                try sink.append(value.typeID)
                try GGUFWriter.writeValue(value, &sink)
            }
            var offset = 0
            for t in tensors {
                try GGUFWriter.writeString(t.name, &sink)
                try sink.append(UInt32(t.shape.count))
                for n in t.shape { try sink.append(UInt64(n)) }
                try sink.append(t.type.rawValue)
                try sink.append(UInt64(offset))
                offset += (t.bytes.count + alignment - 1) / alignment * alignment
            }
            try sink.pad((alignment - sink.written % alignment) % alignment)
            for t in tensors {
                try sink.append(t.bytes)
                try sink.pad((alignment - t.bytes.count % alignment) % alignment)
            }
        }
    }

    static func writeString(_ s: String, _ sink: inout AtomicFile.Sink) throws {
        let bytes = Array(s.utf8)
        try sink.append(UInt64(bytes.count))
        try sink.append(bytes)
    }

    static func writeValue(_ value: GGUFValue, _ sink: inout AtomicFile.Sink) throws {
        switch value {
        case .uint8(let v): try sink.append(v)
        case .int8(let v): try sink.append(v)
        case .uint16(let v): try sink.append(v)
        case .int16(let v): try sink.append(v)
        case .uint32(let v): try sink.append(v)
        case .int32(let v): try sink.append(v)
        case .float32(let v): try sink.append(v.bitPattern)
        case .bool(let v): try sink.append(UInt8(v ? 1 : 0))
        case .string(let v): try writeString(v, &sink)
        case .uint64(let v): try sink.append(v)
        case .int64(let v): try sink.append(v)
        case .float64(let v): try sink.append(v.bitPattern)
        case .array(let elementType, let items):
            try sink.append(elementType)
            try sink.append(UInt64(items.count))
            for item in items { try writeValue(item, &sink) }
        }
    }
}
