import Foundation
import Testing
import TroupeBench
import TroupeCore
import TroupeWire

@testable import TroupeServer

extension LiveServerTests {
    /// Every error code of the protocol, provoked on a live server over a raw socket; each time the
    /// connection stays usable (a `list` right after succeeds).
    @Suite struct ErrorCodeTests {
        @Test func everyCodeIsCovered() {
            let covered = Set(Self.cases.map(\.rawValue))
            #expect(covered == Set(ErrorCode.protocolCodes.map(\.rawValue)))
        }

        static let cases: [ErrorCode] = ErrorCode.protocolCodes

        @Test(arguments: cases)
        func provoke(code: ErrorCode) async throws {
            var limits = ServerLimits(maxFrameBytes: 1024)
            switch code {
            case .capacity: limits.maxSessions = 1; limits.makeQueueLimit = 0
            case .connectionLimit: limits.maxSessionsPerConnection = 1
            case .tooManyPending: limits.maxPendingPerSession = 1
            case .timeout: limits.stepTimeoutMs = 100
            default: break
            }
            try await withLiveServer(
                limits: limits, tcp: code == .unauthorized, token: code == .unauthorized ? "0123456789abcdef" : nil
            ) {
                live in
                let socket: LineSocket =
                    code == .unauthorized ? try LineSocket(host: "127.0.0.1", port: live.tcpPort!) : try live.raw()
                let answer = try await Self.answer(provoking: code, socket, live)
                #expect(errorCode(answer) == code.rawValue, "\(answer)")
                #expect(answer["error"]?["message"]?.stringValue?.isEmpty == false)
                if code != .unauthorized && code != .shuttingDown {
                    let after = try socket.rpc(#"{"id":"after","op":"list"}"#)
                    #expect(after["ok"] == true && after["id"] == "after", "the connection is still usable")
                }
            }
        }

        /// Sends what provokes `code` and returns the error answer.
        static func answer(provoking code: ErrorCode, _ s: LineSocket, _ live: LiveServer) async throws -> JSONValue {
            switch code {
            case .badFrame: return try s.rpc(#"{"id":1,"op":"list""#)
            case .frameTooLarge:
                return try s.rpc(#"{"id":1,"op":"list","pad":""# + String(repeating: "x", count: 2000) + "\"}")
            case .badRequest: return try s.rpc(#"{"id":1,"op":"step"}"#)
            case .unknownOp: return try s.rpc(#"{"id":1,"op":"jump"}"#)
            case .unsupportedVersion: return try s.rpc(#"{"id":1,"op":"hello","version":99}"#)
            case .unauthorized: return try s.rpc(#"{"id":1,"op":"list"}"#)
            case .unknownEnv: return try s.rpc(#"{"id":1,"op":"make","env":"nope-v0"}"#)
            case .unknownSession: return try s.rpc(#"{"id":1,"op":"step","session":"s404","action":"x"}"#)
            case .badToken:
                let session = try s.makeEcho()
                return try s.rpc(#"{"id":2,"op":"resume","session":"\#(session)","token":"wrong"}"#)
            case .capacity:
                _ = try s.makeEcho()
                return try s.rpc(#"{"id":2,"op":"make","env":"echo-v0"}"#)
            case .connectionLimit:
                _ = try s.makeEcho()
                return try s.rpc(#"{"id":2,"op":"make","env":"echo-v0"}"#)
            case .tooManyPending:
                let made = try s.rpc(#"{"id":1,"op":"make","env":"slow-v0","config":{"delay_ms":300}}"#)
                let session = made["session"]!.stringValue!
                try s.send(
                    #"{"id":2,"op":"reset","session":"\#(session)"}"# + "\n"
                        + #"{"id":3,"op":"reset","session":"\#(session)"}"# + "\n")
                let first = try JSONValue.parse(s.readLine())  // the refusal comes first; the reset later
                _ = try s.readLine()
                return first
            case .timeout:
                let made = try s.rpc(#"{"id":1,"op":"make","env":"slow-v0","config":{"delay_ms":2000}}"#)
                return try s.rpc(#"{"id":2,"op":"reset","session":"\#(made["session"]!.stringValue!)"}"#)
            case .shuttingDown:
                let session = try s.rpc(#"{"id":1,"op":"make","env":"slow-v0","config":{"delay_ms":1000}}"#)["session"]!
                    .stringValue!
                try s.send(#"{"id":2,"op":"reset","session":"\#(session)"}"# + "\n")
                try await Task.sleep(for: .milliseconds(100))  // the reset is running
                let stopping = Task { await live.server.shutdown(drainTimeout: .seconds(5)) }
                try await Task.sleep(for: .milliseconds(50))
                let refused = try s.rpc(#"{"id":3,"op":"make","env":"echo-v0"}"#)
                let drained = try JSONValue.parse(s.readLine())
                #expect(drained["id"] == 2 && drained["ok"] == true, "the running reset finishes during the drain")
                await stopping.value
                return refused
            case .badConfig: return try s.rpc(#"{"id":1,"op":"make","env":"echo-v0","config":{"words":[]}}"#)
            case .badOptions:
                let session = try s.rpc(#"{"id":1,"op":"make","env":"slow-v0"}"#)["session"]!.stringValue!
                return try s.rpc(#"{"id":2,"op":"reset","session":"\#(session)","options":{"colour":"red"}}"#)
            case .resetNeeded:
                let session = try s.makeEcho()
                return try s.rpc(#"{"id":2,"op":"step","session":"\#(session)","action":"red"}"#)
            case .episodeEnded:
                let session = try s.makeEcho(config: #"{"words":["only"]}"#)
                _ = try s.rpc(#"{"id":2,"op":"reset","session":"\#(session)"}"#)
                let won = try s.rpc(#"{"id":3,"op":"step","session":"\#(session)","action":"only"}"#)
                #expect(won["terminated"] == true)
                return try s.rpc(#"{"id":4,"op":"step","session":"\#(session)","action":"only"}"#)
            case .invalidAction:
                let session = try s.makeEcho()
                _ = try s.rpc(#"{"id":2,"op":"reset","session":"\#(session)"}"#)
                return try s.rpc(#"{"id":3,"op":"step","session":"\#(session)","action":5}"#)
            case .notSupported:
                let session = try s.rpc(#"{"id":1,"op":"make","env":"slow-v0"}"#)["session"]!.stringValue!
                return try s.rpc(#"{"id":2,"op":"snapshot","session":"\#(session)"}"#)
            case .badSnapshot:
                let session = try s.makeEcho()
                return try s.rpc(#"{"id":2,"op":"restore","session":"\#(session)","snapshot":{"env":"echo-v0"}}"#)
            case .internal:
                let session = try s.rpc(#"{"id":1,"op":"make","env":"slow-v0"}"#)["session"]!.stringValue!
                _ = try s.rpc(#"{"id":2,"op":"reset","session":"\#(session)"}"#)
                return try s.rpc(#"{"id":3,"op":"step","session":"\#(session)","action":"crash"}"#)
            default:
                Issue.record("no way to provoke \(code) yet")
                return .null
            }
        }
    }
}
