import Foundation
import Testing
import TroupeCore

@testable import TroupeLM

@Suite struct FormatTests {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("troupe-lm-\(UUID().uuidString)").path

    init() throws { try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true) }

    /// A small GGUF with every metadata type and a few tensor types.
    func writeSample(_ path: String) throws -> [Float] {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("u8", .uint8(7))
        w.set("i8", .int8(-7))
        w.set("u16", .uint16(65000))
        w.set("i16", .int16(-3000))
        w.set("u32", .uint32(4_000_000_000))
        w.set("i32", .int32(-2_000_000_000))
        w.set("f32", .float32(1.5))
        w.set("bool", .bool(true))
        w.set("u64", .uint64(1 << 40))
        w.set("i64", .int64(-(1 << 40)))
        w.set("f64", .float64(2.25))
        w.set("strings", strings: ["a", "Ġb", "日本"])
        w.set("nested", .array(elementType: 9, [.array(elementType: 4, [.uint32(1), .uint32(2)])]))
        let values = (0..<128).map { Float($0) / 10 - 6 }
        try w.addTensor("f32", shape: [64, 2], type: .f32, values: values)
        try w.addTensor("q8", shape: [64, 2], type: .q8_0, values: values)
        try w.addTensor("q4", shape: [32, 4], type: .q4_1, values: values)
        try w.addTensor("bf", shape: [128], type: .bf16, values: values)
        try w.write(to: path)
        return values
    }

    @Test func ggufRoundTripsMetadataAndTensors() throws {
        let path = scratch + "/sample.gguf"
        let values = try writeSample(path)
        let f = try GGUFFile(path: path)
        #expect(f.version == 3)
        #expect(f.metadata["u8"] == .uint8(7) && f.metadata["i16"] == .int16(-3000))
        #expect(f.metadata["u32"]?.int == 4_000_000_000 && f.metadata["i64"]?.int == -(1 << 40))
        #expect(
            f.metadata["f32"]?.double == 1.5 && f.metadata["f64"]?.double == 2.25 && f.metadata["bool"]?.bool == true)
        #expect(f.metadata["strings"]?.array?.compactMap(\.string) == ["a", "Ġb", "日本"])
        #expect(f.metadata["nested"]?.array?.first?.array?.count == 2)
        #expect(f.tensors.map(\.name) == ["f32", "q8", "q4", "bf"])
        #expect(f.tensors.allSatisfy { $0.fileOffset % 32 == 0 })
        for info in f.tensors {
            var out = [Float](repeating: 0, count: 128)
            Dequantize.row(try f.type(of: info), from: f.data(info), to: &out, count: 128)
            let tolerance: Float = ["q4": 0.25, "q8": 0.03, "bf": 0.02, "f32": 0][info.name]!
            #expect(maxDifference(out, values, "GGUF \(info.name)") <= tolerance)
        }
    }

    /// Every prefix of a valid file, and files with corrupted bytes, are rejected with an error
    /// (never a crash): the reader checks every length and offset against the file.
    @Test func truncatedAndCorruptFilesAreRejected() throws {
        let path = scratch + "/sample.gguf"
        _ = try writeSample(path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let cut = scratch + "/cut.gguf"
        var rejected = 0
        for length in stride(from: 0, to: bytes.count, by: 7) {
            try Data(bytes[..<length]).write(to: URL(fileURLWithPath: cut))
            do {
                let f = try GGUFFile(path: cut)
                // A cut inside the last tensor's padding can still parse; then every tensor fits.
                #expect(f.tensors.allSatisfy { $0.fileOffset + $0.byteCount <= length })
            } catch let error as LMError {
                rejected += 1
                if length > 0 { #expect(error.description.contains("cut.gguf")) }
            }
        }
        #expect(rejected > bytes.count / 7 - 10)
        var rng = SeededRNG(seed: 3)
        for _ in 0..<300 {
            var corrupt = bytes
            for _ in 0..<4 { corrupt[rng.int(in: 0..<min(corrupt.count, 600))] = UInt8(rng.below(256)) }
            try Data(corrupt).write(to: URL(fileURLWithPath: cut))
            _ = try? GGUFFile(path: cut)  // must not crash
        }
    }

    @Test func unsupportedTensorTypeNamesTheTensorAndTheSupportedTypes() throws {
        let path = scratch + "/sample.gguf"
        _ = try writeSample(path)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Find the type field of tensor "q8" (after its name, n_dims and 2 dims) and set Q5_K (13).
        let name = Array("q8".utf8)
        let at = (0..<(bytes.count - 4)).first { i in bytes[i..<(i + 2)].elementsEqual(name) && bytes[i - 8] == 2 }!
        let typeOffset = at + 2 + 4 + 16
        bytes[typeOffset] = 13
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let f = try GGUFFile(path: path)
        #expect(throws: LMError.self) { try f.type(of: f.tensor("q8")!) }
        do {
            _ = try f.type(of: f.tensor("q8")!)
        } catch {
            #expect("\(error)".contains("Q5_K") && "\(error)".contains("Q4_1") && "\(error)".contains("'q8'"))
        }
    }

    @Test func notAGGUFFileIsRejected() throws {
        let path = scratch + "/text.gguf"
        try Data("hello world, this is not a model".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: LMError.self) { try GGUFFile(path: path) }
        #expect(throws: LMError.self) { try GGUFFile(path: scratch + "/missing.gguf") }
    }

    @Test func safetensorsRoundTripAndValidation() throws {
        let path = scratch + "/t.safetensors"
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        let a = (0..<12).map { Float($0) * 0.5 }
        try w.add("b.weight", shape: [3, 4], values: a)
        try w.add("a.weight", shape: [12], values: a, type: .bf16)
        try w.write(to: path)
        let f = try SafetensorsFile(path: path)
        #expect(f.metadata["format"] == "pt")
        #expect(f.tensors["b.weight"]?.shape == [3, 4] && f.tensors["a.weight"]?.dtype == "BF16")
        var out = [Float](repeating: 0, count: 12)
        let info = f.tensors["b.weight"]!
        Dequantize.row(try f.type(of: info), from: f.data(info), to: &out, count: 12)
        #expect(out == a)
        // A file cut short fails the tiling check.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 4).write(to: URL(fileURLWithPath: path))
        #expect(throws: LMError.self) { try SafetensorsFile(path: path) }
    }
}
