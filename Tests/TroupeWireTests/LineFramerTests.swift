import Testing
import TroupeCore

@testable import TroupeWire

/// The framer against every way a stream can be cut.
@Suite struct LineFramerTests {
    /// Feeds `chunks` and returns what came out: frames as text, oversized lines as "<oversized>".
    static func run(_ chunks: [[UInt8]], max: Int = 64) -> [String] {
        var framer = LineFramer(maxFrameBytes: max)
        var out: [String] = []
        for chunk in chunks {
            framer.feed(chunk) { event in
                switch event {
                case .frame(let bytes): out.append(String(decoding: bytes, as: UTF8.self))
                case .oversized: out.append("<oversized>")
                }
            }
            #expect(framer.bufferedBytes <= max)
        }
        return out
    }

    static let stream = Array("{\"id\":1}\n{\"id\":2,\"op\":\"list\"}\r\n\n   \n{\"id\":3}\n".utf8)
    static let expected = ["{\"id\":1}", "{\"id\":2,\"op\":\"list\"}", "{\"id\":3}"]

    @Test func wholeStreamAtOnce() {
        #expect(Self.run([Self.stream]) == Self.expected)
    }

    @Test func dripFedOneByteAtATime() {
        #expect(Self.run(Self.stream.map { [$0] }) == Self.expected)
    }

    /// Every split point, and every pair of split points, gives the same frames.
    @Test func splitAnywhere() {
        let bytes = Self.stream
        for i in 0...bytes.count {
            #expect(Self.run([Array(bytes[..<i]), Array(bytes[i...])]) == Self.expected)
            for j in i...bytes.count {
                #expect(Self.run([Array(bytes[..<i]), Array(bytes[i..<j]), Array(bytes[j...])]) == Self.expected)
            }
        }
    }

    @Test func incompleteTailIsHeldUntilItsNewline() {
        var framer = LineFramer(maxFrameBytes: 64)
        var frames = 0
        framer.feed(Array("{\"a\":1}\n{\"b\"".utf8)) { _ in frames += 1 }
        #expect(frames == 1)
        #expect(framer.bufferedBytes == 4)
        framer.feed(Array(":2}\n".utf8)) { _ in frames += 1 }
        #expect(frames == 2)
        #expect(framer.bufferedBytes == 0)
    }

    /// An oversized line is reported once, skipped to its newline, and the next frame is read.
    @Test(arguments: [1, 7, 50, 200])
    func oversizedLineRecovers(chunkSize: Int) {
        let long = "{\"id\":9,\"x\":\"" + String(repeating: "y", count: 300) + "\"}"
        let bytes = Array((long + "\n{\"id\":10}\n").utf8)
        let chunks = stride(from: 0, to: bytes.count, by: chunkSize).map {
            Array(bytes[$0..<min($0 + chunkSize, bytes.count)])
        }
        #expect(Self.run(chunks) == ["<oversized>", "{\"id\":10}"])
    }

    @Test func oversizedPrefixKeepsTheID() {
        var framer = LineFramer(maxFrameBytes: 32)
        var prefix: [UInt8] = []
        framer.feed(Array(("{\"id\":\"req-7\",\"pad\":\"" + String(repeating: "z", count: 100)).utf8)) { event in
            if case .oversized(let p) = event { prefix = p }
        }
        #expect(FrameSalvage.id(in: prefix) == "req-7")
    }

    @Test func frameExactlyAtTheLimitIsAccepted() {
        let frame = String(repeating: "a", count: 64)
        #expect(Self.run([Array((frame + "\n").utf8)]) == [frame])
        #expect(Self.run([Array((frame + "b\n").utf8)]) == ["<oversized>"])
    }

    @Test func salvagesIDsOfBrokenFrames() {
        #expect(FrameSalvage.id(in: Array("{\"id\": 42, garbage".utf8)) == 42)
        #expect(FrameSalvage.id(in: Array("{\"op\":\"x\",\"id\":\"abc\"".utf8)) == "abc")
        #expect(FrameSalvage.id(in: Array("not json at all".utf8)) == .null)
        #expect(FrameSalvage.id(in: Array("{\"id\":[1]}".utf8)) == .null)
    }
}
