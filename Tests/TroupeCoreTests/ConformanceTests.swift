import Testing
import TroupeCatalog

@testable import TroupeCore

/// The conformance checker over every registered environment, in process. (The server's tests
/// run the same checks through `envd`.)
@Suite struct ConformanceTests {
    static let cases: [(String, String)] = builtinEnvironments.specs.flatMap { spec in
        ConformanceChecker.checks.map { (spec.id, $0.name) }
    }

    @Test(arguments: cases)
    func inProcess(env: String, check: String) async throws {
        let registration = try builtinEnvironments.registration(env)
        let subject = ConformanceSubject(
            registration: registration, driver: InProcessDriver(registry: builtinEnvironments))
        let named = try #require(ConformanceChecker.checks.first { $0.name == check })
        let outcome = try await named.run(subject)
        if case .skipped(let why) = outcome { print("\(env) \(check) skipped: \(why)") }
    }
}
