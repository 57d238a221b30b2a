import Foundation
import Testing
import TroupeCatalog
import TroupeClient
import TroupeCore
import TroupeWire

@testable import TroupeServer

/// The conformance checker on every registered environment, through a live server and the Swift
/// client (the in-process run is in TroupeCoreTests). Environments registered in the catalog are
/// picked up here without any change.
@Suite struct ConformanceThroughServerTests {
    static let cases: [(String, String)] = builtinEnvironments.specs.flatMap { spec in
        ConformanceChecker.checks.map { (spec.id, $0.name) }
    }

    @Test(arguments: cases)
    func throughServer(env: String, check: String) async throws {
        let live = try await LiveServer.start(registry: builtinEnvironments)
        let client = try await live.client()
        let subject = ConformanceSubject(registration: try builtinEnvironments.registration(env), driver: client)
        let named = try #require(ConformanceChecker.checks.first { $0.name == check })
        let outcome: Result<ConformanceOutcome, any Error>
        do {
            outcome = .success(try await named.run(subject))
        } catch {
            outcome = .failure(error)
        }
        await client.close()
        await live.stop()
        if case .success(.skipped(let why)) = outcome { print("\(env) \(check) skipped through the server: \(why)") }
        _ = try outcome.get()
    }
}

extension LiveServerTests {
    /// `examples/raw_client.py`, written from `docs/protocol.md` alone, against a live server.
    @Suite struct RawPythonClientTests {
        @Test func pythonClientMakesResetsStepsBatchesAndCloses() async throws {
            let live = try await LiveServer.start()
            let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let process = Process()
            process.executableURL = URL(filePath: "/usr/bin/env")
            process.arguments = ["python3", root.appending(path: "examples/raw_client.py").path, live.socketPath]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            await live.stop()
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("step: blue 0.0 False False"))
            #expect(text.contains("batch: ['red', 'green']"))
            #expect(text.contains("closed s1"))
        }
    }
}
