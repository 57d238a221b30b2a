import Foundation
import NIOPosix
import Testing
import TroupeBench

@testable import TroupeServer

/// The SwiftNIO floor of `envd bench --floor nio` echoes what it reads, on both listeners.
@Suite struct NIOEchoFloorTests {
    @Test func echoesFramesOnTheUnixSocketAndTCP() async throws {
        let path = "/tmp/troupe-echo-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listeners = try await NIOEchoFloor.start(
            unixPath: path, port: 0, group: MultiThreadedEventLoopGroup.singleton)
        defer { unlink(path) }
        #expect(listeners.port > 0)
        for socket in [try LineSocket(unixPath: path), try LineSocket(host: "127.0.0.1", port: listeners.port)] {
            let frames = #"{"id":1,"op":"step","session":"s1","action":"hi"}"# + "\n" + #"{"id":2}"# + "\n"
            try socket.send(Array(frames.utf8))
            #expect(try socket.readLine() == #"{"id":1,"op":"step","session":"s1","action":"hi"}"#)
            #expect(try socket.readLine() == #"{"id":2}"#)
        }
        await listeners.close()
    }
}
