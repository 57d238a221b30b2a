import Foundation
import Logging
import Testing
import TroupeCatalog
import TroupeClient
import TroupeCore
import TroupeServer

/// The hand-written transcripts again, through a live `envd` on a Unix socket and the Swift client:
/// the wire must carry every observation, admissible list and `won` flag byte for byte.
@Suite struct TranscriptThroughEnvdTests {
    @Test func everyTranscriptReplaysThroughEnvd() async throws {
        let socket =
            "/tmp/troupe-alfworld-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).sock"
        var logger = Logger(label: "envd-test")
        logger.logLevel = .critical
        let server = EnvServer(
            registry: builtinEnvironments, configuration: ServerConfiguration(unixSocket: socket), logger: logger)
        _ = try await server.start()
        let client = try await EnvdClient.connect(to: .unix(socket))
        var failures: [String] = []
        for name in Fixtures.transcriptNames() {
            let transcript = try Transcript(named: name)
            if let difference = try await transcript.replay(on: client) {
                failures.append("\(name): \(difference)")
            }
        }
        await client.close()
        await server.shutdown(drainTimeout: .seconds(5))
        #expect(!Fixtures.transcriptNames().isEmpty)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
