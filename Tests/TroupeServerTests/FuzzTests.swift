import Foundation
import Testing
import TroupeBench
import TroupeCore

/// Random and malformed frames thrown at a real `envd serve` process for a bounded time: it must
/// answer every frame, answer every good request mixed in, keep its memory bounded, and exit
/// cleanly on SIGTERM.
extension LiveServerTests {
    @Suite struct FuzzTests {
        /// The `envd` built beside this test bundle.
        static var envdPath: String {
            let executable = URL(filePath: "/proc/self/exe").resolvingSymlinksInPath()
            var directory = executable.deletingLastPathComponent()
            if directory.lastPathComponent.hasSuffix(".xctest") { directory = directory.deletingLastPathComponent() }
            return directory.appending(path: "envd").path
        }

        static func rssKiB(_ pid: Int32) -> Int {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }

        /// One malformed frame (never containing a newline, never blank).
        static func badFrame(_ rng: inout SeededRNG, maxFrame: Int) -> [UInt8] {
            switch rng.below(10) {
            case 0:  // random bytes, invalid UTF-8 included
                return (0..<rng.int(in: 1...200)).map { _ in
                    var byte = UInt8(truncatingIfNeeded: rng.next())
                    if byte == 0x0A { byte = 0xFF }
                    return byte
                } + [UInt8(ascii: "x")]
            case 1:  // truncated JSON
                let good = Array(#"{"id":5,"op":"make","env":"echo-v0","config":{"words":["a","b"]},"seed":3}"#.utf8)
                return Array(good.prefix(rng.int(in: 1..<good.count)))
            case 2:  // huge numbers
                return Array(#"{"id":1e999,"op":"make","env":"echo-v0","seed":123456789012345678901234567890}"#.utf8)
            case 3:  // deep nesting
                let depth = rng.int(in: 65...5000)
                return Array(repeating: UInt8(ascii: "["), count: depth)
                    + Array(repeating: UInt8(ascii: "]"), count: depth)
            case 4:  // invalid UTF-8 inside a string
                return Array(#"{"id":2,"op":"step","session":"s1","action":""#.utf8) + [0xC3, 0x28, 0xFF, 0xFE]
                    + Array("\"}".utf8)
            case 5:  // oversized line
                return Array(#"{"id":3,"op":"list","pad":""#.utf8)
                    + Array(repeating: UInt8(ascii: "z"), count: maxFrame + rng.int(in: 1...10_000))
            case 6:  // valid JSON, wrong shapes
                let shapes = [
                    #"{"id":4,"op":"step","session":["s1"],"action":1}"#, #"{"op":null}"#, "42", #""just a string""#,
                    #"{"id":{"a":1},"op":"list"}"#, #"{"id":6,"op":"batch","items":[{"op":"step"}]}"#,
                    #"{"id":7,"op":"reset","session":"s1","seed":-5}"#,
                    #"{"id":8,"op":"resume","session":"s1","token":7}"#,
                ]
                return Array(rng.element(of: shapes)!.utf8)
            case 7:  // NUL bytes and control characters
                return Array(#"{"id":9,"op":"li"#.utf8) + [0, 1, 2] + Array(#"st"}"#.utf8)
            case 8:  // unknown ops on unknown sessions
                return Array(#"{"id":10,"op":"step","session":"s\#(rng.below(1000))","action":"x"}"#.utf8)
            default:  // a huge id and junk after the value
                return Array(#"{"id":99999999999999999999999,"op":"list"} trailing"#.utf8)
            }
        }

        @Test func serverSurvivesMalformedFrames() async throws {
            let path = "/tmp/troupe-fuzz-\(UInt32.random(in: 0...UInt32.max)).sock"
            let maxFrame = 4096
            let process = Process()
            process.executableURL = URL(filePath: Self.envdPath)
            process.arguments = ["serve", "--socket", path, "--max-frame-bytes", "\(maxFrame)", "--log-level", "error"]
            let stdout = Pipe()
            process.standardOutput = stdout
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            let ready = String(decoding: stdout.fileHandleForReading.availableData, as: UTF8.self)
            #expect(ready.hasPrefix("envd ready"), "\(ready)")

            var rng = SeededRNG(seed: 0xF022)
            var sockets = try (0..<4).map { _ in try LineSocket(unixPath: path) }
            let clock = ContinuousClock()
            // A fixed amount of fuzz, not a fixed time: a loaded machine must not change what is checked.
            let end = clock.now + .seconds(60)
            var frames = 0
            var goodChecks = 0
            var baseline = 0
            while frames < 300, clock.now < end {
                let index = rng.int(in: 0..<sockets.count)
                let socket = sockets[index]
                if rng.below(50) == 0 {
                    // Drop the connection in the middle of a frame, and open a new one.
                    try socket.send(Array(#"{"id":1,"op":"ma"#.utf8))
                    sockets[index] = try LineSocket(unixPath: path)
                    continue
                }
                try socket.send(Self.badFrame(&rng, maxFrame: maxFrame) + [0x0A])
                let answer = try JSONValue.parse(socket.readLine())
                #expect(answer["ok"] == false, "a malformed frame got \(answer)")
                frames += 1
                if frames % 25 == 0 {
                    let good = try socket.rpc(#"{"id":"good","op":"hello","version":1}"#)
                    #expect(good["ok"] == true && good["id"] == "good")
                    goodChecks += 1
                }
                if frames == 20 { baseline = Self.rssKiB(process.processIdentifier) }
            }
            for socket in sockets {
                let good = try socket.rpc(#"{"id":"good","op":"hello","version":1}"#)
                #expect(good["ok"] == true && good["id"] == "good", "a connection that saw bad frames still works")
                goodChecks += 1
            }
            let final = Self.rssKiB(process.processIdentifier)
            #expect(frames > 20)
            #expect(goodChecks > 0)
            // Bounded memory: after warm-up, malformed input does not accumulate.
            #expect(final < baseline + 64 * 1024, "RSS grew from \(baseline) KiB to \(final) KiB")
            let fresh = try LineSocket(unixPath: path)
            let made = try fresh.rpc(#"{"id":1,"op":"make","env":"echo-v0"}"#)
            #expect(made["ok"] == true, "the server still makes sessions after the fuzz")
            process.terminate()  // SIGTERM: drain and exit cleanly
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed")
        }
    }
}
