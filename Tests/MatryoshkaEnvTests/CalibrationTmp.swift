import Testing
@testable import MatryoshkaEnv

@Suite struct CalibrationTmp {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CALIB"] == "1"), arguments: [0.7, 0.8])
    func calibrate(c: Double) async throws {
        let r = try await GuidanceDependenceTests.measure(games: Array(0..<134), competence: c)
        print("CALIB c=\(c) " + GuidanceDependenceTests.Kind.allCases.map { "\($0.rawValue)=\(r[$0]!.won)" }.joined(separator: " "))
    }
}
import Foundation
